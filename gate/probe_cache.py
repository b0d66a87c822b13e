"""The target probe cache: ``--python``'s answer kept under ``CACHE/targets``.

Probing an interpreter runs it (~0.05-0.1 s of CPU). Two kinds of record, both checked
against the files the answer came from before use:

* **by path** (``<key>.json``, key: the interpreter's path as given, the probe's code,
  permpip's ``packaging``, the C library): used while the path itself (``lstat``), what it
  names, and every file the probe said it read (the real interpreter, ``sysconfig.py``,
  ``site.py``, the build's sysconfig data, ``sitecustomize``, ``pyvenv.cfg``) keep their
  device, inode, size, mtime and ctime. Another environment at the same path (a venv made
  again) has a new link: probed again.
* **a fresh venv anywhere** (``venv-<key>.json``): a venv's answer is its base interpreter's
  with the venv's directory in ``sys.prefix``, the install paths and the executable. The
  key holds the real interpreter (path and signature), the venv's layout (where the
  interpreter is inside it), ``pyvenv.cfg`` (but its ``command`` line, which names the
  directory), and the top of its site-packages (every entry's name, every file's bytes:
  ``.pth`` files and the modules they import, ``sitecustomize``); every other file the probe read
  lies outside the venv and is checked as above. The answer is kept with the directory
  written as a placeholder, and only when the directory appears in it nowhere else.

docs/cache.md ("The target probe cache").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

import packaging

from gate.light import read_json, write_json

TYPE_CHECKING = False  # (not typing's: importing typing costs the warm path ~1-2 ms)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Run in the target interpreter with permpip's own ``packaging`` on sys.path (pure Python),
# so the target needs nothing installed. "read": the files its answer comes from (the
# probe cache's witnesses, ``_witnesses``).
PROBE = """\
import json, os, site, sys, sysconfig
sys.path.insert(0, sys.argv[1])
from packaging.markers import default_environment
from packaging.tags import sys_tags
paths = sysconfig.get_paths()
data = sys.modules.get(sysconfig._get_sysconfigdata_name())
print(json.dumps({"tags": [str(t) for t in sys_tags()], "env": default_environment(),
                  "executable": sys.executable, "prefix": sys.prefix,
                  "base_prefix": sys.base_prefix,
                  "paths": {k: paths[k] for k in ("purelib", "platlib", "scripts", "data")},
                  "stdlib": sorted(sys.stdlib_module_names),
                  "site": [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))],
                  "read": [os.path.realpath(sys.executable), sysconfig.__file__, site.__file__,
                           getattr(data, "__file__", None) or "",
                           getattr(sys.modules.get("sitecustomize"), "__file__", None) or "",
                           os.path.join(sys.prefix, "pyvenv.cfg")]}))
"""

_ROOT = "\0venv"


def _signature(path: str | Path, *, follow: bool = True) -> list[int] | None:
    """What changes when the file at ``path`` is replaced or written: device, inode, size,
    mtime and ctime in nanoseconds (None: no such file). ``follow=False``: of a symlink
    itself (``lstat``)."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _witnesses(path: Path, read: list[str], *, skip: str | None = None) -> list[list[Any]]:
    """Signatures of the path given (the link, and what it names), of what the probe
    read, and of ``pyvenv.cfg`` wherever CPython looks for it; ``skip``: a directory whose
    files are not witnesses (the venv of a relocated record: its key covers them)."""
    files = [str(path), *read, str(path.parent / "pyvenv.cfg"),
             str(path.parent.parent / "pyvenv.cfg")]
    out: list[list[Any]] = [] if skip else [[f"lstat:{path}", _signature(path, follow=False)]]
    for f in dict.fromkeys(files):
        if f and not (skip and (f == skip or f.startswith(skip + os.sep))):
            out.append([f, _signature(f)])
    return out


def _base(probe: str) -> list[str]:
    libc = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else ""
    return [probe, packaging.__version__, str(Path(packaging.__file__).parent), libc or ""]


def _path_key(path: Path, probe: str) -> str:
    return hashlib.sha256(json.dumps([str(path), *_base(probe)]).encode()).hexdigest()


def _venv_root(path: Path) -> Path | None:
    """The venv ``path`` is the interpreter of (``ROOT/bin/python``), or None."""
    root = path.parent.parent
    return root if (root / "pyvenv.cfg").is_file() else None


