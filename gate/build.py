"""Approved sdist builds: only for a package whose policy grants ``install-hooks``.

The sdist has been fetched, verified, scanned and allowed; its build requirements have been
resolved (wheels only), fetched, scanned and allowed too. The build runs pip's PEP 517
frontend on exactly those files (``--no-index --find-links``), in a throwaway directory
(cwd, HOME and TMPDIR), and on Linux without network: in new user and network namespaces
(``unshare -rn``). If the namespaces cannot be made the build is refused: fail closed.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

from gate import _subprocess
from gate.errors import GateError
from gate.resolve.target import Target

LEGACY_REQUIRES = ["setuptools>=40.8.0"]  # PEP 517's default for a tree without [build-system]
MAX_PYPROJECT = 1 << 20


class BuildError(GateError):
    """An approved sdist could not be built (exit 3)."""


def _read_member(sdist: Path, wanted: str) -> bytes | None:
    """``<root>/<wanted>`` of an sdist, read in memory with a size cap."""
    try:
        if sdist.name.endswith(".zip"):
            with zipfile.ZipFile(sdist) as zf:
                for info in zf.infolist():
                    if info.filename.count("/") == 1 and info.filename.endswith("/" + wanted):
                        if info.file_size > MAX_PYPROJECT:
                            return None
                        return zf.read(info)
            return None
        with tarfile.open(sdist) as tf:
            for member in tf:
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == wanted and member.isfile():
                    if member.size > MAX_PYPROJECT:
                        return None
                    f = tf.extractfile(member)
                    return f.read() if f else None
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise BuildError(f"{sdist.name}: unreadable sdist: {exc}") from None
    return None


def build_requirements(sdist: Path) -> list[str]:
    """``[build-system].requires`` of the sdist (PEP 517's setuptools default without it)."""
    data = _read_member(sdist, "pyproject.toml")
    if data is None:
        return list(LEGACY_REQUIRES)
    try:
        table = tomllib.load(io.BytesIO(data)).get("build-system")
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{sdist.name}: unreadable pyproject.toml: {exc}") from None
    if not isinstance(table, dict):
        return list(LEGACY_REQUIRES)
    requires = table.get("requires", LEGACY_REQUIRES)
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise BuildError(f"{sdist.name}: [build-system].requires is not a list of strings")
    return list(requires)


def _isolation() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    unshare = shutil.which("unshare")
    if unshare:
        done = _subprocess.run([unshare, "-rn", "true"], timeout=30)
        if done.returncode == 0:
            return [unshare, "-rn"]  # -r: map us to root in a user ns; -n: no network
    raise BuildError("cannot build without network: `unshare -rn` is not available",
                     hint="allow unprivileged user namespaces, or install a wheel instead")


def build_wheel(sdist: Path, filename: str, *, target: Target, build_deps: Path,
                out_dir: Path) -> Path:
    """Build ``sdist`` (cached bytes, named ``filename``) into one wheel in ``out_dir``."""
    with tempfile.TemporaryDirectory(prefix="permpip-build-") as tmp:
        work = Path(tmp)
        src = work / filename
        shutil.copyfile(sdist, src)
        wheels = work / "wheels"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
        env.update(HOME=str(work), TMPDIR=str(work), PIP_NO_INPUT="1")
        argv = [*_isolation(), sys.executable, "-m", "pip", "--python", target.python,
                "wheel", "--isolated",  # only the files below: no user index or config
                "--no-index", "--find-links", str(build_deps),  # the verified build deps
                "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
                "--wheel-dir", str(wheels), str(src)]
        done = _subprocess.run(argv, env=env, cwd=work, timeout=3600)
        built = sorted(wheels.glob("*.whl")) if wheels.is_dir() else []
        if done.returncode != 0 or len(built) != 1:
            lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
            raise BuildError(f"building {filename} failed",
                             hint=lines[-1].strip() if lines else None)
        out_dir.mkdir(parents=True, exist_ok=True)
        dest = out_dir / built[0].name
        shutil.copyfile(built[0], dest)
        return dest
