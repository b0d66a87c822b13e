"""permpip scan: exact output and exit codes, in-process and once as ``python -m gate``."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from gate.__main__ import main
from gate._subprocess import Completed
from tests.builders import build_wheel, sha256_file, wheel_from_project

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"
HINT = "hint: permpip scan [--policy [FILE]] [--strict] PATH... [--format text|json]\n"


def hooked_wheel(dest: Path) -> Path:
    return build_wheel(dest, "foo", "1.0", {"foo/__init__.py": "", "foo/model.pkl": b"\x80.",
                                            "evil.pth": "./vendor\nimport foo\n"})


def test_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = build_wheel(tmp_path, "clean", "2.0", {"clean/__init__.py": "x = 1\n"})
    assert main(["scan", str(hooked_wheel(tmp_path)), str(clean)]) == 0
    out, err = capsys.readouterr()
    assert out == (
        "clean 2.0  (clean-2.0-py3-none-any.whl): no capabilities\n"
        "\n"
        "foo 1.0  (foo-1.0-py3-none-any.whl): dynamic-code, startup-hooks\n"
        "  dynamic-code\n"
        "    foo/model.pkl  pickle data foo/model.pkl runs code when loaded  (runtime)\n"
        "  startup-hooks\n"
        "    evil.pth:2  executable .pth line runs at every interpreter start  (startup)\n"
    )
    assert err == ""


def test_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whl = hooked_wheel(tmp_path)
    assert main(["scan", "--format", "json", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"schema": 1, "packages": [{
        "name": "foo", "version": "1.0", "filename": "foo-1.0-py3-none-any.whl",
        "sha256": sha256_file(whl),
        "capabilities": {
            "dynamic-code": [{"path": "foo/model.pkl", "line": 0, "phase": "runtime",
                              "detail": "pickle data foo/model.pkl runs code when loaded"}],
            "startup-hooks": [{"path": "evil.pth", "line": 2, "phase": "startup",
                               "detail": "executable .pth line runs at every interpreter "
                                         "start"}]}}]}


def test_sample_projects_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for project in SAMPLES.iterdir():
        if project.name.startswith("cap-") or project.name == "clean-lib":
            wheel_from_project(project, tmp_path)
    assert main(["scan", "--format", "json", str(tmp_path)]) == 0
    got = {p["name"]: sorted(p["capabilities"]) for p in
           json.loads(capsys.readouterr().out)["packages"]}
    expected = {f"cap-{c}": [c] for c in ("network", "fs-read", "fs-write", "subprocess",
                                         "threads", "env", "native", "dynamic-code",
                                         "introspection", "startup-hooks")}
    assert got == {**expected, "cap-install-hooks": [], "clean-lib": []}


@pytest.mark.parametrize(("args", "message"), [
    (["nope.whl"], "error: nope.whl: no such file or directory\n"),
    (["README.txt"], "error: README.txt: not a wheel or sdist (.whl, .tar.gz, .zip)\n"),
    (["empty"], "error: empty: no wheels or sdists in this directory\n"),
    (["bad.whl"], "error: bad.whl: not a valid wheel or sdist filename (Invalid wheel "
                  "filename (wrong number of parts): 'bad')\n"),
    ([], "error: the following arguments are required: PATH\n" + HINT),
    (["--format", "xml", "x.whl"], "error: argument --format: invalid choice: 'xml' "
                                   "(choose from 'text', 'json')\n" + HINT),
])
def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch, args: list[str],
                             message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.txt").write_text("hi")
    (tmp_path / "bad.whl").write_bytes(b"")
    (tmp_path / "empty").mkdir()
    assert main(["scan", *args]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", message)


def test_hostile_archive_exits_3_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    with zipfile.ZipFile(tmp_path / "evil-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr("../../evil.py", "import os\n")
    assert main(["scan", "evil-1.0-py3-none-any.whl"]) == 3
    assert capsys.readouterr() == ("", "error: evil-1.0-py3-none-any.whl: member "
                                       "'../../evil.py' escapes the archive (path traversal)\n")


def test_python_m_gate_scan(tmp_path: Path, permpip: Callable[..., Completed]) -> None:
    hooked_wheel(tmp_path)
    done = permpip("scan", "foo-1.0-py3-none-any.whl", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == ("foo 1.0  (foo-1.0-py3-none-any.whl): "
                                           "dynamic-code, startup-hooks")
    broken = tmp_path / "broken-1.0.tar.gz"
    broken.write_bytes(b"\x1f\x8b not really gzip")
    done = permpip("scan", str(broken), cwd=tmp_path)
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.startswith("error: broken-1.0.tar.gz: not a readable .tar.gz archive (")
    assert done.stderr.count("\n") == 1


# --policy: local artifacts evaluated against [tool.permissions] (issue 3).

def _policy(tmp_path: Path, packages: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(f"[tool.permissions]\ndefault = []\n\n[tool.permissions.packages]\n{packages}")
    return path


def test_policy_allows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    whl = wheel_from_project(SAMPLES / "cap-network", tmp_path / "dist")
    _policy(tmp_path, 'cap-network = ["network"]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "--policy", str(whl)]) == 0
    out = capsys.readouterr().out
    assert out.endswith("allowed: 1 package within the policy (policy: pyproject.toml)\n")


def test_policy_refuses_with_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whl = wheel_from_project(SAMPLES / "cap-network", tmp_path / "dist")
    policy = _policy(tmp_path, 'cap-network = ["env"]\n')
    assert main(["scan", "--policy", str(policy), "--format", "json", str(whl)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in doc["packages"]] == ["cap-network"]
    [package] = doc["verdict"]["packages"]
    assert package["allowed"] is False
    assert [d["capability"] for d in package["denials"]] == ["network"]
    assert package["fix"] == "permpip policy allow cap-network network"


def test_policy_missing_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    whl = wheel_from_project(SAMPLES / "clean-lib", tmp_path / "dist")
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "--policy", str(whl)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no pyproject.toml with a [tool.permissions] policy in ")
