"""``gate.resolve.pip_options``: the table of ``pip install``'s long options that stands in
for pip's install command when permpip reads pip's configuration (issue #15: importing the
command cost ~0.4-1 s of CPU on every pip-backend run). Checked against pip's real parser,
every spelling (aliases: ``--default-timeout`` is ``--timeout``, ``--only-dependencies``
is ``--only-deps``, ``--no-user`` sets ``--user``'s dest), with its dest and action."""

from __future__ import annotations

import sys
from pathlib import Path

import pip
import pytest

from gate.resolve import reqfile
from gate.resolve.pip_options import INSTALL_OPTIONS, PIP_VERSION

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
from pip_install_options import module, table  # noqa: E402


def test_the_table_is_pips_parser_for_its_version() -> None:
    version, real = table()
    if version != PIP_VERSION:  # (not a failure: CI installs the newest pip)
        pytest.skip(f"pip {version} is installed, the table is pip {PIP_VERSION}'s: run "
                    ".venv/bin/python tools/pip_install_options.py > "
                    "gate/resolve/pip_options.py (permpip falls back to pip's parser)")
    assert INSTALL_OPTIONS == real
    assert (REPO / "gate" / "resolve" / "pip_options.py").read_text() == module()


def test_every_spelling_answers_as_the_parser_does() -> None:
    from pip._internal.commands import create_command

    if pip.__version__ != PIP_VERSION:
        pytest.skip(f"pip {pip.__version__} is installed, the table is pip {PIP_VERSION}'s "
                    "(permpip reads pip's own parser then)")

    parser = create_command("install", isolated=False).parser
    static = reqfile._StaticParser()
    spellings = {s for o in parser._get_all_options() for s in o._long_opts}
    assert {"--default-timeout", "--only-dependencies", "--no-user", "--timeout"} <= spellings
    for spelling in [*spellings, "--nonexistent", "--i", "--index", "--index-ur", "---i"]:
        real, mine = parser.get_option(spelling), static.get_option(spelling)
        if real is None:
            assert mine is None, spelling
            continue
        assert mine is not None, spelling
        assert (mine.get_opt_string(), mine.dest, mine.action) == (
            real.get_opt_string(), real.dest, real.action), spelling


def test_another_pip_version_reads_pips_own_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(reqfile.install_parser(False), reqfile._StaticParser) == (
        pip.__version__ == PIP_VERSION)
    monkeypatch.setattr(pip, "__version__", "0.0.1")
    parser = reqfile.install_parser(False)
    assert not isinstance(parser, reqfile._StaticParser)
    assert parser.get_option("--default-timeout").get_opt_string() == "--timeout"


ENV = {"PIP_CONFIG_FILE": "/dev/null", "PIP_INDEX_URL": "https://example.org/simple",
       "PIP_DEFAULT_TIMEOUT": "7", "PIP_NO_CACHE_DIR": "1", "PIP_ONLY_DEPENDENCIES": "yes",
       "PIP_EXTRA_INDEX_URL": "https://a.example/s https://b.example/s", "PIP_PRE": "true",
       "PIP_NO_USER": "1", "PIP_NO_INPUT": "1", "PIP_PROGRESS_BAR": "off", "PIP_X_UNKNOWN": "1",
       "PIP_NO_BUILD_ISOLATION": "yes", "PIP_COMPILE": "1", "PIP_FIND_LINKS": "/nowhere"}


def test_the_configuration_reads_the_same_with_the_table(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    from pip._internal.commands import create_command

    from gate.options import GateOptions

    env = {**ENV, "HOME": str(tmp_path)}
    options = GateOptions()
    fast = reqfile._pip_settings(options, target_python=sys.executable, env=env)
    installs = reqfile.install_settings(options, target_python=sys.executable, env=env)
    monkeypatch.setattr(reqfile, "install_parser",
                        lambda isolated: create_command("install", isolated=isolated).parser)
    assert reqfile._pip_settings(options, target_python=sys.executable, env=env) == fast
    assert reqfile.install_settings(options, target_python=sys.executable, env=env) == installs
    assert {o.name for o in fast} >= {"--index-url", "--timeout", "--no-cache-dir",
                                      "--only-deps", "--extra-index-url", "--pre"}


def test_reading_the_configuration_does_not_import_pips_install_command(
        tmp_path: Path) -> None:
    import json
    import os
    import subprocess

    code = ("import json, sys\nfrom gate.options import GateOptions\n"
            "from gate.resolve import reqfile\n"
            "before = 'pip._internal.commands.install' in sys.modules\n"
            f"env = json.loads({json.dumps(json.dumps({**ENV, 'HOME': str(tmp_path)}))})\n"
            "reqfile._pip_settings(GateOptions(), target_python=sys.executable, env=env)\n"
            "reqfile.install_settings(GateOptions(), target_python=sys.executable, env=env)\n"
            "print(json.dumps([before, 'pip._internal.commands.install' in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, pip.__version__ != PIP_VERSION]
