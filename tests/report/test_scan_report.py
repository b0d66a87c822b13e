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


def test_text_report_lists_the_hosts_the_code_names() -> None:
    from dataclasses import replace

    from gate.model import HostSeen
    from gate.report.scan import HOSTS_LISTED, hosts_summary

    def h(host: str, path: str, line: int, label: Label | None = None) -> HostSeen:
        return HostSeen(host=host, path=path, line=line, literal="u", label=label)

    base = PackageScan(name=normalize("beacon"), version="1.0", filename="beacon-1.0.whl",
                       sha256="0" * 64, findings=(f("beacon/a.py", 1, cap=C.NETWORK),))
    scan = replace(base, hosts=(h("x.beacon.io", "beacon/a.py", 2), h("api.beacon.io",
                   "beacon/a.py", 7), h("api.beacon.io", "beacon/b.py", 1),
                   h("mock.io", "beacon/tests/t.py", 3, Label.TESTS)))
    assert format_text([scan]).splitlines()[-3:] == [
        "  hosts named in code: 2 (1 more only in shipped tests)",
        "    api.beacon.io  beacon/a.py:7 (+1 more)",
        "    x.beacon.io  beacon/a.py:2"]
    assert hosts_summary(scan) == ("network: hosts named in code: api.beacon.io, x.beacon.io "
                                   "(2 hosts; `permpip scan` shows where)")
    many = replace(base, hosts=tuple(h(f"h{i:02}.io", "beacon/a.py", i) for i in range(12)))
    lines = format_text([many]).splitlines()
    assert lines[-HOSTS_LISTED - 2:][0] == "  hosts named in code: 12"
    assert lines[-1] == "    ... and 2 more (--format json lists all)"
    assert hosts_summary(many) == (
        "network: hosts named in code: h00.io, h01.io, h02.io, h03.io, h04.io, h05.io, … "
        "(12 hosts; `permpip scan` shows where)")
    assert hosts_summary(base) is None and "hosts" not in format_text([base])
