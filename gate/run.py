"""Orchestration: the stages in order, no detail (like installer's ``install()``).

Public API used by other subcommands (``policy init``, ``diff``):

    @dataclass(frozen=True, kw_only=True, slots=True)
    class Scanned:
        pin: Pin            # what resolution or the lockfile chose
        path: Path          # the verified local file (in the cache)
        scan: PackageScan   # its findings (cached by sha256)

    scan_input(input_path: Path | None, *, cwd: Path, options: GateOptions) -> list[Scanned]
        Read or resolve INPUT (requirements file, pylock.toml, uv.lock; None: the lockfile
        or requirements.txt in cwd) to pins, fetch and verify every file, scan each.
        No policy involved. Raises GateError subclasses.
"""
