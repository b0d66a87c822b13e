"""report: formatting only (text, JSON, SARIF, Markdown). Never decides anything.

    report/scan.py      scan results as text (JSON is model.scans_to_json)
    report/verdict.py   a policy verdict as text / JSON
    report/progress.py  per-stage progress lines (TTY) or plain lines (CI)
    report/diff.py      lockfile diffs as text / JSON / Markdown / SARIF
    report/runtime.py   what ``permpip run`` saw, as text / JSON / SARIF
    report/sarif.py     the SARIF 2.1.0 pieces diff and runtime share (log, locations, URIs)

``clean(text)`` is how every report shows text a package or program controls (archive
paths, details, hosts, argv): on one line, control characters as escapes, so it can neither
break a line nor send a terminal escape sequence.
"""

from __future__ import annotations

import re

__all__ = ["clean"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """Untrusted text on one line: control characters shown as escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
