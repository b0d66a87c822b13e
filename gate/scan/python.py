"""Python source -> findings, on the AST, through an import-alias map.

Public API:

    scan_python(source: bytes, path: str, *, phase: Phase | None = None) -> list[Finding]
        ``source`` is the raw file bytes (decoded as Python would: PEP 263 cookie, BOM).
        ``phase=None``: module/class bodies are ``import``, function bodies ``runtime``.
        ``phase=Phase.INSTALL`` or ``Phase.STARTUP`` forces that phase on every finding
        (setup.py, build backends, sitecustomize, code run by .pth lines).
        Unparseable source that could hold a capability yields an ``unanalyzed`` finding
        plus lexical findings for catalogued names.
"""

from __future__ import annotations

from gate.model import Finding, Phase


def scan_python(source: bytes, path: str, *, phase: Phase | None = None) -> list[Finding]:
    return []  # helper: python scanner
