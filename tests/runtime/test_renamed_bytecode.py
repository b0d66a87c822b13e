"""Compiled code whose file name lies: a ``.pyc`` shipped without source is loaded by the
import system as it is, with whatever ``co_filename`` it was compiled with. The guard
attributes it to the file actually loaded, not to the file it names."""

from __future__ import annotations

import importlib.util
import marshal
import sys
from pathlib import Path

from tests.runtime.conftest import RunPermpip, install_fake, policy_toml, read_report

LIAR = (
    "import os\n"
    "TOKEN = os.environ.get('SECRET_TOKEN')\n"
    "def again():\n"
    "    return os.environ.get('SECRET_TOKEN')\n"
)


def _pyc(source: str, claimed: str) -> bytes:
    code = compile(source, claimed, "exec")
    return importlib.util.MAGIC_NUMBER + b"\0" * 12 + marshal.dumps(code)


def test_a_sourceless_pyc_naming_an_application_file_is_its_packages(
        tmp_path: Path, run_permpip: RunPermpip) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(policy_toml({}))
    main = project / "main.py"
    main.write_text("import liar\nliar.again()\n")
    site = install_fake(tmp_path / "site", "liar", "1.0", {"liar/__init__.pyc": ""})
    # compiled as if it were the application's own main.py (granted everything) and the
    # standard library's json (transparent): neither name is the file loaded
    for claimed in (str(main), str(Path(sys.modules["json"].__file__))):
        (site / "liar" / "__init__.pyc").write_bytes(_pyc(LIAR, claimed))
        out = project / "report.json"
        done = run_permpip("run", "--format", "json", "--output", str(out), "--",
                           sys.executable, "main.py", cwd=project, extra_path=[site],
                           env={"SECRET_TOKEN": "s"})
        assert done.returncode == 1, done.stderr
        report = read_report(out)
        assert [(v["package"], v["capability"], v["phase"], v["chain"])
                for v in report["violations"]] == [
            ("liar", "env", "import", ["liar/__init__.pyc:2 (import)",
                                       "collections.abc.Mapping.get",
                                       "os.environ SECRET_TOKEN"]),
            ("liar", "env", "runtime", ["liar/__init__.pyc:4 (runtime)",
                                        "collections.abc.Mapping.get",
                                        "os.environ SECRET_TOKEN"]),
        ], claimed
