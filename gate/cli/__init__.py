"""Subcommands: each module exposes ``run(argv: list[str]) -> int``.

These modules parse permpip's own options, call the pipeline stages and print;
library code below them never prints (ruff T20).
"""
