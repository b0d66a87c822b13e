"""Which build backend an sdist names, and which versions of it may run.

Which backend version runs is not known before its requirements are resolved: where
versions behave differently, every version the requirements allow is considered, and the
one that runs code decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import Specifier
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gate.build import LEGACY_REQUIRES
from gate.scan.sdist_tree import _dig

STANDARD_BACKENDS = frozenset({
    "setuptools.build_meta", "setuptools.build_meta:__legacy__", "hatchling.build",
    "flit_core.buildapi", "poetry.core.masonry.api", "pdm.backend", "pdm.pep517.api",
    "maturin", "scikit_build_core.build", "mesonpy", "uv_build", "sipbuild.api",
    "pbr.build",
})
_SETUPTOOLS = frozenset({"setuptools.build_meta", "setuptools.build_meta:__legacy__",
                         "pbr.build"})
_LEGACY = "setuptools.build_meta:__legacy__"


def _backend_of(pyproject: Mapping[str, Any]) -> str:
    backend = _dig(pyproject, "build-system", "build-backend") if "build-system" in pyproject \
        else None
    return backend if isinstance(backend, str) else _LEGACY


def _requires(pyproject: Mapping[str, Any]) -> list[str]:
    """``[build-system].requires`` (PEP 517's setuptools default without it)."""
    requires = _dig(pyproject, "build-system", "requires")
    if not isinstance(requires, list):
        return list(LEGACY_REQUIRES)
    return [r for r in requires if isinstance(r, str)]


_Bound = tuple[Version, bool]  # a version and whether it is included


def _next_release(version: Version, length: int) -> Version:
    """The first version after every version whose release starts with ``version``'s
    first ``length`` components (``2.3`` -> ``2.4.dev0``)."""
    release = list(version.release[:length])
    release[-1] += 1
    epoch = f"{version.epoch}!" if version.epoch else ""
    return Version(f"{epoch}{'.'.join(map(str, release))}.dev0")


def _bounds(spec: Specifier) -> tuple[_Bound | None, _Bound | None]:
    """(lower, upper) bounds of the versions ``spec`` admits, pre-releases included (wider
    is sound: a version the specifier excludes only adds a case to consider)."""
    op, raw = spec.operator, spec.version
    try:
        if op in ("==", "===") and raw.endswith(".*"):
            base = Version(raw[:-2])
            return (Version(f"{raw[:-2]}.dev0"), True), (_next_release(base, len(base.release)),
                                                         False)
        version = Version(raw.removesuffix(".*"))
    except InvalidVersion:
        return None, None  # '===' with a non-PEP 440 string, or '!=': anything
    if op in ("==", "==="):
        return (version, True), (version, True)
    if op == ">=":
        return (version, True), None
    if op == ">":
        return (version, False), None
    if op == "<=":
        return None, (version, True)
    if op == "<":
        return None, (version, False)
    if op == "~=":
        return (version, True), (_next_release(version, len(version.release) - 1), False)
    return None, None  # '!='


def _admissible(requires: Sequence[str], dist: str, *, at_least: str | None = None,
                below: str | None = None) -> bool:
    """Whether the build requirements admit a version of ``dist`` in [at_least, below).

    Not the version the resolver will pick: it depends on the index, the target Python and
    what other build requirements pin, none of which the sdist alone tells. Every
    unconditional requirement on ``dist`` narrows the interval; one with a marker may not
    apply, one with a URL may be any version, an invalid one fails the build."""
    low: _Bound | None = (Version(at_least), True) if at_least else None
    high: _Bound | None = (Version(below), False) if below else None
    for spec in requires:
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != dist or req.marker is not None or req.url:
            continue
        for s in req.specifier:
            lo, hi = _bounds(s)
            if lo is not None and (low is None or lo[0] > low[0]
                                   or (lo[0] == low[0] and not lo[1])):
                low = lo
            if hi is not None and (high is None or hi[0] < high[0]
                                   or (hi[0] == high[0] and not hi[1])):
                high = hi
    if low is None or high is None:
        return True
    return low[0] < high[0] or (low[0] == high[0] and low[1] and high[1])
