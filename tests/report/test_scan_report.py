"""gate.report.scan: evidence in review order, labels shown, one-line summaries."""

from __future__ import annotations

from gate.model import Capability, Finding, Label, PackageScan, Phase, normalize
from gate.report.scan import format_text, summary

C, P, L = Capability, Phase, Label


def f(path: str, line: int, phase: Phase = P.RUNTIME, label: Label | None = None,
      cap: Capability = C.NETWORK) -> Finding:
    return Finding(path=path, line=line, capability=cap, phase=phase, detail="d", label=label)


LIBS = [f("psycopg2_binary.libs/libcrypto-fb8d5b21.so.3", 0, label=L.BUNDLED),
        f("psycopg2_binary.libs/libkrb5-fcafa220.so.3.3", 0, label=L.BUNDLED),
        f("psycopg2_binary.libs/libpq-a17e3caa.so.5.17", 0, label=L.BUNDLED)]


def test_summary_all_in_one_label_names_the_first_sources() -> None:
    assert summary(C.NETWORK, LIBS) == (
        "network: 3 lines, all in bundled libraries "
        "(libcrypto-fb8d5b21.so.3, libkrb5-fcafa220.so.3.3, …)")
    assert summary(C.NETWORK, LIBS[:1]) == (
        "network: 1 line, all in bundled libraries (libcrypto-fb8d5b21.so.3)")
    tests = [f("numpy/lib/tests/test_io.py", 5, label=L.TESTS),
             f("numpy/lib/tests/test_io.py", 9, label=L.TESTS),
             f("numpy/testing/_private/utils.py", 3, label=L.TESTS)]
    assert summary(C.NETWORK, tests) == (
        "network: 3 lines, all in shipped tests (numpy/lib/tests/, numpy/testing/)")


def test_summary_mixed_counts_the_own_code_first_and_names_its_first_line() -> None:
    mixed = [*LIBS, f("pkg/_impl.py", 7, P.IMPORT), f("pkg/api.py", 30),
             f("pkg/win.py", 4, label=L.PLATFORM), f("pkg/cli.py", 12, label=L.MAIN),
             f("pkg/tests/test_a.py", 2, label=L.TESTS)]
    assert summary(C.NETWORK, mixed) == (
        "network: 8 lines: 2 in the package's code (first pkg/_impl.py:7, import), "
        "1 in platform-only code, 1 in __main__ blocks, 1 in shipped tests, "
        "3 in bundled libraries")
    assert summary(C.ENV, [f("pkg/api.py", 30, cap=C.ENV)]) == (
        "env: 1 line, all in the package's code (first pkg/api.py:30, runtime)")


def test_text_report_lists_own_code_first_and_says_each_label() -> None:
    scan = PackageScan(name=normalize("pkg"), version="1.0", filename="pkg-1.0.whl",
                       sha256="0" * 64, findings=(
                           f("pkg/tests/test_a.py", 2, P.IMPORT, L.TESTS),
                           f("pkg/api.py", 30), f("pkg/_impl.py", 7, P.IMPORT),
                           f("pkg/api.py", 3, cap=C.ENV)))
    assert format_text([scan]) == (
        "pkg 1.0  (pkg-1.0.whl): network, env\n"
        "  network: 3 lines: 2 in the package's code (first pkg/_impl.py:7, import), "
        "1 in shipped tests\n"
        "    pkg/_impl.py:7  d  (import)\n"
        "    pkg/api.py:30  d  (runtime)\n"
        "    pkg/tests/test_a.py:2  d  (import)  [tests]\n"
        "  env\n"
        "    pkg/api.py:3  d  (runtime)\n")
