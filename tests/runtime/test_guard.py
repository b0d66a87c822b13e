"""The guard in real processes, on packages laid out in a site directory by hand (fast);
tests/runtime/test_run_e2e.py does the same with real venvs and pip."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.runtime.conftest import (
    HIDDEN,
    HIDDEN_LINE,
    RunPermpip,
    Target,
    install_fake,
    policy_toml,
    read_report,
)

PY = sys.executable


def _project(tmp_path: Path, packages: dict[str, str], main: str,
             default: str = "[]") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(policy_toml(packages, default))
    (project / "main.py").write_text(main)
    return project


def _run(run_permpip: RunPermpip, project: Path, site: Path, *args: str,
         env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    out = project / "report.json"
    done = run_permpip("run", *args, "--format", "json", "--output", str(out), "--",
                       PY, "main.py", cwd=project, extra_path=[site], env=env)
    return done.returncode, read_report(out), done.stdout + done.stderr


def test_hidden_request_reported_with_its_chain(tmp_path: Path, target: Target,
                                               run_permpip: RunPermpip) -> None:
    site = install_fake(tmp_path / "site", "colorlogx", "1.0",
                        {"colorlogx/__init__.py": HIDDEN})
    project = _project(tmp_path, {"colorlogx": '{ allow = ["env", "dynamic-code"], '
                                               'at-import = ["env", "dynamic-code"] }'},
                       "import colorlogx\nprint(colorlogx.colour('app ran'))\n")
    code, report, output = _run(run_permpip, project, site, env={"COLORLOGX_URL": target.url})
    assert code == 1, output
    assert "payload: sent" in output and "app ran" in output  # report mode: runs unchanged
    assert target.requests == ["/beacon"]
    [v] = report["violations"]
    assert (v["package"], v["version"], v["capability"], v["phase"]) == (
        "colorlogx", "1.0", "network", "import")
    assert v["where"] == f"colorlogx/__init__.py:{HIDDEN_LINE}"
    assert v["chain"] == [f"colorlogx/__init__.py:{HIDDEN_LINE} (import)", "<exec>",
                          "urllib.request.urlopen",
                          f"http.client.connect 127.0.0.1:{target.port}"]
    assert v["denied"] is False
    assert report["command_exit_code"] == 0 and report["exit_code"] == 1


def test_enforce_stops_the_request(tmp_path: Path, target: Target,
                                   run_permpip: RunPermpip) -> None:
    site = install_fake(tmp_path / "site", "colorlogx", "1.0",
                        {"colorlogx/__init__.py": HIDDEN})
    project = _project(tmp_path, {"colorlogx": '{ allow = ["env", "dynamic-code"], '
                                               'at-import = ["env", "dynamic-code"] }'},
                       "import colorlogx\nprint('app ran')\n")
    code, report, output = _run(run_permpip, project, site, "--enforce",
                                env={"COLORLOGX_URL": target.url})
    assert code == 1
    assert target.requests == []  # never sent
    assert "payload: PermissionError" in output
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["phase"], v["denied"]) == (
        "colorlogx", "network", "import", True)


def test_runtime_use_needs_only_allow(tmp_path: Path, run_permpip: RunPermpip) -> None:
    """fs-write granted (runtime) is fine in a function; the same at import is not."""
    out = tmp_path / "written.txt"
    site = install_fake(tmp_path / "site", "writer", "2.0", {"writer/__init__.py": (
        "def save(path):\n"
        "    with open(path, 'w') as f:\n"
        "        f.write('x')\n")})
    project = _project(tmp_path, {"writer": '["fs-write"]'},
                       f"import writer\nwriter.save({str(out)!r})\n")
    code, report, output = _run(run_permpip, project, site)
    assert (code, report["violations"]) == (0, []), output
    assert out.read_text() == "x"
    (project / "main.py").write_text(
        f"import writer\nimport importlib\nwriter.save({str(out)!r})\n")
    (site / "writer" / "__init__.py").write_text(
        "def save(path):\n    open(path, 'w').close()\n\n"
        f"save({str(tmp_path / 'at-import.txt')!r})\n")
    code, report, _ = _run(run_permpip, project, site, "--enforce")
    assert code == 1
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["phase"], v["where"]) == (
        "writer", "fs-write", "import", "writer/__init__.py:2")
    assert not (tmp_path / "at-import.txt").exists()


def test_application_code_is_granted_everything(tmp_path: Path, target: Target,
                                                run_permpip: RunPermpip) -> None:
    site = tmp_path / "site"
    site.mkdir()
    project = _project(tmp_path, {}, (
        "import os, subprocess, sys, urllib.request\n"
        "urllib.request.urlopen(os.environ['URL']).read()\n"
        "open('app.txt', 'w').write('x')\n"
        "subprocess.run([sys.executable, '-c', 'pass'], check=True)\n"))
    code, report, output = _run(run_permpip, project, site, "--enforce",
                                env={"URL": target.url})
    assert (code, report["violations"]) == (0, []), output
    assert target.requests == ["/beacon"]
    assert len(report["processes"]) == 2  # the child is guarded too


def test_environment_reads_are_seen_but_not_the_standard_librarys(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    site = install_fake(tmp_path / "site", "snoop", "1.0", {"snoop/__init__.py": (
        "import os.path\n"
        "def home():\n"
        "    return os.path.expanduser('~')\n"  # the standard library reads HOME: not snoop
        "def token():\n"
        "    return os.getenv('AWS_SECRET_ACCESS_KEY')\n")})
    project = _project(tmp_path, {"snoop": '["fs-read"]'},
                       "import snoop\nsnoop.home()\nsnoop.token()\n")
    code, report, _ = _run(run_permpip, project, site, env={"AWS_SECRET_ACCESS_KEY": "s"})
    assert code == 1
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["phase"], v["detail"], v["where"]) == (
        "snoop", "env", "runtime", "AWS_SECRET_ACCESS_KEY", "snoop/__init__.py:5")


def test_a_child_without_the_guard_is_a_violation(tmp_path: Path,
                                                  run_permpip: RunPermpip) -> None:
    marker = tmp_path / "escaped"
    site = install_fake(tmp_path / "site", "runner", "1.0", {"runner/__init__.py": (
        "import subprocess, sys\n"
        "def go(marker):\n"
        "    subprocess.run([sys.executable, '-I', '-c',\n"
        "                    f'open({str(marker)!r}, \"w\").close()'])\n")})
    project = _project(tmp_path, {"runner": '["subprocess"]'},
                       f"import runner\nrunner.go({str(marker)!r})\n")
    code, report, _ = _run(run_permpip, project, site, "--enforce")
    assert code == 1
    assert not marker.exists()
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["event"]) == ("runner", "guard",
                                                           "subprocess.Popen")
    assert "-I" in v["detail"]


def test_the_guards_files_cannot_be_rewritten(tmp_path: Path,
                                              run_permpip: RunPermpip) -> None:
    site = install_fake(tmp_path / "site", "tamper", "1.0", {"tamper/__init__.py": (
        "import sys\n"
        "guard = sys.modules['sitecustomize'].__file__.rpartition('/')[0]\n"
        "try:\n"
        "    open(guard + '/policy.bin', 'wb').write(b'')\n"
        "except PermissionError as exc:\n"
        "    print('refused:', exc)\n")})
    project = _project(tmp_path, {"tamper": '["fs-write", "fs-read", "introspection"]'},
                       "import tamper\n", default='["fs-write"]')
    code, report, output = _run(run_permpip, project, site, "--enforce")
    assert code == 1
    assert "refused: permpip: tamper 1.0 may not use guard at import" in output
    assert [(v["package"], v["capability"]) for v in report["violations"]] == [
        ("tamper", "guard")]


def test_text_report_and_sarif(tmp_path: Path, target: Target,
                               run_permpip: RunPermpip) -> None:
    site = install_fake(tmp_path / "site", "colorlogx", "1.0",
                        {"colorlogx/__init__.py": HIDDEN})
    project = _project(tmp_path, {"colorlogx": '{ allow = ["env"], at-import = ["env"] }'},
                       "import colorlogx\n")
    env = {"COLORLOGX_URL": target.url}
    done = run_permpip("run", "--", PY, "main.py", cwd=project, extra_path=[site], env=env)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == ("permpip run (report): 1 process guarded; 1 package used "
                        "capabilities the policy (pyproject.toml) does not grant (reported)")
    assert lines[2:5] == ["colorlogx 1.0", "  dynamic-code at import not granted:",
                          f"    colorlogx/__init__.py:{HIDDEN_LINE} (import) -> compile "
                          "<string>"]
    assert lines[-1] == ("  fix: permpip policy allow colorlogx dynamic-code network "
                         "--at-import")
    out = project / "report.sarif"
    done = run_permpip("run", "--format", "sarif", "--output", str(out), "--", PY,
                       "main.py", cwd=project, extra_path=[site], env=env)
    sarif = read_report(out)
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["dynamic-code-at-import", "network-at-import"]
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": HIDDEN_LINE}


def test_chains_to_the_sitecustomize_it_shadows(tmp_path: Path,
                                                run_permpip: RunPermpip) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import builtins\nbuiltins.CHAINED = True\n")
    project = _project(tmp_path, {}, "print('chained', CHAINED)\n")
    code, report, output = _run(run_permpip, project, site)
    assert (code, report["violations"]) == (0, [])
    assert "chained True" in output


def test_bad_input_is_one_line(tmp_path: Path, run_permpip: RunPermpip) -> None:
    project = _project(tmp_path, {}, "")
    done = run_permpip("run", cwd=project)
    assert (done.returncode, done.stderr.splitlines()[0]) == (2, "error: no command to run")
    done = run_permpip("run", "--format", "xml", "--", "true", cwd=project)
    assert (done.returncode, done.stderr.splitlines()[0]) == (
        2, "error: --format must be text, json or sarif, not 'xml'")
    done = run_permpip("run", "--", "no-such-command-14", cwd=project)
    assert (done.returncode, done.stderr) == (
        127, "error: command not found: no-such-command-14\n")
    (project / "pyproject.toml").write_text("[tool.permissions]\ndefault = ['netwrk']\n")
    done = run_permpip("run", "--", "true", cwd=project)
    assert done.returncode == 2 and "did you mean 'network'" in done.stderr
    assert "Traceback" not in done.stderr


def test_exit_code_is_the_commands_when_clean(tmp_path: Path,
                                              run_permpip: RunPermpip) -> None:
    project = _project(tmp_path, {}, "raise SystemExit(7)\n")
    code, report, _ = _run(run_permpip, project, tmp_path)
    assert (code, report["violations"], report["command_exit_code"]) == (7, [], 7)


def test_a_refused_environment_read_leaves_the_environment_working(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    site = install_fake(tmp_path / "site", "snoop", "1.0", {"snoop/__init__.py": (
        "import os\n"
        "def token():\n"
        "    try:\n"
        "        return os.environ['AWS_SECRET_ACCESS_KEY']\n"
        "    except PermissionError as exc:\n"
        "        return 'refused'\n")})
    project = _project(tmp_path, {"snoop": '["fs-read"]'}, (
        "import os, snoop\n"
        "print(snoop.token(), snoop.token(), os.environ['AWS_SECRET_ACCESS_KEY'])\n"))
    code, report, output = _run(run_permpip, project, site, "--enforce",
                                env={"AWS_SECRET_ACCESS_KEY": "s3cret"})
    assert code == 1
    assert "refused refused s3cret" in output
    assert [(v["package"], v["capability"]) for v in report["violations"]] == [
        ("snoop", "env")]


# -- the fast paths (bench/README.md): frames judged once, capabilities everyone has ------


def test_a_generator_resumed_while_a_module_is_imported_is_at_import(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """A generator's frame changes callers each time it is resumed: its phase is not kept
    from its first event (run time) to the next (inside an import)."""
    data = tmp_path / "data.txt"
    data.write_text("x")
    site = install_fake(tmp_path / "site", "gen", "1.0", {
        "gen/__init__.py": (
            "def reader(path):\n"
            "    while True:\n"
            "        yield open(path).read()\n"
            "G = None\n"),
        "gen/late.py": "import gen\nnext(gen.G)\n"})
    project = _project(tmp_path, {"gen": '["fs-read"]'}, (
        f"import gen\ngen.G = gen.reader({str(data)!r})\nnext(gen.G)\n"
        "import gen.late\n"))
    code, report, output = _run(run_permpip, project, site)
    assert code == 1, output
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["phase"], v["where"]) == (
        "gen", "fs-read", "import", "gen/__init__.py:3")


def test_a_module_that_renames_itself_main_is_still_imported(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """``__name__ = "__main__"`` in a module body does not make its import a run."""
    data = tmp_path / "data.txt"
    data.write_text("x")
    site = install_fake(tmp_path / "site", "sneaky", "1.0", {"sneaky/__init__.py": (
        "__name__ = '__main__'\n"
        f"open({str(data)!r}).read()\n")})
    project = _project(tmp_path, {"sneaky": '["fs-read"]'}, "import sneaky\n")
    code, report, output = _run(run_permpip, project, site, "--enforce")
    assert code == 1, output
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["phase"], v["where"], v["denied"]) == (
        "sneaky", "fs-read", "import", "sneaky/__init__.py:2", True)


READ_OR_SAY = ("try:\n"
               "    open({path!r}).read()\n"
               "except PermissionError:\n"
               "    print('{name} refused')\n")


def test_reads_everyone_may_do_at_run_time_are_still_judged_at_import(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    """``default`` grants fs-read at run time: thousands of run-time reads take the fast
    path, and a module imported afterwards (in the main thread and in another one) that
    reads at import is still seen, as is a __main__ that is a real distribution file."""
    data = tmp_path / "data.txt"
    data.write_text("x")
    site = install_fake(tmp_path / "site", "busy", "1.0", {
        "busy/__init__.py": (
            "def work(path, n):\n"
            "    for _ in range(n):\n"
            "        open(path).read()\n"),
        "busy/late.py": READ_OR_SAY.format(path=str(data), name="late"),
        "busy/later.py": READ_OR_SAY.format(path=str(data), name="later")})
    project = _project(tmp_path, {}, (
        f"import busy, threading\nbusy.work({str(data)!r}, 3000)\n"
        "import busy.late\n"
        "t = threading.Thread(target=__import__, args=('busy.later',))\n"
        "t.start(); t.join()\n"
        f"busy.work({str(data)!r}, 10)\n"), default='["fs-read", "threads"]')
    code, report, output = _run(run_permpip, project, site, "--enforce")
    assert code == 1, output
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["phase"], v["where"], v["denied"]) == (
        "busy", "fs-read", "import", "busy/late.py:2", True)
    assert "late refused" in output and "later refused" in output


# -- hosts: where a network grant may connect ------------------------------------------

BEACON = (
    "import urllib.request\n"
    "def send(url):\n"
    "    try:\n"
    "        return urllib.request.urlopen(url, timeout=10).read().decode()\n"
    "    except OSError as exc:\n"
    "        return type(getattr(exc, 'reason', exc)).__name__\n")


def _beacon(tmp_path: Path, hosts: str, main: str) -> tuple[Path, Path]:
    site = install_fake(tmp_path / "site", "beacon", "1.0", {"beacon/__init__.py": BEACON})
    project = _project(tmp_path, {"beacon": f'{{ allow = ["network"], hosts = {hosts} }}'},
                       main)
    return site, project


def test_a_name_in_hosts_connects_to_what_it_resolved_to(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    site, project = _beacon(tmp_path, '["localhost"]', (
        "import beacon\n"
        f"print('by name:', beacon.send('http://localhost:{target.port}/name'))\n"
        f"print('by address:', beacon.send('http://127.0.0.1:{target.port}/address'))\n"))
    code, report, output = _run(run_permpip, project, site, "--enforce")
    assert (code, report["violations"]) == (0, []), output
    assert "by name: ok" in output and "by address: ok" in output  # localhost's address
    assert target.requests == ["/name", "/address"]


def test_an_address_no_allowed_name_gave_is_refused(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    site, project = _beacon(tmp_path, '["*.example.com"]', (
        "import beacon\n"
        f"print('sent:', beacon.send('http://127.0.0.1:{target.port}/address'))\n"))
    code, report, output = _run(run_permpip, project, site, "--enforce")
    assert code == 1
    assert "sent: PermissionError" in output
    assert target.requests == []
    [v] = report["violations"]
    assert (v["package"], v["capability"], v["phase"], v["event"], v["detail"]) == (
        "beacon", "network", "runtime", "socket.connect",
        f"127.0.0.1:{target.port} (not in its hosts)")
    assert v["where"] == "beacon/__init__.py:4"


def test_a_name_outside_hosts_is_not_even_resolved(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    site, project = _beacon(tmp_path, '["*.example.com"]', (
        "import beacon\n"
        "print('sent:', beacon.send('http://example.com.evil.invalid/x'))\n"
        "print('sent:', beacon.send('http://api.example.com.:1/x'))\n"))
    code, report, output = _run(run_permpip, project, site, "--enforce")
    assert code == 1
    assert output.count("sent: PermissionError") == 1  # api.example.com. is in hosts
    [v] = report["violations"]
    assert (v["event"], v["detail"]) == ("urllib.Request",  # before any lookup
                                         "http://example.com.evil.invalid/x (not in its hosts)")


def test_an_address_in_hosts_and_report_mode(
        tmp_path: Path, target: Target, run_permpip: RunPermpip) -> None:
    site, project = _beacon(tmp_path, '["127.0.0.1"]', (
        "import beacon, socket\n"
        f"print('sent:', beacon.send('http://127.0.0.1:{target.port}/ok'))\n"
        f"print('sent:', beacon.send('http://[::1]:{target.port}/v6'))\n"))
    code, report, output = _run(run_permpip, project, site)
    assert code == 1
    assert "sent: ok" in output
    assert target.requests == ["/ok"]  # the server listens on 127.0.0.1 only
    [v] = report["violations"]
    assert v["detail"].startswith(f"::1:{target.port}") and v["denied"] is False
