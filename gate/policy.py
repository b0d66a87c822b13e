"""``[tool.permissions]`` in pyproject.toml <-> dataclasses: read, validated, written.

A capability in ``allow`` covers the package's **runtime** use (and, with the hook,
its install/startup use); use while the package is being **imported** needs the capability
in ``at-import`` too, which must be a subset of ``allow`` (docs/policy.md):

    httpkit = { allow = ["network", "env"], at-import = ["env"] }

Reading uses tomllib for values and ``gate._tomlpos`` for the line of every key and array
item, so each problem names ``file:line: key: message``.
Writing uses tomlkit, so everything outside the edited keys stays byte for byte.

Public API:

    find_policy_file(cwd) -> Path | None
    load_policy(path=None, *, cwd) -> Policy                 (PolicyError, exit 2)
    write_grants(path, grants, mode, *, header=(), cwd=None) -> int   (policy init)
    allow(path, name, caps, *, versions=None, at_import=False, cwd=None) -> Grant (policy allow)
    revoke(path, name, caps, *, at_import=False, cwd=None) -> Grant | None     (policy revoke)
    toml_line(policy, name, add, *, versions=None, at_import=()) -> str
                                                        (the line ``allow`` would write)
"""

from __future__ import annotations

import enum
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import tomlkit
import tomlkit.exceptions
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidName, canonicalize_name
from packaging.version import InvalidVersion, Version
from tomlkit.container import OutOfOrderTableProxy
from tomlkit.items import Array, InlineTable, Null, Table, Whitespace

from gate._tomlpos import KeyPath, Positions
from gate.errors import PolicyError, UsageError
from gate.model import Capability, NormalizedName

PYPROJECT = "pyproject.toml"
TABLE = ("tool", "permissions")
INIT_HINT = "run `permpip policy init` to write one from what your dependencies use today"
CAPABILITY_NAMES = tuple(c.value for c in Capability)
AT_IMPORT = "at-import"
# capabilities of their own phase (install, startup): never granted "at import"
PHASE_CAPABILITIES = (Capability.INSTALL_HOOKS, Capability.STARTUP_HOOKS)
GRANT_KEYS = ("allow", AT_IMPORT, "versions", "hosts")
# a host pattern: a name (``api.example.com``), ``*.`` and a name (any name below it), or an
# IPv4/IPv6 address
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")

class GrantForm(enum.Enum):
    """How a grant is written, so edits and suggested lines keep its shape."""

    ARRAY = "array"  # requests = ["network"]
    INLINE_TABLE = "inline-table"  # setuptools = { allow = [...], versions = "..." }
    TABLE = "table"  # [tool.permissions.packages.setuptools]


class WriteMode(enum.StrEnum):
    CREATE = "create"  # refuse when a policy exists
    MERGE = "merge"  # add what is missing, keep everything else
    FORCE = "force"  # replace the whole [tool.permissions] table


@dataclass(frozen=True, kw_only=True, slots=True)
class Grant:
    """One package's entry under ``[tool.permissions.packages]``."""

    name: NormalizedName
    key: str  # as written in the file ("PyYAML")
    allow: tuple[Capability, ...]  # in file order, without repeats
    at_import: tuple[Capability, ...] = ()  # also granted while being imported (in allow)
    versions: str | None = None  # a PEP 440 specifier set, as written (validated on load)
    # where its network use may connect (names, ``*.`` patterns, addresses); None: anywhere
    hosts: tuple[str, ...] | None = None
    line: int = 0
    form: GrantForm = GrantForm.ARRAY

    def applies_to(self, version: str) -> bool:
        """A version-limited grant applies only inside its range (pre-releases included)."""
        if self.versions is None:
            return True
        try:
            return SpecifierSet(self.versions).contains(Version(version), prereleases=True)
        except (InvalidVersion, InvalidSpecifier):
            return False  # fail closed: an unparseable version matches no range


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    path: Path
    display: str  # the path as messages show it (relative to cwd when inside it)
    default: frozenset[Capability] = frozenset()
    default_at_import: frozenset[Capability] = frozenset()
    packages: Mapping[NormalizedName, Grant] = field(
        default_factory=lambda: MappingProxyType({})
    )
    requirements: bool = False  # read from a requirements file's comments (policy_reqfile)

    def grant(self, name: NormalizedName) -> Grant | None:
        return self.packages.get(name)

    def allowed_for(self, name: NormalizedName, version: str) -> frozenset[Capability]:
        """``default`` plus the package's grant, when the grant covers ``version``."""
        grant = self.packages.get(name)
        if grant is None or not grant.applies_to(version):
            return self.default
        return self.default | frozenset(grant.allow)

    def allowed_at_import(self, name: NormalizedName, version: str) -> frozenset[Capability]:
        """What ``name`` may also use while being imported: ``default``'s and its grant's
        ``at-import`` (when the grant covers ``version``)."""
        grant = self.packages.get(name)
        if grant is None or not grant.applies_to(version):
            return self.default_at_import
        return self.default_at_import | frozenset(grant.at_import)


