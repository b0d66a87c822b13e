"""The catalog table: parsing, exact/wildcard/harmless lookup, shipped as package data."""

from __future__ import annotations

import pytest

from gate.catalog import (
    Catalog,
    Entry,
    canonical,
    lookup,
    match,
    module_prefixes,
    owned,
    receiver_method,
    requirements,
)
from gate.errors import ScanError
from gate.model import Capability


@pytest.mark.parametrize(("name", "cap"), [
    ("os.system", Capability.SUBPROCESS),
    ("subprocess.run", Capability.SUBPROCESS),
    ("subprocess.Popen.wait", Capability.SUBPROCESS),
    ("os.environ.get", Capability.ENV),
    ("posix.system", Capability.SUBPROCESS),
    ("nt.system", Capability.SUBPROCESS),
    ("builtins.exec", Capability.DYNAMIC_CODE),
    ("exec", Capability.DYNAMIC_CODE),
    ("ctypes.windll.kernel32", Capability.NATIVE),
    ("ftplib.FTP", Capability.NETWORK),
    ("socket.create_connection", Capability.NETWORK),
    ("socket.gethostname", Capability.ENV),
    ("requests.get", Capability.NETWORK),
    ("threading.Thread", Capability.THREADS),
    ("gc.get_objects", Capability.INTROSPECTION),
    ("shutil.rmtree", Capability.FS_WRITE),
    ("os.listdir", Capability.FS_READ),
    ("tempfile.mkstemp", Capability.FS_WRITE),
])
def test_lookup(name: str, cap: Capability) -> None:
    assert lookup(name) is cap


@pytest.mark.parametrize("name", [
    "socket.AF_INET", "socket.timeout", "socket.error", "subprocess.PIPE",
    "subprocess.CalledProcessError", "subprocess.TimeoutExpired", "requests.HTTPError",
    "requests.exceptions.ConnectionError", "threading.Lock", "threading.Event",
    "threading.local", "os.path.join", "os", "subprocess", "ftplib.error_perm",
    "ftplib.FTP_PORT", "multiprocessing.cpu_count", "tempfile.gettempdir", "json.loads",
    "paramiko.SSHException", "ctypes.ArgumentError",
])
def test_harmless(name: str) -> None:
    assert lookup(name) is None


def test_match_names_the_entry() -> None:
    entry = match("os.environ.get")
    assert entry is not None and entry.name == "os.environ"
    entry = match("subprocess.Popen.wait")
    assert entry is not None and entry.name == "subprocess.Popen"


def test_receiver_methods() -> None:
    assert receiver_method("write_text") is Capability.FS_WRITE
    assert receiver_method("f_globals") is Capability.INTROSPECTION
    assert receiver_method("exec") is None
    assert receiver_method("system") is None


def test_canonical() -> None:
    assert canonical("posix.system") == "os.system"
    assert canonical("builtins.open") == "open"
    assert canonical("posixpath.join") == "posixpath.join"
    assert canonical("osx.system") == "osx.system"


def test_module_prefixes() -> None:
    prefixes = module_prefixes()
    assert {"os", "os.path", "subprocess", "ctypes", "builtins", "socket"} <= prefixes
    assert "json" not in prefixes


@pytest.mark.parametrize(("name", "caps"), [
    ("json.tool.main", {"fs-write", "fs-read"}),  # writes the outfile its arguments name
    ("timeit.main", {"dynamic-code"}),  # compiles and runs its arguments
    ("zipfile.main", {"fs-write", "fs-read"}),  # ``-e`` extracts
    ("webbrowser.main", {"subprocess"}),
    ("inspect._main", {"dynamic-code"}),  # imports the module it is given
])
def test_standard_command_lines_are_catalogued(name: str, caps: set[str]) -> None:
    entry = match(name)
    assert entry is not None and {str(c) for c in entry.capabilities} == caps


def test_command_lines_make_no_parent() -> None:
    """A standard module's command line is matched, but does not make its module one
    that holds capabilities (a computed attribute of ``json``, the pre-filter's module
    tricks): ``json.tool`` has nothing else."""
    from gate.catalog import catalog, reaches

    assert "json.tool.main" in catalog().commands
    assert "json.tool" not in catalog().parents() and not reaches("json.tool")
    assert "base64" not in catalog().parents()  # (base64.main reads files)
    assert "timeit" in catalog().parents()  # (timeit.timeit: not only its command line)
    cat = Catalog.parse("a.main fs-read\nb.main fs-read\n", source="stdlib.txt",
                        commands=True)
    cat = Catalog.parse("b.main env\n", base=cat)  # a hand line: an ordinary name
    assert cat.commands == {"a.main"} and cat.parents() == {"builtins", "b"}


