"""The nouns every stage shares: capabilities, phases, findings, package scans, pins."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NewType

from packaging.utils import canonicalize_name

NormalizedName = NewType("NormalizedName", str)


def normalize(name: str) -> NormalizedName:
    """PEP 503 normalisation (``PyYAML`` -> ``pyyaml``)."""
    return NormalizedName(canonicalize_name(name))


class Capability(enum.StrEnum):
    NETWORK = "network"
    FS_READ = "fs-read"
    FS_WRITE = "fs-write"
    SUBPROCESS = "subprocess"
    THREADS = "threads"
    ENV = "env"
    NATIVE = "native"
    DYNAMIC_CODE = "dynamic-code"
    INTROSPECTION = "introspection"
    INSTALL_HOOKS = "install-hooks"
    STARTUP_HOOKS = "startup-hooks"
    UNANALYZED = "unanalyzed"


class Phase(enum.StrEnum):
    INSTALL = "install"  # setup.py, build backend, build hooks
    STARTUP = "startup"  # .pth lines, sitecustomize
    IMPORT = "import"  # module and class bodies
    RUNTIME = "runtime"  # function bodies


# A finding in one of these phases also needs the hook capability granted.
PHASE_HOOK: Mapping[Phase, Capability] = {
    Phase.INSTALL: Capability.INSTALL_HOOKS,
    Phase.STARTUP: Capability.STARTUP_HOOKS,
}


@dataclass(frozen=True, kw_only=True, slots=True, order=True)
class Finding:
    """One piece of evidence: ``path:line  detail  (phase)`` gives ``capability``."""

    path: str
    line: int
    capability: Capability
    phase: Phase
    detail: str

    @property
    def where(self) -> str:
        """``path:line``; binaries and whole files (line 0) are just ``path``."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "phase": str(self.phase),
                "detail": self.detail}

    @classmethod
    def _from_dict(cls, capability: str, d: Mapping[str, Any]) -> Finding:
        return cls(path=str(d["path"]), line=int(d["line"]), capability=Capability(capability),
                   phase=Phase(d["phase"]), detail=str(d["detail"]))


@dataclass(frozen=True, kw_only=True, slots=True)
class PackageScan:
    """Everything the scanner found in one artifact (wheel or sdist)."""

    name: NormalizedName
    version: str
    filename: str
    sha256: str
    findings: tuple[Finding, ...] = field(default=())

    @property
    def capabilities(self) -> dict[Capability, list[Finding]]:
        """Capability -> sorted evidence; capabilities without evidence are absent."""
        out: dict[Capability, list[Finding]] = {}
        for f in sorted(set(self.findings)):
            out.setdefault(f.capability, []).append(f)
        return {c: out[c] for c in Capability if c in out}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "filename": self.filename,
            "sha256": self.sha256,
            "capabilities": {
                str(c): [f.to_json() for f in fs] for c, fs in self.capabilities.items()
            },
        }

    @classmethod
    def _from_dict(cls, d: Mapping[str, Any]) -> PackageScan:
        findings = [
            Finding._from_dict(cap, f)
            for cap, fs in d.get("capabilities", {}).items()
            for f in fs
        ]
        return cls(name=normalize(d["name"]), version=str(d["version"]),
                   filename=str(d["filename"]), sha256=str(d["sha256"]),
                   findings=tuple(findings))


def scans_to_json(scans: Iterable[PackageScan]) -> dict[str, Any]:
    """The scan JSON contract, schema 1 (DESIGN.md)."""
    return {"schema": 1, "packages": [s.to_json() for s in scans]}


@dataclass(frozen=True, kw_only=True, slots=True)
class Pin:
    """One file chosen by resolution or read from a lockfile."""

    name: NormalizedName
    version: str
    url: str  # http(s):// or file:// URL of the wheel or sdist
    filename: str
    sha256: str | None  # None only while resolving; fetch refuses to proceed without it
    is_wheel: bool
    requested: bool = False  # named by the user, not only pulled in transitively
    source: str | None = None  # where the pin was read: "requirements.txt:12", "pylock.toml:30"