# -- finding and loading -------------------------------------------------------------------


def find_policy_file(cwd: Path) -> Path | None:
    """The nearest pyproject.toml in ``cwd`` or one of its parents."""
    start = cwd.absolute()
    for directory in (start, *start.parents):
        candidate = directory / PYPROJECT
        if candidate.is_file():
            return candidate
    return None


def display_path(path: Path, cwd: Path) -> str:
    try:
        return str(path.absolute().relative_to(cwd.absolute()))
    except ValueError:
        return str(path)


def load_policy(path: Path | None = None, *, cwd: Path, inputs: Sequence[Path] = ()) -> Policy:
    """Read and validate the policy; every problem is reported at once (PolicyError).

    ``path``: ``--policy FILE`` (a file not named ``*.toml`` is a requirements file with
    ``# permissions:`` comments, ``gate.policy_reqfile``). Without it: the nearest
    pyproject.toml with a ``[tool.permissions]`` table; else the comments of the requirement
    files in ``inputs`` (pyproject wins where both exist)."""
    from gate import policy_reqfile

    if path is None:
        found = find_policy_file(cwd)
        if found is None or not has_policy(found, display=display_path(found, cwd)):
            beside = [p if p.is_absolute() else cwd / p for p in inputs]
            beside = [p for p in beside if policy_reqfile.has_grants(p)]
            if beside:
                return _merged([policy_reqfile.load(p, display=display_path(p, cwd))
                                for p in beside])
        if found is None:
            raise PolicyError(
                f"no {PYPROJECT} with a [tool.permissions] policy in {cwd} or its parents",
                hint=INIT_HINT,
            )
        path = found
    elif not path.is_absolute():
        path = cwd / path
    label = display_path(path, cwd)
    if policy_reqfile.is_requirements_policy(path):
        return policy_reqfile.load(path, display=label)
    text = _read_text(path, label)
    policy = parse_policy(text, path=path, display=label)
    if policy is None:
        if not text.strip():
            raise PolicyError(f"{label} is empty: no [tool.permissions] policy", hint=INIT_HINT)
        raise PolicyError(f"no [tool.permissions] table in {label}", hint=INIT_HINT)
    return policy


def _merged(policies: Sequence[Policy]) -> Policy:
    """The grants of several requirement files as one policy (a package in two: error)."""
    if len(policies) == 1:
        return policies[0]
    grants: dict[NormalizedName, Grant] = {}
    where: dict[NormalizedName, str] = {}
    problems = []
    for policy in policies:
        for name, grant in policy.packages.items():
            if name in grants:
                problems.append(f"{policy.display}:{grant.line}: {name}: also granted at "
                                f"{where[name]}")
                continue
            grants[name] = grant
            where[name] = f"{policy.display}:{grant.line}"
    if problems:
        raise PolicyError("the requirement files grant a package twice", problems=problems)
    return Policy(path=policies[0].path, display=", ".join(p.display for p in policies),
                  packages=MappingProxyType(grants), requirements=True)


def has_policy(path: Path, *, display: str) -> bool:
    """Whether ``path`` has a ``[tool.permissions]`` table (valid or not)."""
    tool = _parse_toml(_read_text(path, display), display).get("tool")
    return isinstance(tool, dict) and "permissions" in tool


def parse_policy(text: str, *, path: Path, display: str) -> Policy | None:
    """The policy in ``text``, None when it has no ``[tool.permissions]`` table."""
    data = _parse_toml(text, display)
    tool = data.get("tool")
    if not isinstance(tool, dict) or "permissions" not in tool:
        return None
    checker = _Checker(display, Positions(text))
    default, default_at_import, grants = checker.policy(tool["permissions"])
    if checker.problems:
        n = len(checker.problems)
        raise PolicyError(
            f"invalid policy in {display} ({n} problem{'s' if n > 1 else ''})",
            problems=[p for _, p in sorted(checker.problems, key=lambda lp: lp[0])],
        )
    return Policy(path=path, display=display, default=default,
                  default_at_import=default_at_import, packages=MappingProxyType(grants))


