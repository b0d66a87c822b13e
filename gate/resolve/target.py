"""The interpreter packages are resolved and installed for: its wheel tags and markers."""

from __future__ import annotations

import json
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import packaging
from packaging.markers import default_environment
from packaging.tags import Tag, parse_tag, sys_tags

from gate import _subprocess, probe_cache
from gate.errors import UsageError

_PROBE = probe_cache.PROBE  # what runs in the target (gate.probe_cache)


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    python: str  # path of the interpreter
    tags: tuple[Tag, ...]  # most preferred first
    environment: dict[str, str]  # PEP 508 marker environment
    prefix: str = sys.prefix  # sys.prefix: pip's site configuration and the data scheme
    base_prefix: str = sys.base_prefix
    # sysconfig install paths of the default scheme: purelib, platlib, scripts, data
    paths: dict[str, str] = field(default_factory=dict)
    stdlib: frozenset[str] = frozenset(sys.stdlib_module_names)
    site_dirs: tuple[str, ...] = ()  # site-packages directories on its sys.path

    @property
    def is_venv(self) -> bool:
        return self.prefix != self.base_prefix

    def supports(self, wheel_tags: frozenset[Tag]) -> bool:
        return not wheel_tags.isdisjoint(self.tags)

    def rank(self, wheel_tags: frozenset[Tag]) -> int:
        """Lower is better; ``len(tags)`` when unsupported."""
        return min((i for i, t in enumerate(self.tags) if t in wheel_tags),
                   default=len(self.tags))


def interpreter_path(python: str, *, cwd: Path | None = None) -> str:
    """``--python``'s interpreter as pip finds it (``identify_python_interpreter``): a file,
    or a directory taken as a venv (``bin/python``, ``Scripts/python.exe``); a relative path
    is relative to ``cwd`` (default: the working directory), made absolute once, before
    anything runs elsewhere. Not resolved: a venv's python is a symlink out of the venv."""
    path = Path(python)
    if not path.is_absolute():
        path = (cwd if cwd is not None else Path.cwd()) / path
    if path.is_dir():
        found = next((path / exe for exe in ("bin/python", "Scripts/python.exe")
                      if (path / exe).exists()), None)
        if found is None:
            raise UsageError(f"--python {python}: no Python interpreter in that directory "
                             "(bin/python or Scripts/python.exe)")
        path = found
    if not path.exists():
        raise UsageError(f"--python {python}: no such interpreter")
    return str(path.absolute())


def _resolve_python(python: str) -> Path:
    return Path(interpreter_path(python))


def current_target() -> Target:
    paths = sysconfig.get_paths()
    return Target(python=sys.executable, tags=tuple(sys_tags()),
                  environment=cast(dict[str, str], dict(default_environment())),
                  prefix=sys.prefix, base_prefix=sys.base_prefix,
                  paths={k: paths[k] for k in ("purelib", "platlib", "scripts", "data")},
                  site_dirs=tuple(p for p in sys.path
                                  if p.endswith(("site-packages", "dist-packages"))))


def probe_target(python: str | None, *, cache_dir: Path | None = None) -> Target:
    """The target of ``--python`` (default: the interpreter permpip runs in).

    ``cache_dir``: keep the probe there and use it again while every file it depends on
    is unchanged (``gate.probe_cache``)."""
    if python is None:
        return current_target()
    path = _resolve_python(python)
    data = (_probe(python, path) if cache_dir is None else
            probe_cache.lookup(path, cache_dir, _PROBE, lambda: _probe(python, path)))
    tags = tuple(_tags(data["tags"]))
    return Target(python=str(path), tags=tags, environment=dict(data["env"]),
                  prefix=data["prefix"], base_prefix=data["base_prefix"],
                  paths=dict(data["paths"]), stdlib=frozenset(data["stdlib"]),
                  site_dirs=tuple(data["site"]))


def _tags(names: list[str]) -> list[Tag]:
    """``parse_tag`` of each name the probe printed (one tag each, ``str(Tag)``): a plain
    ``a-b-c`` is made directly (~900 of them, a third of a cached probe's cost)."""
    out: list[Tag] = []
    for s in names:
        parts = s.split("-")
        if len(parts) == 3 and "." not in s:
            out.append(Tag(*parts))
        else:
            out.extend(parse_tag(s))
    return out


def _probe(python: str, path: Path) -> dict[str, Any]:
    packaging_root = str(Path(packaging.__file__).parent.parent)
    done = _subprocess.run([str(path), "-I", "-c", _PROBE, packaging_root], timeout=60)
    if done.returncode != 0:
        raise UsageError(f"--python {python}: the interpreter did not run "
                         f"({done.stderr.strip().splitlines()[-1:] or ['no output']})")
    data: dict[str, Any] = json.loads(done.stdout)
    return data
