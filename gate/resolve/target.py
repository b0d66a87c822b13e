"""The interpreter packages are resolved and installed for: its wheel tags and markers."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import packaging
from packaging.markers import default_environment
from packaging.tags import Tag, parse_tag, sys_tags

from gate import _subprocess
from gate.errors import UsageError

# Run in the target interpreter with permpip's own ``packaging`` on sys.path (pure Python),
# so the target needs nothing installed.
_PROBE = """\
import json, sys
sys.path.insert(0, sys.argv[1])
from packaging.markers import default_environment
from packaging.tags import sys_tags
print(json.dumps({"tags": [str(t) for t in sys_tags()], "env": default_environment(),
                  "executable": sys.executable}))
"""


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    python: str  # path of the interpreter
    tags: tuple[Tag, ...]  # most preferred first
    environment: dict[str, str]  # PEP 508 marker environment

    def supports(self, wheel_tags: frozenset[Tag]) -> bool:
        return not wheel_tags.isdisjoint(self.tags)

    def rank(self, wheel_tags: frozenset[Tag]) -> int:
        """Lower is better; ``len(tags)`` when unsupported."""
        return min((i for i, t in enumerate(self.tags) if t in wheel_tags),
                   default=len(self.tags))


def _resolve_python(python: str) -> Path:
    path = Path(python)
    if path.is_dir():  # a venv directory, as pip's --python accepts
        path = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not path.exists():
        raise UsageError(f"--python {python}: no such interpreter")
    return path


def current_target() -> Target:
    return Target(python=sys.executable, tags=tuple(sys_tags()),
                  environment=cast(dict[str, str], dict(default_environment())))


def probe_target(python: str | None) -> Target:
    """The target of ``--python`` (default: the interpreter permpip runs in)."""
    if python is None:
        return current_target()
    path = _resolve_python(python)
    packaging_root = str(Path(packaging.__file__).parent.parent)
    done = _subprocess.run([str(path), "-I", "-c", _PROBE, packaging_root], timeout=60)
    if done.returncode != 0:
        raise UsageError(f"--python {python}: the interpreter did not run "
                         f"({done.stderr.strip().splitlines()[-1:] or ['no output']})")
    data = json.loads(done.stdout)
    tags = tuple(t for s in data["tags"] for t in parse_tag(s))
    return Target(python=str(path), tags=tags, environment=dict(data["env"]))
