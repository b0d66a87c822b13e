"""The policy beside each pin of a requirements file (for projects with no pyproject.toml):

    httpkit==2.0.0 --hash=sha256:... # permissions: network, env; at-import: env

Read with pip's own requirement-file rules (pip/_internal/req/req_file.py): a physical line
ending in a backslash is joined with the next one (not when it is a comment line); a comment
starts at a ``#`` at the start of the line or after whitespace and runs to the end of the
joined line; the requirement is the text before the first token starting with ``-``
(``break_args_options``). A comment whose text starts with ``permissions:`` is the grant of
the package its line names; ``at-import:`` after a ``;`` lists what it may also use while
being imported (each also in the first list, as in pyproject.toml). Text after another
`` #`` is a comment of its own and kept. Option lines (``-r``, ``--index-url``, ``-e``) and
nested requirement files carry no grants; there is no ``default`` and no ``versions``: the
pin beside the grant is the version. Edits rewrite only the permissions comment of a line:
every other byte of the file stays as it was.

Public API:

    is_requirements_policy(path) -> bool        a policy file that is not TOML
    has_grants(path) -> bool                    any ``# permissions:`` comment in it
    load(path, *, display) -> Policy            (PolicyError, every problem with its line)
    comment(caps, at_import) -> str             ``# permissions: a, b; at-import: b``
    edit(path, name, *, add=(), add_at_import=(), remove=(), remove_at_import=(),
         drop=False, display) -> Grant | None  (policy allow / revoke)
    write_grants(path, grants, at_import, mode, *, display, notes=None)
                                                -> (changed, unpinned)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from packaging.requirements import InvalidRequirement, Requirement

from gate.errors import PolicyError, UsageError
from gate.model import Capability, NormalizedName, normalize
from gate.policy import (
    CAPABILITY_NAMES,
    PHASE_CAPABILITIES,
    Grant,
    GrantForm,
    Policy,
    WriteMode,
    unknown_capability,
)

COMMENT_RE = re.compile(r"(^|\s+)#.*$")  # pip's req_file.COMMENT_RE
KEYWORD = "permissions:"
LATE = "at-import:"
_SPEC = re.compile(r"#\s*permissions:(?P<spec>.*?)(?=\s+#|$)")
_SEEN = re.compile(r"\s+#\s*seen at run time:.*?(?=\s+#|$)")  # init --from-run's note


@dataclass(frozen=True, slots=True)
class _Logical:
    first: int  # index of its first physical line (0-based)
    last: int
    text: str  # the joined line, as pip joins it


def is_requirements_policy(path: Path) -> bool:
    return path.suffix != ".toml"


def _read(path: Path, display: str) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise PolicyError(f"policy file {display} does not exist") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{display} is not UTF-8 text") from None
    except OSError as exc:
        raise PolicyError(f"cannot read {display}: {exc.strerror}") from None


def _physical(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def _logical(lines: Sequence[str]) -> list[_Logical]:
    """pip's ``join_lines``, keeping where each logical line starts and ends."""
    out: list[_Logical] = []
    parts: list[str] = []
    start = 0
    for i, raw in enumerate(lines):
        line = _bare(raw)
        if not line.endswith("\\") or COMMENT_RE.match(line):
            if COMMENT_RE.match(line):
                line = " " + line
            if parts:
                out.append(_Logical(start, i, "".join([*parts, line])))
                parts = []
            else:
                out.append(_Logical(i, i, line))
        else:
            if not parts:
                start = i
            parts.append(line.strip("\\"))
    if parts:
        out.append(_Logical(start, len(lines) - 1, "".join(parts)))
    return out


def _requirement_name(body: str) -> NormalizedName | None:
    args = []
    for token in body.split(" "):  # pip's break_args_options
        if token.startswith("-"):
            break
        args.append(token)
    text = " ".join(args).strip()
    if not text:
        return None
    try:
        return normalize(Requirement(text).name)
    except InvalidRequirement:
        return None


@dataclass(frozen=True, slots=True)
class _Entry:
    name: NormalizedName | None
    logical: _Logical
    spec: str | None  # the text after "permissions:", None without such a comment
    spec_line: int  # the physical line holding the comment