def _venv_key(path: Path, root: Path, probe: str) -> str | None:
    real = os.path.realpath(path)
    try:
        cfg = (root / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
        sites = sorted(root.glob("lib*/python*/site-packages"))
        starts = sorted(
            [str(f.relative_to(root)),
             hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "dir"]
            for site in sites for f in site.iterdir())
    except OSError:
        return None
    lines = [ln for ln in cfg.splitlines() if ln.split("=", 1)[0].strip().lower() != "command"]
    what = ["venv", *_base(probe), real, _signature(real), str(path.relative_to(root)),
            lines, [str(s.relative_to(root)) for s in sites], starts]
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()


def _swap(value: Any, old: str, new: str) -> Any:  # noqa: ANN401 - JSON values
    """``value`` with every string that is ``old`` or below it rebased on ``new``; raises
    ValueError where ``old`` appears in a string otherwise."""
    if isinstance(value, str):
        if value == old or value.startswith(old + os.sep):
            return new + value[len(old):]
        if old in value:
            raise ValueError(value)
        return value
    if isinstance(value, list):
        return [_swap(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, old, new) for k, v in value.items()}
    return value


def _read(path: Path) -> dict[str, Any] | None:
    record = read_json(path)
    return record if isinstance(record, dict) else None


def lookup(path: Path, cache_dir: Path, probe: str,
           run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The answer for the interpreter at ``path``: the kept one while every witness still
    holds, else ``run()``'s (the probe), then kept. On a miss the venv key is worked out
    once, before the probe runs: the answer is kept by the venv as it was then (one read
    of its site-packages)."""
    data, root, key = _kept(path, cache_dir, probe)
    if data is not None:
        return data
    data = run()
    _put(path, cache_dir, probe, data, root, key)
    return data


def cached(path: Path, cache_dir: Path) -> dict[str, Any] | None:
    """The kept answer of ``PROBE`` for ``path`` while every witness holds, else None (the
    probe is not run): the warm fast path's (``gate.warm``)."""
    return _kept(path, cache_dir, PROBE)[0]


def _kept(path: Path, cache_dir: Path,
          probe: str) -> tuple[dict[str, Any] | None, Path | None, str | None]:
    """(the kept answer or None, the venv ``path`` is the interpreter of, that venv's key)."""
    record = _read(cache_dir / f"{_path_key(path, probe)}.json")
    with contextlib.suppress(KeyError, TypeError, AttributeError):
        if record is not None and _witnesses(path, list(record["data"]["read"])) == \
                record["witnesses"]:
            return dict(record["data"]), None, None
    root = _venv_root(path)
    key = _venv_key(path, root, probe) if root is not None else None
    record = _read(cache_dir / f"venv-{key}.json") if key is not None else None
    if record is not None and root is not None:
        with contextlib.suppress(KeyError, TypeError, AttributeError, ValueError):
            data = _swap(record["data"], _ROOT, str(root))
            if _witnesses(path, list(data["read"]), skip=str(root)) == record["witnesses"]:
                return dict(data), root, key
    return None, root, key


def relocated(data: dict[str, Any], path: Path) -> Any:  # noqa: ANN401 - JSON
    """``data`` (an answer for ``path``) with the venv ``path`` is the interpreter of
    written as a placeholder, when the answer names it as a prefix only (``_put``'s rule):
    the same for every fresh venv of one interpreter. Else ``data`` as it is."""
    root = _venv_root(path)
    if root is None or data.get("prefix") != str(root):
        return data
    try:
        return _swap(data, str(root), _ROOT)
    except ValueError:
        return data


def _put(path: Path, cache_dir: Path, probe: str, data: dict[str, Any], root: Path | None,
         key: str | None) -> None:
    """Keep ``data``, the answer of a probe of ``path`` just run (``root``, ``key``: the
    venv it is the interpreter of and that venv's key before the probe ran)."""
    read = [str(r) for r in data.get("read", [])]
    write_json(cache_dir / f"{_path_key(path, probe)}.json",
               {"data": data, "witnesses": _witnesses(path, read)}, tmp=cache_dir)
    if root is None or key is None or data.get("prefix") != str(root):
        return
    try:
        moved = _swap(data, str(root), _ROOT)
    except ValueError:  # the directory appears in the answer other than as a prefix
        return
    write_json(cache_dir / f"venv-{key}.json",
               {"data": moved, "witnesses": _witnesses(path, read, skip=str(root))},
               tmp=cache_dir)


__all__ = ["PROBE", "cached", "lookup", "relocated"]
