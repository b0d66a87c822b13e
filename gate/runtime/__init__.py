"""``permpip run``: the policy held while the code runs (PEP 578 audit hooks).

``guard`` is the code injected into every Python process (standard library only; it is
copied as ``sitecustomize.py``); ``session`` prepares a run, starts the command and reads
what the guarded processes recorded. docs/runtime.md is the user's view.
"""