def _entries(lines: Sequence[str]) -> list[_Entry]:
    out = []
    for logical in _logical(lines):
        found = COMMENT_RE.search(logical.text)
        body = logical.text[:found.start()] if found else logical.text
        spec = None
        spec_line = logical.last
        if found:
            match = _SPEC.match(found.group(0).strip())
            if match:
                spec = match.group("spec")
                spec_line = next((i for i in range(logical.first, logical.last + 1)
                                  if "#" in _bare(lines[i])), logical.last)
        out.append(_Entry(_requirement_name(body.strip()), logical, spec, spec_line))
    return out


def _parse_spec(spec: str) -> tuple[list[str], list[str], list[str]]:
    """(allow words, at-import words, problems) of ``network, env; at-import: env``."""
    problems: list[str] = []
    allow_part, _, rest = spec.partition(";")
    late_part = ""
    if rest.strip():
        if not rest.strip().startswith(LATE):
            problems.append(f"expected '{LATE} CAP, ...' after ';', got '{rest.strip()}'")
        else:
            late_part = rest.strip()[len(LATE):]
    def words(part: str) -> list[str]:
        return [w for w in (x.strip() for x in part.split(",")) if w]
    return words(allow_part), words(late_part), problems


def _capabilities(words: Iterable[str], problems: list[str]) -> tuple[Capability, ...]:
    out: list[Capability] = []
    for word in words:
        if word not in CAPABILITY_NAMES:
            problems.append(unknown_capability(word))
        elif Capability(word) not in out:
            out.append(Capability(word))
    return tuple(out)


def has_grants(path: Path) -> bool:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(e.spec is not None for e in _entries(_physical(text)))


def load(path: Path, *, display: str) -> Policy:
    """The grants in ``path``'s ``# permissions:`` comments; every problem at once."""
    lines = _physical(_read(path, display))
    grants: dict[NormalizedName, Grant] = {}
    problems: list[str] = []
    for entry in _entries(lines):
        if entry.spec is None:
            continue
        where = f"{display}:{entry.spec_line + 1}"
        if any(_bare(lines[i]).endswith("\\") for i in range(entry.spec_line,
                                                             entry.logical.last)):
            problems.append(f"{where}: the comment swallows the continuation lines after it "
                            f"(pip reads them as part of the comment): put it on the last line")
            continue
        if entry.name is None:
            problems.append(f"{where}: a permissions comment must follow a requirement "
                            f"that names its package (NAME==VERSION or NAME @ URL)")
            continue
        allow_words, late_words, found = _parse_spec(entry.spec)
        allow = _capabilities(allow_words, found)
        late = _capabilities(late_words, found)
        for cap in late:
            if cap in PHASE_CAPABILITIES:
                found.append(f"'{cap}' is the capability of a phase of its own; it is never "
                             f"granted at import")
            elif cap not in allow:
                found.append(f"'{cap}' is granted at import but not in the permissions "
                             f"(use at import is use: list it before ';' too)")
        problems += [f"{where}: {entry.name}: {p}" for p in found]
        first = grants.get(entry.name)
        if first is not None:
            problems.append(f"{where}: {entry.name}: duplicate grant (line {first.line})")
            continue
        grants[entry.name] = Grant(
            name=entry.name, key=entry.name, allow=allow,
            at_import=tuple(c for c in late if c in allow and c not in PHASE_CAPABILITIES),
            line=entry.logical.first + 1, form=GrantForm.ARRAY)
    if problems:
        n = len(problems)
        raise PolicyError(f"invalid policy in {display} ({n} problem{'s' if n > 1 else ''})",
                          problems=problems)
    return Policy(path=path, display=display, packages=MappingProxyType(grants),
                  requirements=True)


def comment(caps: Iterable[Capability], at_import: Iterable[Capability] = ()) -> str:
    """``# permissions: network, env; at-import: env`` (catalog order)."""
    chosen, late = set(caps) | set(at_import), set(at_import)
    text = "# permissions: " + ", ".join(c.value for c in Capability if c in chosen)
    if late:
        text += "; at-import: " + ", ".join(c.value for c in Capability if c in late)
    return text


def _rewrite(line: str, new: str | None) -> str:
    """``line`` (one physical line) with its permissions comment replaced by ``new``
    (removed when None), or ``new`` added before any other comment."""
    end = line[len(_bare(line)):]
    body = _bare(line)
    match = _SPEC.search(body)
    if match is not None and (match.start() == 0 or body[match.start() - 1].isspace()):
        head, tail = body[:match.start()], body[match.end():]
        if new is None:
            head = head.rstrip()
            tail = tail.lstrip()
            return (head + ("  " + tail if tail else "")) + end
        return head + new + tail + end
    if new is None:
        return line
    other = COMMENT_RE.search(body)
    if other is not None:
        at = body.index("#", other.start())
        return body[:at] + new + "  " + body[at:] + end
    return body.rstrip() + "  " + new + end


