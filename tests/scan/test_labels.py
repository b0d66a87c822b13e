"""Labels on evidence (gate.scan.labels, docs/scanner.md "Labels"): where it comes from.

A label annotates and orders; every finding stays (soundness), so each test also checks
that the labelled evidence is still there with its capability and phase.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.model import Capability, Finding, Label, PackageScan, Phase, review_key, scans_to_json
from gate.scan import scan_artifact
from gate.scan.labels import labelled, path_label
from gate.scan.python import scan_python
from tests.builders import build_wheel
from tests.scan.test_native import make_elf

C, P, L = Capability, Phase, Label


def found(source: str, path: str = "pkg/m.py") -> list[tuple[int, Capability, Phase, Label | None]]:
    return [(f.line, f.capability, f.phase, f.label)
            for f in scan_python(source.encode(), path)]


# -- shipped tests and bundled libraries: by path ---------------------------------------------

@pytest.mark.parametrize(("path", "label"), [
    ("numpy/lib/tests/test_io.py", L.TESTS),
    ("numpy/lib/tests/data/model.pkl", L.TESTS),
    ("pkg/test/helpers.py", L.TESTS),
    ("numpy/testing/_private/utils.py", L.TESTS),
    ("tests/__init__.py", L.TESTS),
    ("pkg/test_util.py", L.TESTS),
    ("pkg/io_test.py", L.TESTS),
    ("pkg/conftest.py", L.TESTS),
    ("psycopg2_binary.libs/libcrypto-fb8d5b21.so.3", L.BUNDLED),
    ("numpy.libs/libscipy_openblas64_-ff651d7f.so", L.BUNDLED),
    ("PIL/.dylibs/libjpeg.62.dylib", L.BUNDLED),
    ("pkg/.dylibs/libx.so", L.BUNDLED),
    ("pkg/vendor/libfoo.so.1", L.BUNDLED),
    ("pkg/helper.dll", L.BUNDLED),
    # the package's own code
    ("psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so", None),
    ("pkg/_speedups.pyd", None),
    ("pkg/testing_utils.py", None),
    ("pkg/contest.py", None),
    ("pkg/latest.py", None),
    ("pkg/attest/__init__.py", None),
    ("pkg/tests.py", None),  # a module, not a test package
    ("pkg.libs/readme.txt", None),  # not a native file
])
def test_path_labels(path: str, label: Label | None) -> None:
    assert path_label(path) is label


def test_install_and_startup_evidence_is_never_labelled() -> None:
    findings = [
        Finding(path="pkg/tests/setup.py", line=3, capability=C.SUBPROCESS, phase=P.INSTALL,
                detail="os.system"),
        Finding(path="tests/__init__.py", line=0, capability=C.STARTUP_HOOKS,
                phase=P.STARTUP, detail="shadows"),
        Finding(path="pkg/tests/test_x.py", line=3, capability=C.NETWORK, phase=P.RUNTIME,
                detail="socket.socket", label=L.MAIN),
    ]
    out = labelled(findings)
    assert [(f.path, f.label) for f in out] == [
        ("pkg/tests/setup.py", None), ("tests/__init__.py", None),
        ("pkg/tests/test_x.py", L.TESTS)]  # the path wins over the code's own label
    assert out == findings  # same evidence: a label is not part of a finding's identity


# -- platform-only code ------------------------------------------------------------------------

def test_platform_branches_false_on_linux_are_labelled() -> None:
    src = (
        "import os, sys, platform\n"
        "if sys.platform == 'win32':\n"       # 2
        "    os.system('a')\n"
        "else:\n"
        "    os.getenv('B')\n"                 # 5: runs on Linux
        "if os.name != 'nt':\n"
        "    os.system('posix')\n"             # 7: runs on Linux
        "if sys.platform.startswith(('win', 'cygwin')) or os.name == 'nt':\n"
        "    os.remove('w')\n"                 # 9
        "if platform.system() == 'Linux':\n"
        "    os.unlink('l')\n"                 # 11: runs on Linux
        "else:\n"
        "    os.listdir('.')\n"                # 13
        "if sys.platform == 'darwin' and os.getenv('X'):\n"
        "    os.chmod('m', 0)\n"               # 15
        "if sys.platform == 'win32' or os.getenv('Y'):\n"
        "    os.rmdir('u')\n"                  # 17: may run on Linux
    )
    assert found(src) == [
        (3, C.SUBPROCESS, P.IMPORT, L.PLATFORM),
        (5, C.ENV, P.IMPORT, None),
        (7, C.SUBPROCESS, P.IMPORT, None),
        (9, C.FS_WRITE, P.IMPORT, L.PLATFORM),
        (11, C.FS_WRITE, P.IMPORT, None),
        (13, C.FS_READ, P.IMPORT, L.PLATFORM),
        (14, C.ENV, P.IMPORT, None),
        (15, C.FS_WRITE, P.IMPORT, L.PLATFORM),
        (16, C.ENV, P.IMPORT, None),
        (17, C.FS_WRITE, P.IMPORT, None),
    ]


def test_a_module_that_cannot_import_on_linux_is_platform_only_after_that_line() -> None:
    src = (
        "import os, sys\n"
        "os.getenv('BEFORE')\n"                # 2: runs on Linux before the import fails
        "import msvcrt\n"
        "from ctypes import windll\n"
        "os.system('after')\n"                 # 5
        "def f():\n"
        "    os.remove('late')\n"              # 7
    )
    assert found(src) == [(2, C.ENV, P.IMPORT, None),
                          (4, C.NATIVE, P.IMPORT, L.PLATFORM),
                          (5, C.SUBPROCESS, P.IMPORT, L.PLATFORM),
                          (7, C.FS_WRITE, P.RUNTIME, L.PLATFORM)]
    guarded = ("import os, sys\n"
               "if sys.platform != 'win32':\n"
               "    os.getenv('X')\n"          # 3: this runs, then the raise
               "    raise ImportError('windows only')\n"
               "os.system('w')\n")             # 5
    assert found(guarded) == [(3, C.ENV, P.IMPORT, None),
                              (5, C.SUBPROCESS, P.IMPORT, L.PLATFORM)]
    tried = ("import os\ntry:\n    import msvcrt\nexcept ImportError:\n    pass\n"
             "os.system('x')\n")
    assert found(tried) == [(6, C.SUBPROCESS, P.IMPORT, None)]


@pytest.mark.parametrize("rebind", [
    "sys.platform = 'win32'", "import sys as s; s.platform = 'win32'", "os.name = 'nt'",
    "setattr(sys, 'platform', 'win32')", "sys.modules['msvcrt'] = sys"])
def test_no_platform_label_when_the_source_rewrites_what_the_tests_read(rebind: str) -> None:
    src = (f"import os, sys\n{rebind}\n"
           "if sys.platform == 'win32':\n    os.system('a')\n"
           "import msvcrt\nos.remove('b')\n")
    labels = [(line, label) for line, _, _, label in found(src)]
    assert (4, None) in labels and (6, None) in labels and {lb for _, lb in labels} == {None}


def test_a_wheel_rewriting_sys_platform_anywhere_has_no_platform_labels(tmp_path: Path) -> None:
    code = "import os, sys\nif sys.platform == 'win32':\n    os.system('a')\n"
    plain = build_wheel(tmp_path / "a", "winpkg", "1.0", {"winpkg/__init__.py": code})
    spoofed = build_wheel(tmp_path / "b", "winpkg", "1.0", {
        "winpkg/__init__.py": code, "winpkg/tests/__init__.py": "import sys\n",
        "winpkg/tests/spoof.py": "import sys\nsys.platform = 'win32'\n"})
    for wheel, label in ((plain, L.PLATFORM), (spoofed, None)):
        (f,) = [f for f in scan_artifact(wheel).findings if f.capability is C.SUBPROCESS]
        assert (f.path, f.line, f.phase, f.label) == ("winpkg/__init__.py", 3, P.IMPORT, label)
    windows = build_wheel(tmp_path / "c", "winpkg", "1.0", {"winpkg/__init__.py": code},
                          tag="py3-none-win_amd64")
    (f,) = [f for f in scan_artifact(windows).findings if f.capability is C.SUBPROCESS]
    assert f.label is None  # a wheel for Windows: that code is its main path


# -- __main__ blocks ---------------------------------------------------------------------------

def test_main_blocks_are_labelled_runtime() -> None:
    src = ("import os, sys\n"
           "if __name__ == '__main__':\n"
           "    os.system('run')\n"                # 3
           "    if sys.platform == 'win32':\n"
           "        os.remove('w')\n"              # 5: main wins (outer)
           "os.getenv('X')\n")
    assert found(src) == [(3, C.SUBPROCESS, P.RUNTIME, L.MAIN),
                          (5, C.FS_WRITE, P.RUNTIME, L.MAIN),
                          (6, C.ENV, P.IMPORT, None)]
    # ``__name__`` rebound: the block may run at import; no label, phase as before
    rebound = "import os\n__name__ = '__main__'\nif __name__ == '__main__':\n    os.system('x')\n"
    assert found(rebound) == [(4, C.SUBPROCESS, P.IMPORT, None)]


def test_the_walker_and_reach_read_a_spelled_main_test_alike() -> None:
    """One reader of ``__name__ == "__main__"``: an f-string or a concatenation is the same
    test for the walker (the block is ``runtime``) and for gate.scan.reach (what the block
    calls does not run at import)."""
    for spelled in ('f"__main__"', '"__ma" + "in__"'):
        src = (f"import os\ndef f():\n    os.system('x')\n"
               f"if __name__ == {spelled}:\n    f()\n")
        assert found(src) == [(3, C.SUBPROCESS, P.RUNTIME, None)]


def test_main_label_goes_when_code_run_at_import_reaches_it() -> None:
    src = ("import os\n"
           "def g():\n"
           "    if __name__ == '__main__':\n"
           "        os.system('x')\n"              # 4
           "g()\n")
    (f,) = scan_python(src.encode(), "pkg/m.py")
    assert (f.line, f.phase, f.label) == (4, P.IMPORT, None)
    assert f.detail == "os.system (via g() at :5)"


# -- a real wheel: JSON and order -----------------------------------------------------------------

def test_wheel_labels_in_the_scan_json(tmp_path: Path) -> None:
    lib = make_elf(64, "little", [("connect", 1, 0), ("getenv", 1, 0)])
    wheel = build_wheel(tmp_path, "labelled", "1.0", {
        "labelled/__init__.py": "import os\nos.getenv('A')\n",
        "labelled/_impl.py": "import socket\ndef f():\n    socket.create_connection(a)\n",
        "labelled/tests/test_net.py": "import socket\nsocket.create_connection(('h', 1))\n",
        "labelled/cli.py": ("import socket\nif __name__ == '__main__':\n"
                            "    socket.create_connection(('h', 1))\n"),
        "labelled.libs/libcrypto-ab12.so.3": lib,
    }, tag="py3-none-manylinux_2_17_x86_64")
    scan = scan_artifact(wheel)
    caps = scans_to_json([scan])["packages"][0]["capabilities"]
    assert caps["network"] == [
        {"path": "labelled.libs/libcrypto-ab12.so.3", "line": 0, "phase": "runtime",
         "detail": "imports connect (native code may call it)", "label": "bundled"},
        {"path": "labelled/_impl.py", "line": 3, "phase": "runtime",
         "detail": "socket.create_connection"},
        {"path": "labelled/cli.py", "line": 3, "phase": "runtime",
         "detail": "socket.create_connection", "label": "main"},
        {"path": "labelled/tests/test_net.py", "line": 2, "phase": "import",
         "detail": "socket.create_connection", "label": "tests"},
    ]
    assert [(f.path, f.label) for f in sorted(scan.capabilities[C.NETWORK], key=review_key)] == [
        ("labelled/_impl.py", None),
        ("labelled/tests/test_net.py", L.TESTS),  # labelled: by phase, then label
        ("labelled/cli.py", L.MAIN),
        ("labelled.libs/libcrypto-ab12.so.3", L.BUNDLED)]
    # read back (cache, consumers): the label survives; JSON without it is the package's own
    again = PackageScan._from_dict(json.loads(json.dumps(scan.to_json())))
    assert sorted((f.path, f.line, f.capability, f.label or "") for f in again.findings) == (
        sorted((f.path, f.line, f.capability, f.label or "") for f in scan.findings))
    old = PackageScan._from_dict({**scan.to_json(), "capabilities": {"network": [
        {"path": "a.py", "line": 1, "phase": "import", "detail": "d"}]}})
    assert old.findings[0].label is None


def test_review_order() -> None:
    def f(path: str, phase: Phase, label: Label | None = None, line: int = 1) -> Finding:
        return Finding(path=path, line=line, capability=C.NETWORK, phase=phase, detail="d",
                       label=label)

    shuffled = [
        f("pkg.libs/libssl.so.3", P.RUNTIME, L.BUNDLED),
        f("pkg/tests/test_a.py", P.IMPORT, L.TESTS),
        f("pkg/_impl.py", P.RUNTIME),
        f("pkg/api.py", P.RUNTIME, line=9),
        f("pkg/win.py", P.IMPORT, L.PLATFORM),
        f("pkg/cli.py", P.RUNTIME, L.MAIN),
        f("pkg/_impl.py", P.IMPORT),
        f("pkg/api.py", P.RUNTIME, line=2),
        f("pkg/__init__.py", P.IMPORT),
        f("setup.py", P.INSTALL),
    ]
    assert [(g.path, g.line, g.phase, g.label) for g in sorted(shuffled, key=review_key)] == [
        ("setup.py", 1, P.INSTALL, None),
        ("pkg/__init__.py", 1, P.IMPORT, None),   # runs on import, public
        ("pkg/_impl.py", 1, P.IMPORT, None),      # runs on import, private
        ("pkg/api.py", 2, P.RUNTIME, None),       # public modules
        ("pkg/api.py", 9, P.RUNTIME, None),
        ("pkg/_impl.py", 1, P.RUNTIME, None),     # private modules
        ("pkg/win.py", 1, P.IMPORT, L.PLATFORM),  # labelled: last
        ("pkg/tests/test_a.py", 1, P.IMPORT, L.TESTS),
        ("pkg/cli.py", 1, P.RUNTIME, L.MAIN),
        ("pkg.libs/libssl.so.3", 1, P.RUNTIME, L.BUNDLED),
    ]
