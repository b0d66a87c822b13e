"""The parsed-requirements cache: what ``reqfile.read_files`` read, kept by everything the
read depended on, so that a warm run of the same lock does not import pip's requirements
parser (``pip._internal.req``: ~340 modules, the largest part of a warm uv run).

    memo = ParsedCache(root, code=scanner_version); key = memo.key(settings, cwd=...)
    memo.get(key, settings, env=...) -> Inputs | None
    memo.put(key, env=..., recorded=..., inputs=...)

The parse stays pip's: a miss parses with pip's reader (``reqfile._Reader``) and records what
that read; a record is a memo of that parse, used only when every input of it is the same.

**Key** (the record's file name, ``reqfiles/<sha256>.json``): the record format, permpip's
code (the scanner version: a hash of every source of the gate package), pip's identity (the
bytes of its ``__init__.py``, which holds ``__version__``, of ``req/req_file.py`` and of
``cli/cmdoptions.py``: the reader and its option table), the working directory, and the
settings the read starts from (every pip option with its value, step and origin; uv's
constraint-dependencies).

**Checked on every use** (the record lists them, from the miss that wrote it):

- every file the read opened (the named ``-r``/``-c`` files and everything they include, at
  any depth), by path and the sha256 of its bytes, re-read and re-hashed;
- every environment variable the read looked up (``${VAR}`` expansion, the check that a
  value would not be expanded twice), by name and value, or absence;
- every path whose existence decided something (a relative ``--find-links`` line).

A parse that read a URL, a dependency group or a script, or a file pip would decode by the
locale's encoding (not UTF-8, no BOM, no coding line: pip warns), is not recorded. A record
that is not well-formed is ignored (a miss), and written again by the next parse.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gate.cache import file_sha256, framed, read_json, write_json
from gate.options import PipOption, Step

if TYPE_CHECKING:
    from gate.resolve.reqfile import Inputs, ReqLine, Settings

FORMAT = "reqfiles-1"
_PIP_FILES = ("__init__.py", "_internal/req/req_file.py", "_internal/cli/cmdoptions.py")
_MAX_RECORD = 8 << 20  # bytes: a larger record is not read


class RecordingEnv(Mapping[str, str]):
    """``env`` that remembers every name looked up in it and what it answered."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self.seen: dict[str, str | None] = {}

    def __getitem__(self, key: str) -> str:
        value = self._env.get(key)
        self.seen.setdefault(key, value)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:  # noqa: ANN401 - Mapping.get
        value = self._env.get(key)
        self.seen.setdefault(key, value)
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return self.get(key) is not None

    def __iter__(self) -> Iterator[str]:  # iterating reads every name: not a memo's input
        raise TypeError("the requirements reader does not list the environment")

    def __len__(self) -> int:
        raise TypeError("the requirements reader does not list the environment")


@dataclass(kw_only=True, slots=True)
class Recorded:
    """What one parse read besides its key."""

    files: list[tuple[str, str]] = field(default_factory=list)  # path opened, sha256
    exists: list[tuple[str, bool]] = field(default_factory=list)  # path, os.path.exists
    cacheable: bool = True  # False: it read something a record cannot check


def pip_identity() -> str:
    """sha256 over the bytes of pip's version module, requirement-file reader and option
    table (found, not imported)."""
    spec = importlib.util.find_spec("pip")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    digest = hashlib.sha256()
    if not locations:
        return "no-pip"
    for rel in _PIP_FILES:
        try:
            data = Path(locations[0], rel).read_bytes()
        except OSError:
            data = b"<missing>"
        digest.update(framed(rel, data))
    return digest.hexdigest()


def _file_sha256(path: str) -> str | None:
    try:
        return file_sha256(Path(path))
    except OSError:
        return None


def _option(o: PipOption) -> list[Any]:
    return [o.name, o.value, o.step.value, o.origin]


def _line(line: ReqLine) -> list[Any]:
    return [line.spec, line.where, line.text, line.constraint, line.editable,
            list(line.hashes), line.top]


def _is_str(v: object, *, none: bool = False) -> bool:
    return isinstance(v, str) or (none and v is None)


def _to_option(v: object) -> PipOption:
    if not (isinstance(v, list) and len(v) == 4 and _is_str(v[0]) and _is_str(v[1], none=True)
            and _is_str(v[3], none=True)):
        raise ValueError("not an option")
    return PipOption(name=v[0], value=v[1], step=Step(v[2]), origin=v[3])