def test_parse_table() -> None:
    cat = Catalog.parse("# c\nfoo.bar  network  # why\nfoo.*  subprocess\nfoo.Err2 -\n.go env\n")
    assert cat.match("foo.bar.x") is not None
    entry = cat.match("foo.baz")
    assert entry is not None and entry.capability is Capability.SUBPROCESS
    assert cat.match("foo.Err2") is None
    assert cat.match("foo.SomeError") is None
    assert cat.receiver == {"go": Capability.ENV}


@pytest.mark.parametrize(("text", "message"), [
    ("foo network extra", "catalog.txt:1: expected '<name> <capability>': 'foo network extra'"),
    ("foo netwrk", "catalog.txt:1: unknown capability 'netwrk'"),
    ("\nfoo.* -", "catalog.txt:2: a 'mod.*' entry cannot be harmless"),
    (".foo -", "catalog.txt:1: a '.attr' entry cannot be harmless"),
])
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ScanError) as info:
        Catalog.parse(text)
    assert str(info.value) == message


def test_shipped_catalog_is_well_formed() -> None:
    from importlib import resources

    text = resources.files("gate").joinpath("data/catalog.txt").read_text(encoding="utf-8")
    names = [ln.split("#", 1)[0].split()[0] for ln in text.splitlines()
             if ln.split("#", 1)[0].strip()]
    assert len(names) == len(set(names)), "duplicate catalog lines"
    assert len(names) > 500


@pytest.mark.parametrize(("name", "own", "expected"), [
    ("requests.get", frozenset({"requests"}), True),
    ("requests", frozenset({"requests"}), True),
    ("requests_oauthlib.OAuth2Session", frozenset({"requests"}), False),
    ("botocore.session.Session", frozenset({"botocore.session"}), True),
    ("botocore.sessions", frozenset({"botocore.session"}), False),
    ("os.system", frozenset(), False),
    ("os.system", frozenset({"requests", "urllib3"}), False),
])
def test_owned(name: str, own: frozenset[str], expected: bool) -> None:
    assert owned(name, own) is expected


def test_requirements_leave_out_own_entries() -> None:
    everything = requirements()
    without = requirements(frozenset({"requests"}))
    dropped = set(everything) - set(without)
    assert {r.target for r in dropped} >= {"get", "Session", "HTTPAdapter"}
    assert all("requests" in r.anywhere for r in dropped)
    assert set(without) <= set(everything)


def test_parse_several_capabilities_and_aliases() -> None:
    base = Catalog.parse("a.f fs-write,fs-read  # why\na.g =a.f\na.h =a.f\nb.K network\n",
                         source="stdlib.txt", resolve=False)
    cat = Catalog.parse("a.h -\nb.K subprocess\n", base=base)
    entry = cat.match("a.f")
    assert entry is not None and entry.capability is Capability.FS_WRITE
    assert entry.also == (Capability.FS_READ,)
    alias = cat.match("a.g")  # a re-export is reported as the original
    assert alias == Entry(name="a.f", capability=Capability.FS_WRITE,
                          also=(Capability.FS_READ,))
    assert cat.match("a.h") is None  # the hand line wins over the generated alias
    entry = cat.match("b.K.m")
    assert entry is not None and entry.capability is Capability.SUBPROCESS


def test_hand_lines_override_the_generated_table() -> None:
    assert lookup("getpass.getpass") is None  # a terminal prompt, generated fs-write
    assert lookup("tempfile.gettempdir") is None
    assert lookup("io.open") is Capability.FS_READ  # special form: the scanner reads mode
    entry = match("gzip.open")  # generated
    assert entry is not None and entry.capability is Capability.FS_WRITE
    assert Capability.FS_READ in entry.also


def test_canonical_vendored() -> None:
    assert canonical("pip._vendor.requests.get") == "requests.get"
    assert canonical("setuptools.extern.packaging") == "packaging"
    assert canonical("pip._vendor.urllib3.PoolManager") == "urllib3.PoolManager"
    assert canonical("pipx.requests") == "pipx.requests"
    assert lookup("pip._vendor.requests.get") is Capability.NETWORK


def test_requirements_keep_the_order_of_their_sorted_words() -> None:
    """``Catalog.requirements`` sorts by a one-string key (gate.catalog._order) that must
    order as the lists of words do: a word that is a prefix of another, a list that is a
    prefix of another, then the bare words."""
    from gate.catalog import Requirement, _order, catalog

    reqs = list(catalog().requirements())
    reqs += [Requirement(anywhere=frozenset(w), bare=frozenset(b)) for w, b in [
        ({"os"}, set()), ({"os", "system"}, set()), ({"osx"}, set()), ({"o"}, {"s"}),
        ({"os"}, {"a"}), (set(), {"eval"}), ({"a", "b"}, set()), ({"ab"}, set())]]

    def words(r: Requirement) -> tuple[list[str], list[str]]:
        return sorted(r.anywhere), sorted(r.bare)

    assert [words(r) for r in sorted(reqs, key=_order)] == sorted(words(r) for r in reqs)
