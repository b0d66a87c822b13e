"""report: formatting only (text, JSON, SARIF, Markdown). Never decides anything.

    report/scan.py      scan results as text (JSON is model.scans_to_json)
    report/verdict.py   a policy verdict as text / JSON
    report/progress.py  per-stage progress lines (TTY) or plain lines (CI)
    report/diff.py      lockfile diffs as text / JSON / Markdown / SARIF
"""