def _read_text(path: Path, label: str) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise PolicyError(f"policy file {label} does not exist", hint=INIT_HINT) from None
    except UnicodeDecodeError:
        raise PolicyError(f"{label} is not UTF-8 text") from None
    except OSError as exc:
        raise PolicyError(f"cannot read {label}: {exc.strerror}") from None


_TOMLLIB_POS = re.compile(r"\s*\(at line (\d+), column \d+\)$")


def _parse_toml(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOMLLIB_POS.search(message)
        line = match.group(1) if match else "1"
        reason = _TOMLLIB_POS.sub("", message).replace(" (at end of document)", "")
        raise PolicyError(
            f"{label} is not valid TOML",
            problems=[f"{label}:{line}: invalid TOML: {reason}"],
        ) from None
    except RecursionError:
        raise PolicyError(f"{label} is nested too deeply to read") from None


# -- validation ----------------------------------------------------------------------------


def toml_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return "datetime"


def dotted(path: KeyPath) -> str:
    """``tool.permissions.packages."zope.interface"[1]``: a key path as TOML would write it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else _quote(part)
            out += f".{key}" if out else key
    return out


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def near_miss(word: str, choices: Sequence[str]) -> str | None:
    import difflib  # only for a word that is no name (~0.01 s to import)

    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_capability(word: str) -> str:
    guess = near_miss(word, CAPABILITY_NAMES)
    if guess:
        return f"unknown capability '{word}' (did you mean '{guess}'?)"
    return f"unknown capability '{word}' (one of: {', '.join(CAPABILITY_NAMES)})"


def _unknown_key(word: str, choices: Sequence[str]) -> str:
    guess = near_miss(word, choices)
    if guess:
        return f"unknown key '{word}' (did you mean '{guess}'?)"
    quoted = [repr(c) for c in choices]
    listed = " or ".join(quoted) if len(quoted) < 3 else (
        ", ".join(quoted[:-1]) + " or " + quoted[-1])
    return f"unknown key '{word}' (expected {listed})"


def valid_specifier(spec: str) -> bool:
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        return False
    return True


def host_pattern(word: str) -> str | None:
    """``word`` as the guard matches it (lower case, an address in its canonical form), or
    None when it is no host name, ``*.`` pattern or IP address."""
    import ipaddress

    text = word.strip()
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        pass
    else:
        mapped = getattr(address, "ipv4_mapped", None)
        return str(mapped or address)
    name = text.lower().removesuffix(".")
    labels = name.removeprefix("*.").split(".")
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        return None
    if labels[-1].isdigit():  # 1.2.3 is no name, and no address either
        return None
    return name


def package_name(word: str) -> NormalizedName | None:
    """The PEP 503 name, None when ``word`` is not a valid project name."""
    try:
        return NormalizedName(canonicalize_name(word, validate=True))
    except InvalidName:
        return None


class _Checker:
    """Collects every problem as ``(line, "file:line: key: message")``."""

    def __init__(self, label: str, positions: Positions) -> None:
        self.label = label
        self.positions = positions
        self.problems: list[tuple[int, str]] = []

    def problem(self, path: KeyPath, message: str) -> None:
        line = self.positions.line_of(path)
        self.problems.append((line, f"{self.label}:{line}: {dotted(path)}: {message}"))

    def policy(self, table: object) -> tuple[
            frozenset[Capability], frozenset[Capability], dict[NormalizedName, Grant]]:
        if not isinstance(table, dict):
            self.problem(TABLE, f"expected a table, got {toml_type(table)}")
            return frozenset(), frozenset(), {}
        for key in table:
            if key not in ("default", "packages"):
                self.problem((*TABLE, key), _unknown_key(key, ("default", "packages")))
        path: KeyPath = (*TABLE, "default")
        value = table.get("default", [])
        if isinstance(value, dict):  # default = { allow = [...], at-import = [...] }
            for sub in value:
                if sub not in ("allow", AT_IMPORT):
                    self.problem((*path, sub), _unknown_key(sub, ("allow", AT_IMPORT)))
            allow = self.capabilities((*path, "allow"), value.get("allow", []))
            at_import = self.at_import(path, value, allow)
            return frozenset(allow), frozenset(at_import), self.packages(
                table.get("packages", {}))
        default = frozenset(self.capabilities(path, value))
        return default, frozenset(), self.packages(table.get("packages", {}))

    def at_import(self, path: KeyPath, table: dict[str, Any],
                  allow: Sequence[Capability]) -> tuple[Capability, ...]:
        """The ``at-import`` array of ``table``: each one also in ``allow``, no hooks."""
        if AT_IMPORT not in table:
            return ()
        caps = self.capabilities((*path, AT_IMPORT), table[AT_IMPORT])
        raw = table[AT_IMPORT]
        for cap in caps:
            i = raw.index(cap.value)
            if cap in PHASE_CAPABILITIES:
                self.problem((*path, AT_IMPORT, i),
                             f"'{cap}' is the capability of a phase of its own; it is never "
                             f"granted at import")
            elif cap not in allow:
                self.problem((*path, AT_IMPORT, i),
                             f"'{cap}' is granted at import but not in 'allow' "
                             f"(use at import is use: add it to 'allow' too)")
        return tuple(c for c in caps if c in allow and c not in PHASE_CAPABILITIES)

    def capabilities(self, path: KeyPath, value: object) -> tuple[Capability, ...]:
        if not isinstance(value, list):
            self.problem(path, f"expected an array of capabilities, got {toml_type(value)}")
            return ()
        out: list[Capability] = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.problem((*path, i), f"expected a capability string, got {toml_type(item)}")
            elif item not in CAPABILITY_NAMES:
                self.problem((*path, i), unknown_capability(item))
            elif Capability(item) not in out:
                out.append(Capability(item))
        return tuple(out)

    def packages(self, value: object) -> dict[NormalizedName, Grant]:
        path: KeyPath = (*TABLE, "packages")
        if not isinstance(value, dict):
            self.problem(path, f"expected a table of package grants, got {toml_type(value)}")
            return {}
        grants: dict[NormalizedName, Grant] = {}
        for key, item in value.items():
            grant = self.grant((*path, key), key, item)
            if grant is None:
                continue
            first = grants.get(grant.name)
            if first is not None:
                self.problem(
                    (*path, key),
                    f"duplicate package: '{key}' and '{first.key}' (line {first.line}) "
                    f"are both '{grant.name}'",
                )
                continue
            grants[grant.name] = grant
        return grants

    def grant(self, path: KeyPath, key: str, value: object) -> Grant | None:
        name = package_name(key)
        if name is None:
            self.problem(path, f"invalid package name '{key}'")
            return None
        line = self.positions.line_of(path)
        if isinstance(value, list):
            return Grant(name=name, key=key, allow=self.capabilities(path, value), line=line)
        if not isinstance(value, dict):
            self.problem(
                path,
                "expected an array of capabilities or a table with 'allow', "
                f"got {toml_type(value)}",
            )
            return None
        for sub in value:
            if sub not in GRANT_KEYS:
                self.problem((*path, sub), _unknown_key(sub, GRANT_KEYS))
        if "allow" not in value:
            self.problem(path, "missing key 'allow'")
        allow = self.capabilities((*path, "allow"), value.get("allow", []))
        at_import = self.at_import(path, value, allow)
        versions: str | None = None
        spec = value.get("versions")
        if spec is not None:
            if not isinstance(spec, str):
                self.problem((*path, "versions"),
                             f"expected a version specifier string, got {toml_type(spec)}")
            elif not valid_specifier(spec):
                self.problem((*path, "versions"), f"invalid version specifier '{spec}'")
            else:
                versions = spec
        hosts = self.hosts((*path, "hosts"), value["hosts"]) if "hosts" in value else None
        if hosts is not None and Capability.NETWORK not in allow:
            self.problem((*path, "hosts"), "'hosts' limits 'network', which 'allow' does not "
                                           "grant")
        form = GrantForm.INLINE_TABLE if path in self.positions.inline else GrantForm.TABLE
        return Grant(name=name, key=key, allow=allow, at_import=at_import, versions=versions,
                     hosts=hosts, line=line, form=form)

    def hosts(self, path: KeyPath, value: object) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.problem(path, f"expected an array of host names, got {toml_type(value)}")
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.problem((*path, i), f"expected a host name string, got {toml_type(item)}")
                continue
            host = host_pattern(item)
            if host is None:
                self.problem((*path, i), f"invalid host '{item}' (a name such as "
                                         f"'api.example.com', '*.example.com' for the names "
                                         f"below it, or an IP address)")
            elif host not in out:
                out.append(host)
        return tuple(out)


# -- editing (tomlkit: everything outside the edited keys stays byte for byte) --------------

Container = Table | InlineTable | Any  # tomlkit also hands out OutOfOrderTableProxy
Caps = frozenset[Capability]
T = TypeVar("T")


def write_grants(
    path: Path,
    grants: Mapping[NormalizedName, set[Capability]] | Mapping[NormalizedName, Caps],
    mode: WriteMode,
    *,
    header: Sequence[str] = (),
    at_import: Mapping[NormalizedName, Iterable[Capability]] | None = None,
    cwd: Path | None = None,
    notes: Mapping[NormalizedName, Sequence[str]] | None = None,
    merge_notes: bool = False,
) -> int:
    """Write ``grants`` as the policy (``policy init``); returns how many packages changed.

    ``notes``: per package, comment lines written above its grant when the table is written
    afresh (CREATE, FORCE; a merge leaves comments to the reviewer). With ``merge_notes``
    (``init --from-run --merge``) a merge writes them too: above a package it adds, at the
    end of the line of a grant it extends.

    ``at_import``: per package, the capabilities (among its ``grants``) also used at import;
    such a grant is written ``name = { allow = [...], at-import = [...] }``.
    CREATE refuses an existing policy; MERGE adds the missing packages and capabilities
    (``default`` already covers its own); FORCE replaces the whole ``[tool.permissions]``.
    A missing ``path`` is created with just the policy; ``header`` lines become comments.
    """
    imports = {name: set(caps) for name, caps in (at_import or {}).items()}
    label = display_path(path, cwd or Path.cwd())  # as messages show it

    def change(doc: tomlkit.TOMLDocument) -> int:
        perm = _permissions(doc)
        if perm is not None and mode is WriteMode.CREATE:
            raise UsageError(
                f"{label} already has a [tool.permissions] policy",
                hint="pass --merge to add what is missing, or --force to replace it",
            )
        if perm is None or mode is WriteMode.FORCE:
            table = tomlkit.table()
            for line in header:
                table.add(tomlkit.comment(line))
            table["default"] = tomlkit.array()
            packages = tomlkit.table()
            written = 0
            for name in sorted(grants):
                if grants[name]:
                    lines = (notes or {}).get(name, ())
                    if lines and written:
                        packages.add(tomlkit.nl())  # a commented grant stands apart
                    for line in lines:
                        packages.add(tomlkit.comment(line))
                    packages[name] = _grant_value(_ordered(grants[name]),
                                                  _ordered(imports.get(name, ())))
                    written += 1
            table["packages"] = packages
            if perm is not None and isinstance(doc["tool"], OutOfOrderTableProxy):
                del doc["tool"]["permissions"]  # split tables: replace at the end
            _attach(doc, table)  # otherwise replaced where it was
            return written
        default, default_import = _defaults(perm)
        changed = 0
        for name in sorted(grants):
            missing = [c for c in _ordered(grants[name]) if c.value not in default]
            late = [c for c in _ordered(imports.get(name, ())) if c.value not in default_import]
            note = (notes or {}).get(name, ()) if merge_notes else ()
            if (missing or late) and _add(perm, name, missing, at_import=late, notes=note):
                changed += 1
        return changed

    return _edit(path, change, label=label, create=True)[0]


def allow(
    path: Path, name: str, caps: Sequence[Capability], *, versions: str | None = None,
    at_import: bool = False, cwd: Path | None = None,
) -> Grant:
    """Add ``caps`` to ``name``'s grant (creating it); ``versions`` sets its version range;
    ``at_import`` grants them also while the package is imported (``allow`` and
    ``at-import``)."""
    label = display_path(path, cwd or Path.cwd())  # as messages show it
    normalized = _require_name(name)
    if versions is not None and not valid_specifier(versions):
        raise UsageError(f"invalid version specifier '{versions}'",
                         hint="use a PEP 440 specifier such as '>=70,<81'")

    def change(doc: tomlkit.TOMLDocument) -> None:
        perm = _permissions(doc)
        if perm is None:
            perm = tomlkit.table()
            perm["default"] = tomlkit.array()
            perm["packages"] = tomlkit.table()
            _attach(doc, perm)
            perm = _permissions(doc)
        _add(perm, normalized, list(caps), versions=versions,
             at_import=list(caps) if at_import else ())

    policy = _edit(path, change, label=label, create=False)[1]
    grant = policy.grant(normalized) if policy is not None else None
    if grant is None:  # pragma: no cover - _add always leaves a grant
        raise PolicyError(f"could not add a grant for {normalized} to {label}")
    return grant


def revoke(
    path: Path, name: str, caps: Sequence[Capability], *, at_import: bool = False,
    cwd: Path | None = None,
) -> Grant | None:
    """Remove ``caps`` from ``name``'s grant, or the whole entry when ``caps`` is empty.
    Removing a capability removes it from ``at-import`` too; ``at_import`` removes it from
    ``at-import`` only (the package keeps its runtime use)."""
    label = display_path(path, cwd or Path.cwd())  # as messages show it
    normalized = _require_name(name)

    def change(doc: tomlkit.TOMLDocument) -> None:
        perm = _permissions(doc)
        packages = perm.get("packages") if perm is not None else None
        key = _find_key(packages, normalized) if packages is not None else None
        if perm is None or packages is None or key is None:
            known = [str(k) for k in packages] if packages is not None else []
            guess = near_miss(normalized, known)
            raise UsageError(f"{normalized} has no grant in {label}",
                             hint=f"did you mean '{guess}'?" if guess else None)
        if not caps and not at_import:
            padded = _padded(packages)
            del packages[key]
            _restyle(perm, "packages", padded)
            return
        item = packages[key]
        array = item if isinstance(item, list) else item.get("allow", [])
        late = None if isinstance(item, list) else item.get(AT_IMPORT)
        default, default_import = _defaults(perm)
        if at_import:
            if late is None:
                late = []  # nothing granted at import: any CAP is an error below
            values = [str(v) for v in late]
            for cap in caps or [Capability(v) for v in values if v in CAPABILITY_NAMES]:
                values = [str(v) for v in late]
                if cap.value not in values:
                    extra = (" (every package gets it from tool.permissions.default)"
                             if cap.value in default_import else "")
                    raise UsageError(
                        f"{normalized} is not granted '{cap}' at import in {label}{extra}")
                del late[values.index(cap.value)]
            _drop_empty_at_import(packages, key)
            return
        for cap in caps:
            values = [str(v) for v in array]
            if cap.value not in values:
                extra = (" (every package gets it from tool.permissions.default)"
                         if cap.value in default else "")
                raise UsageError(f"{normalized} is not granted '{cap}' in {label}{extra}")
            del array[values.index(cap.value)]
            if late is not None and cap.value in [str(v) for v in late]:
                del late[[str(v) for v in late].index(cap.value)]
        _drop_empty_at_import(packages, key)

    policy = _edit(path, change, label=label, create=False)[1]
    return policy.grant(normalized) if policy is not None else None


def toml_line(
    policy: Policy | None, name: NormalizedName, add: Iterable[Capability], *,
    versions: str | None = None, at_import: Iterable[Capability] = (),
) -> str:
    """The TOML line ``permpip policy allow`` would leave for ``name`` after adding ``add``
    (and ``at_import``, to both ``allow`` and ``at-import``)."""
    grant = policy.grant(name) if policy is not None else None
    late_add = list(at_import)
    if policy is not None and policy.requirements:  # the comment beside the pin
        from gate.policy_reqfile import comment

        allow_now = list(grant.allow) if grant is not None else []
        late_now = list(grant.at_import) if grant is not None else []
        return f"{name}==... {comment([*allow_now, *add, *late_add], [*late_now, *late_add])}"
    caps = list(grant.allow) if grant is not None else []
    caps += [c for c in dict.fromkeys([*add, *late_add]) if c not in caps]
    late = list(grant.at_import) if grant is not None else []
    late += [c for c in dict.fromkeys(late_add) if c not in late]
    key = grant.key if grant is not None else name
    form = grant.form if grant is not None else GrantForm.ARRAY
    if versions is None and grant is not None:
        versions = grant.versions
    array = _caps_array(caps).as_string()
    if form is GrantForm.TABLE:  # a line for the grant's own table: say which one
        header = f"[{dotted((*TABLE, 'packages', key))}]"
        also = ""
        if late != (list(grant.at_import) if grant is not None else []):
            also += f" and {AT_IMPORT} = {_caps_array(late).as_string()},"
        if grant is not None and versions != grant.versions:
            also += f' and versions = "{versions}",'
        return f"allow = {array}  #{also} in {header}"
    return f"{tomlkit.key(key).as_string()} = {_grant_value(caps, late, versions).as_string()}"


def _grant_value(
    caps: Sequence[Capability], late: Sequence[Capability], versions: str | None = None
) -> Array | InlineTable:
    """``["a", "b"]``, or ``{ allow = [...], at-import = [...], versions = "..." }``."""
    if not late and versions is None:
        return _caps_array(caps)
    inline = tomlkit.inline_table()
    inline["allow"] = _caps_array(caps)
    if late:
        inline[AT_IMPORT] = _caps_array(late)
    if versions is not None:
        inline["versions"] = versions
    return inline


def _defaults(perm: Container) -> tuple[set[str], set[str]]:
    """``default``'s capabilities (runtime, at import) as written: an array or a table."""
    value = perm.get("default", [])
    if hasattr(value, "get"):
        return ({str(c) for c in value.get("allow", [])},
                {str(c) for c in value.get(AT_IMPORT, [])})
    return {str(c) for c in value}, set()


def _drop_empty_at_import(packages: Container, key: str) -> None:
    item = packages[key]
    if isinstance(item, list) or item.get(AT_IMPORT) is None or list(item[AT_IMPORT]):
        return
    padded = _padded(item)
    del item[AT_IMPORT]
    if isinstance(item, InlineTable) and list(item) == ["allow"]:  # back to the short form
        array = _caps_array(Capability(str(v)) for v in item["allow"])
        array.trivia.comment_ws = item.trivia.comment_ws
        array.trivia.comment = item.trivia.comment
        array.trivia.trail = item.trivia.trail
        packages[key] = array
        return
    _restyle(packages, key, padded)


def _ordered(caps: Iterable[Capability]) -> list[Capability]:
    chosen = set(caps)
    return [c for c in Capability if c in chosen]


def _caps_array(caps: Iterable[Capability]) -> Array:
    array = tomlkit.array()
    array.extend(c.value for c in caps)
    return array


def _require_name(name: str) -> NormalizedName:
    normalized = package_name(name)
    if normalized is None:
        raise UsageError(f"invalid package name '{name}'",
                         hint="use the project name as on PyPI, e.g. 'requests'")
    return normalized


def _permissions(doc: tomlkit.TOMLDocument) -> Container | None:
    tool = doc.get("tool")
    if tool is None or not hasattr(tool, "get"):
        return None
    return tool.get("permissions")


def _attach(doc: tomlkit.TOMLDocument, table: Table) -> None:
    if "tool" not in doc:
        doc["tool"] = tomlkit.table(is_super_table=True)
    doc["tool"]["permissions"] = table


def _find_key(packages: Container, name: NormalizedName) -> str | None:
    for key in packages:
        if canonicalize_name(str(key)) == str(name):
            return str(key)
    return None


def _add(
    perm: Container, name: NormalizedName, caps: Sequence[Capability], *,
    versions: str | None = None, at_import: Sequence[Capability] = (),
    notes: Sequence[str] = (),
) -> bool:
    """Add ``caps`` to ``name``'s grant under ``perm``; True when anything changed.
    ``notes``: comment lines above a new grant (in a ``[packages]`` table), or one comment
    at the end of the line of a grant that is extended."""
    if perm.get("packages") is None:
        _new_packages_table(perm)
    packages = perm["packages"]
    gap = _trailing_blank_lines(packages)  # new entries go above them
    if notes and isinstance(packages, Table) and _find_key(packages, name) is None:
        if packages.value.body:
            packages.add(tomlkit.nl())  # a commented grant stands apart
        for line in notes:
            packages.add(tomlkit.comment(line))
        notes = ()
    changed = _add_to(perm, packages, name, caps, versions=versions, at_import=at_import)
    if changed and notes:
        _line_comment(packages, name, "; ".join(notes))
    if gap:
        packages.add(tomlkit.ws(gap))
    return changed


def _line_comment(packages: Container, name: NormalizedName, text: str) -> None:
    """``text`` as the comment at the end of the line of ``name``'s grant (after the one
    there, if any; an ``allow`` array when the grant is a table of its own)."""
    key = _find_key(packages, name)
    if key is None:
        return
    item: Any = packages[key]
    if isinstance(item, Table):
        item = item.get("allow")
    if not isinstance(item, (Array, InlineTable)) or isinstance(packages, InlineTable):
        return  # (inside an inline table a comment cannot stand)
    old = item.trivia.comment
    if old:
        item.trivia.comment = f"{old}  # {text}"
    else:
        item.trivia.comment_ws = "  "
        item.trivia.comment = f"# {text}"


def _new_packages_table(perm: Container) -> None:
    """Add an empty ``[tool.permissions.packages]`` under ``perm`` after a blank line, as a
    person would; blank lines that ended ``perm`` (before the next table) end it instead."""
    table = tomlkit.table()
    if isinstance(perm, Table):
        gap = _trailing_blank_lines(perm)
        if not perm.value.body:
            table.trivia.indent = "\n"  # after any item tomlkit adds this blank line itself
        if gap:
            table.add(tomlkit.ws(gap))
    perm["packages"] = table


def _trailing_blank_lines(table: Container) -> str:
    """Take the blank lines off the end of a ``[table]`` and return them."""
    if not isinstance(table, Table):
        return ""
    body = table.value.body
    gap = ""
    while body and body[-1][0] is None and isinstance(body[-1][1], Whitespace):
        gap = body.pop()[1].as_string() + gap
    return gap


def _add_to(
    perm: Container, packages: Container, name: NormalizedName, caps: Sequence[Capability],
    *, versions: str | None = None, at_import: Sequence[Capability] = (),
) -> bool:
    padded = _padded(packages)
    key = _find_key(packages, name)
    caps = [*caps, *(c for c in at_import if c not in caps)]  # at-import is also in allow
    if key is None:
        packages[name] = _grant_value(_ordered(caps), _ordered(at_import), versions)
        _restyle(perm, "packages", padded)
        return True
    item: Any = packages[key]
    changed = False
    if isinstance(item, list) and (versions is not None or at_import):
        inline = tomlkit.inline_table()  # an array grant becomes { allow, versions }
        inline["allow"] = _caps_array(Capability(str(v)) for v in item)
        packages[key] = inline
        _restyle(packages, key, padded)  # padded inside a padded `packages = { ... }`
        item = packages[key]
    if not isinstance(item, list):
        item_padded = _padded(item)
        keys = list(item)
        if item.get("allow") is None:
            item["allow"] = tomlkit.array()
        if versions is not None and item.get("versions") != versions:
            item["versions"] = versions
            changed = True
        if at_import and item.get(AT_IMPORT) is None:
            item[AT_IMPORT] = tomlkit.array()
        if list(item) != keys:
            _restyle(packages, key, item_padded)
            item = packages[key]
    array: Any = item if isinstance(item, list) else item["allow"]
    for cap in caps:
        if cap.value not in [str(v) for v in array]:
            array.append(cap.value)
            changed = True
    if at_import:
        late: Any = item[AT_IMPORT]
        for cap in at_import:
            if cap.value not in [str(v) for v in late]:
                late.append(cap.value)
                changed = True
    return changed


def _padded(item: object) -> bool:
    """Whether an inline table is written ``{ a = 1 }`` rather than ``{a = 1}``."""
    return isinstance(item, InlineTable) and item.as_string().startswith("{ ")


def _restyle(parent: Container, key: str, padded: bool) -> None:
    """Write the inline table ``parent[key]``, just given or lost a key, as a person would:
    entries joined by ", ", padded inside the braces as it was, ``{}`` when empty.
    (tomlkit leaves ``{  }`` or ``{ a = 1}`` behind.) Entries and comments keep their text."""
    old = parent[key]
    if not isinstance(old, InlineTable):
        return
    new = tomlkit.inline_table()
    entries = [(k, v) for k, v in old.value.body
               if k is not None and not isinstance(v, Null)]
    for i, (k, v) in enumerate(entries):
        v.trivia.indent = " " if padded and i == 0 else ""
        new.append(k, v)
    if padded and entries:
        new.append(None, Whitespace(" "))
    new.trivia.comment_ws = old.trivia.comment_ws
    new.trivia.comment = old.trivia.comment
    new.trivia.trail = old.trivia.trail
    parent[key] = new


def _edit(
    path: Path, change: Callable[[tomlkit.TOMLDocument], T], *, label: str, create: bool
) -> tuple[T, Policy | None]:
    """Apply ``change(doc)`` to the file, check the result, write it.

    Refuses (PolicyError) when tomlkit would not reproduce the file as it is, when anything
    outside ``[tool.permissions]`` would change, or when the new policy would be invalid.
    Returns what ``change`` returned and the new policy.
    """
    if path.exists():
        text = _read_text(path, label)
    elif create:
        text = ""
    else:
        raise PolicyError(f"policy file {label} does not exist", hint=INIT_HINT)
    before = _parse_toml(text, label)
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.TOMLKitError as exc:
        raise PolicyError(f"cannot edit {label}: {exc}") from None
    if doc.as_string() != text:
        raise PolicyError(f"cannot edit {label} without changing other parts of it",
                          hint="edit [tool.permissions] by hand")
    try:
        result = change(doc)
    except (tomlkit.exceptions.TOMLKitError, ValueError, TypeError, KeyError) as exc:
        # tomlkit cannot make this edit (e.g. a table inside an inline `tool = {...}`)
        raise PolicyError(f"cannot edit {label} automatically: {exc}",
                          hint="edit [tool.permissions] by hand") from None
    new = doc.as_string()
    if "\r\n" in text and text.count("\n") == text.count("\r\n"):
        new = new.replace("\r\n", "\n").replace("\n", "\r\n")  # new lines end as the rest do
    if _without_policy(_parse_toml(new, label)) != _without_policy(before):
        raise PolicyError(f"cannot edit {label} without changing other parts of it",
                          hint="edit [tool.permissions] by hand")
    policy = parse_policy(new, path=path, display=label)
    if new != text:
        _write_atomic(path, new)
    return result, policy


def _without_policy(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    tool = out.get("tool")
    if isinstance(tool, dict):
        tool = {k: v for k, v in tool.items() if k != "permissions"}
        if tool:
            out["tool"] = tool
        else:
            del out["tool"]
    return out


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
