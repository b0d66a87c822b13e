"""Write ``tests/durations.json`` (seconds per test file, the order ``tests/conftest.py``
runs files in) from a JUnit XML report: ``python -m tests.durations REPORT.xml``, after
``pytest -n 2 --junitxml=REPORT.xml``. Absolute figures depend on the machine's load;
only their order matters."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import DURATIONS


def per_file(report: Path) -> dict[str, float]:
    """Test file (``tests/e2e/test_gate.py``) -> the sum of its tests' times."""
    seconds: dict[str, float] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        path = case.get("classname", "").split(".")
        while path and not path[-1].startswith("test_"):
            path.pop()  # a test class: the module is its parent
        if path:
            name = "/".join(path) + ".py"
            seconds[name] = seconds.get(name, 0.0) + float(case.get("time", 0))
    return seconds


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.durations REPORT.xml", file=sys.stderr)
        return 2
    seconds = per_file(Path(argv[0]))
    table = {f: round(s, 1) for f, s in sorted(seconds.items(), key=lambda kv: -kv[1])}
    DURATIONS.write_text(json.dumps(table, indent=0) + "\n")
    print(f"{DURATIONS}: {len(table)} files, {sum(table.values()):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