def _write(path: Path, lines: Sequence[str]) -> None:
    from gate.policy import _write_atomic

    _write_atomic(path, "".join(lines))


def edit(
    path: Path, name: str, *, add: Sequence[Capability] = (),
    add_at_import: Sequence[Capability] = (), remove: Sequence[Capability] = (),
    remove_at_import: Sequence[Capability] | None = None, drop: bool = False, display: str,
) -> Grant | None:
    """Change ``name``'s grant (``policy allow`` / ``revoke``); ``remove_at_import=[]``
    removes all of its at-import grants; ``drop`` the whole comment."""
    policy = load(path, display=display)  # refuses to edit an invalid policy
    lines = _physical(_read(path, display))
    target = normalize(name)
    entry = next((e for e in _entries(lines) if e.name == target), None)
    if entry is None:
        raise UsageError(f"{target} is not pinned in {display}: its grant goes beside its pin",
                         hint=f"add a line for it ({target}==VERSION), or keep the policy "
                              f"in pyproject.toml")
    grant = policy.grant(target)
    allow = list(grant.allow) if grant else []
    late = list(grant.at_import) if grant else []
    if (remove or remove_at_import is not None or drop) and grant is None:
        raise UsageError(f"{target} has no grant in {display}")
    for cap in remove:
        if cap not in allow:
            raise UsageError(f"{target} is not granted '{cap}' in {display}")
        allow.remove(cap)
        if cap in late:
            late.remove(cap)
    if remove_at_import is not None:
        for cap in remove_at_import or list(late):
            if cap not in late:
                raise UsageError(f"{target} is not granted '{cap}' at import in {display}")
            late.remove(cap)
    allow += [c for c in [*add, *add_at_import] if c not in allow]
    late += [c for c in add_at_import if c not in late]
    new = None if drop else comment(allow, late)
    i = entry.spec_line if entry.spec is not None else entry.logical.last
    lines = list(lines)
    lines[i] = _rewrite(lines[i], new)
    _write(path, lines)
    return None if drop else load(path, display=display).grant(target)


def write_grants(
    path: Path, grants: Mapping[NormalizedName, set[Capability]],
    at_import: Mapping[NormalizedName, set[Capability]], mode: WriteMode, *, display: str,
    notes: Mapping[NormalizedName, str] | None = None,
) -> tuple[int, list[NormalizedName]]:
    """``policy init`` into the file: (packages written or changed, packages not pinned).
    ``notes``: a comment written after the permissions comment of a grant written or
    changed (``# seen at run time: ...``), in place of one such comment already there."""
    policy = load(path, display=display)
    if policy.packages and mode is WriteMode.CREATE:
        raise UsageError(f"{display} already has permissions comments",
                         hint="pass --merge to add what is missing, or --force to replace them")
    lines = list(_physical(_read(path, display)))
    entries = {e.name: e for e in _entries(lines) if e.name is not None}
    changed = 0
    if mode is WriteMode.FORCE:
        for e in entries.values():
            if e.spec is not None and e.name not in grants:
                lines[e.spec_line] = _rewrite(lines[e.spec_line], None)
    unpinned = []
    for name in sorted(grants):
        caps, late = set(grants[name]), set(at_import.get(name, ()))
        entry = entries.get(name)
        if entry is None:
            if caps:
                unpinned.append(name)
            continue
        old = policy.grant(name)
        if mode is WriteMode.MERGE and old is not None:
            caps |= set(old.allow)
            late |= set(old.at_import)
        if not caps:
            continue
        new = comment(caps, late)
        if old is not None and new == comment(old.allow, old.at_import):
            continue
        i = entry.spec_line if entry.spec is not None else entry.logical.last
        note = (notes or {}).get(name)
        if note is not None:
            line = lines[i]
            end = line[len(_bare(line)):]
            lines[i] = _SEEN.sub("", _bare(line)) + end
            new += "  # " + note
        lines[i] = _rewrite(lines[i], new)
        changed += 1
    _write(path, lines)
    load(path, display=display)  # what was written reads back
    return changed, unpinned
