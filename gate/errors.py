"""One base error; the CLI catches it in one place and maps it to an exit code."""

from __future__ import annotations


class GateError(Exception):
    """Base of every error permpip reports as ``error: ...`` (never a traceback)."""

    exit_code = 3
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(GateError):
    """Bad command line or input file (exit 2)."""

    exit_code = 2


class PolicyError(GateError):
    """The [tool.permissions] table is missing or invalid (exit 2).

    ``problems`` holds every problem found, each already formatted
    ``file:line: key: message``.
    """

    exit_code = 2

    def __init__(
        self, message: str, *, problems: list[str] | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []


class ResolveError(GateError):
    """pip/uv could not resolve, or a lockfile could not be read (exit 3)."""

    def __init__(self, message: str, *, stderr: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.stderr = stderr


class FetchError(GateError):
    """A file could not be downloaded or its hash did not match (exit 3)."""


class ScanError(GateError):
    """An artifact could not be read safely (exit 3)."""


class InstallError(GateError):
    """The final offline pip/uv install failed (exit 3)."""


class Interrupted(GateError):
    """Ctrl-C; the message says exactly what the install step changed (exit 130)."""

    exit_code = 130
