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


class Label(enum.StrEnum):
    """Where evidence comes from, for a reviewer: it annotates and orders, never removes.

    Absent (None) for the package's own code. Never set on ``install`` or ``startup``
    evidence (that runs whatever the file is). docs/scanner.md "Labels".
    """

    PLATFORM = "platform"  # runs only on a platform other than Linux
    MAIN = "main"  # in an ``if __name__ == "__main__":`` block: runs when the file is run
    TESTS = "tests"  # a shipped test module (tests/, test/, testing/, test_*.py, conftest.py)
    BUNDLED = "bundled"  # a native library bundled beside the package's own extensions


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
    # where it comes from (shipped tests, ...); None: the package's own code. Not part of
    # a finding's identity: equal evidence is one finding whatever its label.
    label: Label | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """``path:line``; binaries and whole files (line 0) are just ``path``."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_json(self) -> dict[str, Any]:
        out = {"path": self.path, "line": self.line, "phase": str(self.phase),
               "detail": self.detail}
        if self.label is not None:  # optional: absent for the package's own code
            out["label"] = str(self.label)
        return out

    @classmethod
    def _from_dict(cls, capability: str, d: Mapping[str, Any]) -> Finding:
        label = d.get("label")
        return cls(path=str(d["path"]), line=int(d["line"]), capability=Capability(capability),
                   phase=Phase(d["phase"]), detail=str(d["detail"]),
                   label=Label(label) if label is not None else None)


_PHASES = tuple(Phase)
_LABELS = tuple(Label)


def private_path(path: str) -> bool:
    """A module or directory the package marks private (``pkg/_impl.py``, ``pkg/_libs/x``);
    ``__init__.py`` and other dunder names are not."""
    return any(p.startswith("_") and not (p.startswith("__") and p.partition(".")[0]
                                          .endswith("__"))
               for p in path.split("/"))


def review_key(f: Finding) -> tuple[Any, ...]:
    """The order a reviewer reads evidence in: the package's own code before labelled
    evidence; then install, startup, import, runtime; public modules before private ones;
    then by label (platform, main, tests, bundled), path and line."""
    return (f.label is not None, _PHASES.index(f.phase), private_path(f.path),
            -1 if f.label is None else _LABELS.index(f.label), f)


@dataclass(frozen=True, kw_only=True, slots=True, order=True)
class HostSeen:
    """A host the code names as a literal (``gate.scan.hosts``): evidence for a reviewer of
    a network grant's ``hosts``, never a capability."""

    path: str  # (fields in this order: sorted by place)
    line: int
    host: str  # lower case, no final dot; an address in canonical form
    literal: str  # the URL or call as written (shortened, credentials left out)
    label: Label | None = field(default=None, compare=False)  # tests: a shipped test module

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        out = {"host": self.host, "path": self.path, "line": self.line,
               "literal": self.literal}
        if self.label is not None:
            out["label"] = str(self.label)
        return out

    @classmethod
    def _from_dict(cls, d: Mapping[str, Any]) -> HostSeen:
        if not all(isinstance(d[k], str) for k in ("host", "path", "literal")) \
                or type(d["line"]) is not int:
            raise ValueError(f"not a host entry: {d!r:.80}")
        label = d.get("label")
        return cls(host=d["host"], path=d["path"], line=d["line"], literal=d["literal"],
                   label=Label(label) if label is not None else None)


@dataclass(frozen=True, kw_only=True, slots=True)
class PackageScan:
    """Everything the scanner found in one artifact (wheel or sdist)."""

    name: NormalizedName
    version: str
    filename: str
    sha256: str
    findings: tuple[Finding, ...] = field(default=())
    hosts: tuple[HostSeen, ...] = field(default=())  # literal hosts in code, by place

    @property
    def hosts_named(self) -> dict[str, list[HostSeen]]:
        """Host -> where the code names it, hosts in order of first appearance by path."""
        out: dict[str, list[HostSeen]] = {}
        for h in sorted(self.hosts):
            out.setdefault(h.host, []).append(h)
        return out

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
            # absent when the code names no host (like a capability without evidence)
            **({"hosts": [h.to_json() for h in self.hosts]} if self.hosts else {}),
        }

    @classmethod
    def _from_dict(cls, d: Mapping[str, Any]) -> PackageScan:
        findings = [
            Finding._from_dict(cap, f)
            for cap, fs in d.get("capabilities", {}).items()
            for f in fs
        ]
        hosts = d.get("hosts", [])
        if not isinstance(hosts, list):
            raise ValueError("'hosts' is not a list")
        return cls(name=normalize(d["name"]), version=str(d["version"]),
                   filename=str(d["filename"]), sha256=str(d["sha256"]),
                   findings=tuple(findings),
                   hosts=tuple(sorted(HostSeen._from_dict(h) for h in hosts)))


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

    def __post_init__(self) -> None:
        # hex digests compare without case, as pip's --hash does (Hashes lower-cases them):
        # every later stage (fetch, cache keys, the install step's --hash lines, uv's
        # find-links directories) sees one spelling
        if self.sha256 is not None and not self.sha256.islower():
            object.__setattr__(self, "sha256", self.sha256.lower())
