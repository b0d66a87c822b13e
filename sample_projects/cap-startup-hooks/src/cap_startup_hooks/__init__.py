"""Imported at every interpreter start."""

STARTED = True