def _to_line(v: object) -> ReqLine:
    from gate.resolve.reqfile import ReqLine

    if not (isinstance(v, list) and len(v) == 7 and all(_is_str(x) for x in (*v[:3], v[6]))
            and isinstance(v[3], bool) and isinstance(v[4], bool) and isinstance(v[5], list)
            and all(_is_str(h) for h in v[5])):
        raise ValueError("not a requirement line")
    return ReqLine(spec=v[0], where=v[1], text=v[2], constraint=v[3], editable=v[4],
                   hashes=tuple(v[5]), top=v[6])


def _names(v: object) -> frozenset[str]:
    if not (isinstance(v, list) and all(_is_str(x) for x in v)):
        raise ValueError("not a list of names")
    return frozenset(v)


class ParsedCache:
    def __init__(self, root: Path, *, code: str) -> None:
        self.root = root
        self.code = code
        # what the last parse used or recorded read: (files [path, sha256], paths tested
        # [path, exists]); None when it is not a record (the warm path's record needs it)
        self.witnessed: tuple[list[Any], list[Any]] | None = None

    def key(self, settings: Settings, *, cwd: Path) -> str:
        """The record's key: worked out once per read, for ``get`` and then ``put``."""
        what = [FORMAT, self.code, pip_identity(), os.path.abspath(cwd),
                [_option(o) for o in settings.options.pip_options],
                [_line(c) for c in settings.constraints]]
        return hashlib.sha256(json.dumps(what, separators=(",", ":")).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / "reqfiles" / f"{key}.json"

    def get(self, key: str, settings: Settings, *, env: Mapping[str, str]) -> Inputs | None:
        """The recorded parse, if every file, variable and path it read is as it was."""
        path = self._path(key)
        try:
            if path.stat().st_size > _MAX_RECORD:
                return None
        except OSError:
            return None
        record = read_json(path)
        try:
            inputs = self._checked(record, settings, env)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return None  # not a record this code wrote: a miss
        if inputs is not None:
            self.witnessed = ([list(f) for f in record["files"]],
                              [list(e) for e in record["exists"]])
        return inputs

    def _checked(self, record: Any, settings: Settings,  # noqa: ANN401 - JSON
                 env: Mapping[str, str]) -> Inputs | None:
        from gate.resolve.reqfile import FormatControl, Inputs

        if not isinstance(record, dict) or record.get("format") != FORMAT:
            return None
        files, variables, exists = record["files"], record["env"], record["exists"]
        if not (isinstance(files, list) and files and isinstance(variables, dict)
                and isinstance(exists, list)):
            return None
        for name, value in variables.items():
            if not _is_str(value, none=True):
                return None
            if env.get(name) != value:
                return None
        for entry in exists:
            if not (isinstance(entry, list) and len(entry) == 2 and _is_str(entry[0])
                    and isinstance(entry[1], bool)):
                return None
            if os.path.exists(entry[0]) != entry[1]:
                return None
        for entry in files:
            if not (isinstance(entry, list) and len(entry) == 2 and _is_str(entry[0])
                    and _is_str(entry[1])):
                return None
            if _file_sha256(entry[0]) != entry[1]:
                return None
        options = tuple(_to_option(o) for o in record["options"])
        fc = record["format_control"]
        if not isinstance(fc, dict):
            return None
        return Inputs(options=replace(settings.options, pip_options=options),
                      requirements=tuple(_to_line(x) for x in record["requirements"]),
                      constraints=tuple(_to_line(x) for x in record["constraints"]),
                      format_control=FormatControl(no_binary=_names(fc["no_binary"]),
                                                   only_binary=_names(fc["only_binary"])),
                      remote=False)

    def put(self, key: str, *, env: RecordingEnv, recorded: Recorded, inputs: Inputs) -> None:
        if not recorded.cacheable or inputs.remote or not recorded.files:
            return
        record = {
            "format": FORMAT,
            "files": [list(f) for f in recorded.files],
            "env": dict(env.seen),
            "exists": [list(e) for e in recorded.exists],
            "options": [_option(o) for o in inputs.options.pip_options],
            "requirements": [_line(x) for x in inputs.requirements],
            "constraints": [_line(x) for x in inputs.constraints],
            "format_control": {"no_binary": sorted(inputs.format_control.no_binary),
                               "only_binary": sorted(inputs.format_control.only_binary)},
        }
        write_json(self._path(key), record, tmp=self.root / "tmp")
        self.witnessed = ([list(f) for f in recorded.files], [list(e) for e in recorded.exists])
