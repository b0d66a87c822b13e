"""What real packages do that is not a use, and the attack next to it that is: the reports
``permpip run`` must not make (crying wolf) pinned with the ones it must.

Measured over real test suites (docs/runtime.md "Crying wolf"): the reports a policy from
``policy init`` left were fs-read by pluggy, pytest-asyncio and attrs through
``importlib.metadata`` (reading the installed distributions' metadata, as the import system
does); traceback reads (pytest, rich) were all granted ``introspection`` statically.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip
from tests.runtime.test_guard_redteam import attack
from tests.runtime.test_guard_redteam4 import leak

APP_SECRET = (
    "import evil\n"
    "def main():\n"
    "    password = 'hunter2-app-secret'\n"
    "    evil.go()\n"
    "main()\n")


@pytest.mark.parametrize("use", [
    "importlib.metadata.version('evil')",
    "[d.metadata['Name'] for d in importlib.metadata.distributions()]",
    "importlib.metadata.entry_points(group='console_scripts')",
    "importlib.metadata.distribution('evil').read_text('RECORD')",
    "importlib.metadata.files('evil')",
])
def test_reading_installed_metadata_is_not_fs_read(tmp_path: Path, run_permpip: RunPermpip,
                                                   use: str) -> None:
    """pluggy loading entry points, a package asking its own version: the standard library
    lists sys.path and reads *.dist-info files, as the import system does."""
    o = attack(tmp_path, run_permpip, (
        "import importlib.metadata\n"
        "def go():\n"
        f"    print('ok', bool({use}))\n"), enforce=True)
    assert o.output.splitlines() == ["ok True"], o.output
    assert o.used == [] and o.code == 0


@pytest.mark.parametrize("read", [
    "importlib.metadata.distribution('evil').read_text('../../secret.txt')",
    "[f.read_text() for f in importlib.metadata.files('evil') if f.name == '__init__.py']",
    "importlib.metadata.PathDistribution(pathlib.Path('@MARKER@')).read_text('secret.txt')",
])
def test_reading_other_files_through_importlib_metadata_is_fs_read(
        tmp_path: Path, run_permpip: RunPermpip, read: str) -> None:
    """The other side: a file outside a *.dist-info of a sys.path entry, reached through
    importlib.metadata (a relative name leading out, the package's own files, a directory
    it names), is read by the package (importlib.metadata returns None when refused)."""
    (tmp_path / "secret.txt").write_text("s3cret-file")
    (tmp_path / "marker").mkdir()
    (tmp_path / "marker" / "secret.txt").write_text("s3cret-file")
    o = attack(tmp_path, run_permpip, leak(read, "import importlib.metadata, pathlib\n"),
               enforce=True)
    assert "s3cret" not in o.output and ("refused" in o.output or "LEAK None" in o.output)
    assert o.used == [("evil", "fs-read")]


@pytest.mark.parametrize("name", ["secret.txt", "settings.py"])
def test_linecache_reading_other_files_is_fs_read(tmp_path: Path, run_permpip: RunPermpip,
                                                  name: str) -> None:
    """linecache reads any file it is named: only the sources of distributions and of the
    standard library are exempt, not a secret, nor the application's own code."""
    (tmp_path / name).write_text("SECRET_KEY = 's3cret-file'\n")
    o = attack(tmp_path, run_permpip, leak(f"linecache.getline({str(tmp_path / name)!r}, 1)",
                                           "import linecache\n"), enforce=True)
    assert "s3cret" not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_formatting_a_traceback_is_not_introspection(tmp_path: Path,
                                                     run_permpip: RunPermpip) -> None:
    """A package that formats an exception through the standard library (logging, the
    traceback module's formatting) reads no frame itself, and the source lines linecache
    reads for it are installed code (its own file)."""
    o = attack(tmp_path, run_permpip, (
        "import logging, sys, traceback\n"
        "def go():\n"
        "    try:\n"
        "        {}['missing']\n"
        "    except KeyError as exc:\n"
        "        text = ''.join(traceback.format_exception(exc))\n"
        "        summary = traceback.extract_tb(exc.__traceback__)\n"
        "        logging.getLogger('evil').exception('failed')\n"
        "        print('ok', 'KeyError' in text, len(summary))\n"), enforce=True)
    assert "ok True 1" in o.output, o.output
    assert o.used == [] and o.code == 0


@pytest.mark.parametrize("frame", [
    "exc.__traceback__.tb_frame",
    "next(traceback.walk_tb(exc.__traceback__))[0]",
    "__import__('inspect').trace()[0].frame",
])
def test_a_traceback_of_its_own_reaches_the_callers(tmp_path: Path, run_permpip: RunPermpip,
                                                    frame: str) -> None:
    """Why a traceback's frame stays ``introspection``: an exception a package raises and
    catches itself hands it its own frame, and ``f_back`` (no event) leads from there to
    every caller's locals, as ``sys._getframe`` does. A traceback the application hands it
    leads to the same live stack (the frame that caught it, and its callers)."""
    o = attack(tmp_path, run_permpip, (
        "import traceback\n"
        "def go():\n"
        "    try:\n"
        "        try:\n"
        "            1 / 0\n"
        "        except ZeroDivisionError as exc:\n"
        f"            f = {frame}\n"
        "        while f is not None and 'password' not in f.f_locals:\n"
        "            f = f.f_back\n"
        "        print('LEAK', f.f_locals['password'])\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), main=APP_SECRET, enforce=True)
    assert "hunter2" not in o.output and "refused" in o.output, o.output
    assert o.used == [("evil", "introspection")]
