"""Build wheels and sdists by hand from dicts of files (installer's ``mock_wheel`` idea).

No build backend runs: tests must not depend on setuptools or the network to make the
artifacts they scan, serve and install.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import tomllib
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.utils import canonicalize_name

Files = Mapping[str, str | bytes]


def _bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def metadata_text(
    name: str, version: str, requires: Iterable[str] = (), requires_python: str | None = None
) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {r}" for r in requires]
    return "\n".join(lines) + "\n\n"


def build_wheel(
    dest: Path,
    name: str,
    version: str,
    files: Files,
    *,
    requires: Iterable[str] = (),
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    tag: str = "py3-none-any",
) -> Path:
    """Write ``{name}-{version}-{tag}.whl`` into ``dest`` with a valid RECORD.

    ``files`` maps archive paths to contents, e.g. ``{"pkg/__init__.py": "..."}`` or
    ``{"pkg-1.0.data/scripts/tool": "..."}``.
    """
    dest.mkdir(parents=True, exist_ok=True)
    dist = canonicalize_name(name).replace("-", "_")
    distinfo = f"{dist}-{version}.dist-info"
    members: dict[str, bytes] = {p: _bytes(d) for p, d in files.items()}
    members[f"{distinfo}/METADATA"] = metadata_text(name, version, requires).encode()
    members[f"{distinfo}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: permpip-tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
    ).encode()
    if entry_points:
        text = "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) + "\n"
            for group, eps in entry_points.items()
        )
        members[f"{distinfo}/entry_points.txt"] = text.encode()
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in members.items())
    record += f"{distinfo}/RECORD,,\n"
    members[f"{distinfo}/RECORD"] = record.encode()
    path = dest / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, d in members.items():
            zf.writestr(p, d)
    return path


def build_sdist(
    dest: Path,
    name: str,
    version: str,
    files: Files,
    *,
    requires: Iterable[str] = (),
) -> Path:
    """Write ``{name}-{version}.tar.gz`` with everything under ``{name}-{version}/``.

    A PKG-INFO is added unless ``files`` has one; ``files`` should carry the
    pyproject.toml / setup.py that says how to build it.
    """
    dest.mkdir(parents=True, exist_ok=True)
    dist = canonicalize_name(name).replace("-", "_")
    root = f"{dist}-{version}"
    members = {p: _bytes(d) for p, d in files.items()}
    members.setdefault("PKG-INFO", metadata_text(name, version, requires).encode())
    path = dest / f"{root}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for p, d in sorted(members.items()):
            info = tarfile.TarInfo(f"{root}/{p}")
            info.size = len(d)
            info.mode = 0o755 if p.endswith(".py") and "bin" in p else 0o644
            info.mtime = 0
            tf.addfile(info, io.BytesIO(d))
    return path


def project_files(project: Path) -> dict[str, bytes]:
    """Every file of a source tree, keyed by its path relative to ``project``."""
    return {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in sorted(project.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def wheel_from_project(project: Path, dest: Path) -> Path:
    """A wheel of a pure-Python sample project: its [project] table and its packages.

    Packages are taken from ``src/`` when present, else from the project root.
    """
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    src = project / "src" if (project / "src").is_dir() else project
    files = {
        rel: data
        for rel, data in project_files(src).items()
        if rel not in ("pyproject.toml", "setup.py", "setup.cfg", "README.md")
    }
    return build_wheel(
        dest,
        meta["name"],
        meta["version"],
        files,
        requires=meta.get("dependencies", ()),
        entry_points={"console_scripts": meta["scripts"]} if meta.get("scripts") else None,
    )


def sdist_from_project(project: Path, dest: Path) -> Path:
    """An sdist of a sample project: the whole tree as it is."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    return build_sdist(dest, meta["name"], meta["version"], project_files(project),
                       requires=meta.get("dependencies", ()))


def build_wheel_with_extras(
    dest: Path,
    name: str,
    version: str,
    files: Files,
    *,
    requires: Iterable[str] = (),
    extras: Mapping[str, Iterable[str]],
) -> Path:
    """Like ``build_wheel``, with ``Provides-Extra`` and ``extra == '...'`` requirements."""
    reqs = list(requires) + [f'{r}; extra == "{e}"' for e, rs in extras.items() for r in rs]
    path = build_wheel(dest, name, version, files, requires=reqs)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    distinfo = next(p.split("/")[0] for p in members if p.endswith(".dist-info/METADATA"))
    meta = members[f"{distinfo}/METADATA"].decode().rstrip("\n")
    meta += "".join(f"\nProvides-Extra: {e}" for e in extras) + "\n\n"
    members[f"{distinfo}/METADATA"] = meta.encode()
    del members[f"{distinfo}/RECORD"]
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in members.items())
    members[f"{distinfo}/RECORD"] = (record + f"{distinfo}/RECORD,,\n").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, d in members.items():
            zf.writestr(p, d)
    return path


def hash_pyc(source: str, path: str = "<wheel>") -> bytes:
    """``source`` compiled for the running interpreter as an unchecked hash-based ``.pyc``
    (PEP 552): the import system loads it in place of its ``.py`` without comparing them."""
    import importlib.util
    import marshal

    code = compile(source, path, "exec")
    flags = (0b01).to_bytes(4, "little")  # hash-based, unchecked
    return (importlib.util.MAGIC_NUMBER + flags + importlib.util.source_hash(b"")
            + marshal.dumps(code))
