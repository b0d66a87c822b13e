"""The SARIF 2.1.0 pieces every SARIF report shares (``gate.report.diff``,
``gate.report.runtime``). Formatting only.

    log(rules, results) -> dict                 the document: one run of the permpip driver
    location(source, *, root, cwd) -> dict      a physicalLocation from ``path[:line]``
    uri(path, *, root, cwd) -> str              relative to ``root`` when inside it, else a
                                                ``file:`` URI (absolute) or a relative
                                                reference (percent-encoded)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from gate import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def log(rules: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "permpip", "version": __version__,
                                "rules": list(rules)}},
            "results": list(results),
        }],
    }


def location(source: str | None, *, root: Path | None, cwd: Path | None) -> dict[str, Any]:
    """``{"physicalLocation": ...}`` for ``path:line`` (or a bare path; none: ``.``)."""
    path, line = split_source(source)
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(path, root=root, cwd=cwd)}}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def split_source(source: str | None) -> tuple[str, int | None]:
    if not source:
        return ".", None
    path, sep, line = source.rpartition(":")
    if sep and line.isdigit() and int(line) >= 1 and path:
        return path, int(line)
    return source, None


def uri(path: str, *, root: Path | None, cwd: Path | None) -> str:
    p = Path(path)
    if root is not None:
        full = p if p.is_absolute() else (cwd or Path.cwd()) / p
        try:
            return quote(full.resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            pass
    if p.is_absolute():
        return p.as_uri()
    return quote(PurePosixPath(*p.parts).as_posix())
