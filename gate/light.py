"""Helpers that import nothing but a few standard modules, shared by the full run and the
warm fast path (``gate.warm``), which must start in a few milliseconds: the atomic JSON
records of the cache, file hashes, where the cache is, which uv runs, the environment pip
and uv install with, and the text of the progress lines both print.

Nothing here may import ``gate`` modules beyond ``gate.errors``, nor ``dataclasses``,
``typing`` at run time, ``tempfile``, ``shutil`` or ``zipfile`` at import time: the fast
path's cost is its imports (tests/test_warm.py counts them).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

TYPE_CHECKING = False  # (not typing's: importing typing costs the warm path ~1-2 ms)
if TYPE_CHECKING:
    from typing import Any


def read_json(path: Path) -> Any:  # noqa: ANN401 - JSON
    """The JSON value in ``path``, or None when it is missing or not JSON (a cache miss)."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def write_json(path: Path, value: object, *, tmp: Path) -> bool:
    """Write ``value`` to ``path`` atomically (a temp file in ``tmp``, on the same file
    system, renamed into place: a reader never sees half a record); True if written. A
    cache that cannot be written is not an error: the record is made again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir(parents=True, exist_ok=True)
        # a unique name made as tempfile.mkstemp makes one (O_EXCL, 0600), without importing
        # tempfile (the warm path writes uv's manifests: gate.uv_verified.settle)
        name = os.path.join(tmp, f"{path.parent.name}-{os.getpid()}-{os.urandom(8).hex()}")
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                     0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(value, handle, separators=(",", ":"))
            os.replace(name, path)
        except BaseException:
            try:
                os.unlink(name)
            except OSError:
                pass
            raise
    except OSError:
        return False
    return True


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def framed(name: str, data: bytes) -> bytes:
    """A file's name and bytes as one item of a hash over several files: each framed by
    its length, so that bytes moved from one file to the next (or a name to the bytes)
    give another stream."""
    raw = name.encode()
    return b"%d:%s%d:" % (len(raw), raw, len(data)) + data


def link_or_copy(src: Path, dest: Path) -> None:
    """``dest`` names the bytes of ``src``: a hard link, or a copy across filesystems."""
    try:
        os.link(src, dest)
    except OSError:
        import shutil

        shutil.copyfile(src, dest)


def default_root(env: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if env is None else env
    if value := environ.get("PERMPIP_CACHE_DIR"):
        return Path(value)
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "permpip"


def private_root(root: Path) -> str | None:
    """Why the cache at ``root`` cannot be trusted, or None: it must be the user's own and
    writable by no one else (a group member could otherwise forge a scan, or point uv at
    an unpacked copy of their own). A new one is made ``0700`` whatever the umask."""
    try:
        os.mkdir(root, 0o700)
    except FileExistsError:
        pass
    except OSError:
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o700)
    st = os.lstat(root)
    if not stat.S_ISDIR(st.st_mode):
        return f"{root} is not a directory"
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return f"{root} is owned by another user (uid {st.st_uid})"
    if st.st_mode & 0o022:
        return (f"{root} is writable by other users (mode {stat.S_IMODE(st.st_mode):04o}): "
                "what it holds cannot be trusted; remove it, or make it private "
                f"(chmod -R go-w {root}) if no one else wrote to it")
    return None


def cache_root(cache_dir: Path | None, env: Mapping[str, str] | None = None) -> Path:
    """Where permpip keeps its cache: ``--cache-dir DIR`` gives ``DIR/permpip``."""
    return cache_dir / "permpip" if cache_dir else default_root(env)


def uv_bin() -> str:
    """The uv binary: from the ``uv`` Python package (``permpip[uv]``), else PATH."""
    from gate.errors import UsageError

    try:
        import uv

        found = uv.find_uv_bin()
        return str(found)
    except (ImportError, FileNotFoundError):
        pass
    import shutil

    path = shutil.which("uv")
    if path is None:
        raise UsageError("--backend uv needs uv", hint="pip install 'permpip[uv]'")
    return path


# UV_* variables the resolver keeps: where its cache is, how it trusts TLS, network tuning,
# credentials of named indexes. None of them changes what is resolved or built.
UV_KEEP = frozenset({"UV_CACHE_DIR", "UV_NATIVE_TLS", "UV_SYSTEM_CERTS", "UV_CREDENTIALS_DIR",
                     "UV_HTTP_TIMEOUT", "UV_REQUEST_TIMEOUT", "UV_HTTP_CONNECT_TIMEOUT",
                     "UV_HTTP_RETRIES", "UV_CONCURRENT_DOWNLOADS"})


_UV_CREDENTIALS = r"^UV_INDEX_[A-Z0-9_]+_(USERNAME|PASSWORD)$"


def uv_hermetic_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """``env`` (default ``os.environ``) without the ``UV_*`` settings uv would read."""
    base = os.environ if env is None else env
    return {k: v for k, v in base.items()
            if not k.startswith("UV_") or k in UV_KEEP or re.match(_UV_CREDENTIALS, k)}


def pip_hermetic_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """``env`` (default ``os.environ``) without anything pip reads as configuration: no
    ``PIP_*`` settings, no ``_PIP_*`` internals, and no configuration files."""
    base = os.environ if env is None else env
    out = {k: v for k, v in base.items() if not k.startswith(("PIP_", "_PIP_"))}
    out["PIP_CONFIG_FILE"] = os.devnull
    return out


def offline_env(env: Mapping[str, str] | None, links: Path) -> dict[str, str]:
    """The user's environment without pip's and uv's settings (``PIP_REQUIREMENT``,
    ``PIP_DRY_RUN``, ``UV_CONSTRAINT`` ... would change what the install step does behind
    permpip's back): their install-step settings were read into the options
    (``gate.resolve.reqfile.install_settings``), and every place to find files names only
    the verified files."""
    out = uv_hermetic_env(pip_hermetic_env(env))
    out.update(UV_FIND_LINKS=str(links), UV_NO_INDEX="1", UV_OFFLINE="1")
    return out


def uv_install_argv(uv: str, python: str, source: Sequence[str], requirements: str,
                    extra: Sequence[str]) -> list[str]:
    """``uv pip install`` of exactly the verified files named in ``requirements`` (pinned by
    hash), from ``source`` (find-links directories and cache options), offline, with no
    configuration, no dependencies and no sdist; ``extra``: the user's install options in
    uv's spelling."""
    return [uv, "pip", "install", "--python", python, "--no-config", "--offline",
            "--no-index", *source, "--no-deps", "--require-hashes", "--only-binary", ":all:",
            "-r", requirements, *extra]


def installer_output(output: str, *, verbose: bool) -> str:
    """What pip/uv printed: all of it with ``-v``, else only its outcome and warnings.

    The per-file "Processing /tmp/permpip-install-.../x.whl" lines name permpip's
    throwaway directory and say nothing the summary does not.
    """
    if verbose:
        return output
    keep = ("Successfully installed", "Would install", "WARNING", "Installed ", "Would ")
    return "".join(line for line in output.splitlines(keepends=True)
                   if line.lstrip().startswith(keep))


_HEADER = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")  # email.feedparser's header line


def metadata_name_version(data: bytes) -> tuple[str, str] | None | bool:
    """Name and Version as ``BytesHeaderParser`` reads them, without it (~1 ms a file, and
    ~5 ms to import it), for a plain header block: every line a ``Key: value`` (an ASCII key)
    or a continuation up to the first empty line, lines ending in LF or CRLF, Name and
    Version ASCII and unfolded. Other values may hold any bytes (an
    author's name): the parser reads them as lone surrogates, which end no line and start
    no header. False when the block is not plain (the parser decides)."""
    found: dict[bytes, str] = {}
    lines = data.split(b"\n")
    for i, raw in enumerate(lines):
        line = raw[:-1] if raw.endswith(b"\r") else raw  # a CRLF line end
        if not line:
            break  # the end of the header block (or of the data)
        if b"\r" in line:
            return False  # a lone CR ends a line for the parser
        if line[:1] in (b" ", b"\t"):
            continue
        if not _HEADER.match(line) or line.startswith(b"From "):
            return False
        key, _, value = line.partition(b":")
        key = key.lower()
        if key in (b"name", b"version") and key not in found:
            if not value.isascii():
                return False
            if i + 1 < len(lines) and lines[i + 1][:1] in (b" ", b"\t"):
                return False  # folded: the parser's unfolding decides
            found[key] = value.lstrip(b" \t").decode()
    name, version = found.get(b"name"), found.get(b"version")
    return (name, version) if name and version else None


def name_version(data: bytes) -> tuple[str, str] | None:
    """METADATA's Name and Version as ``BytesHeaderParser`` reads them: the plain block
    read here (``metadata_name_version``), any other by the parser."""
    fast = metadata_name_version(data)
    if fast is not False:
        return fast  # type: ignore[return-value]
    from email.parser import BytesHeaderParser

    msg = BytesHeaderParser().parsebytes(data)
    name, version = msg.get("Name"), msg.get("Version")
    return (str(name), str(version)) if name and version else None


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def stage_line(stage: str, summary: str, nbytes: int = 0) -> str:
    """A stage's last line as ``gate.report.progress.Progress.finish`` writes it."""
    return f"{stage}: {summary or 'done'}" + (f" ({human_bytes(nbytes)})" if nbytes else "")


def scanned_text(now: int, cached: int) -> str:
    """``scanning``'s summary: scanned in this run, and scans taken from the cache."""
    if not cached:
        return count(now, "artifact")
    return f"{count(now + cached, 'artifact')} ({now} scanned now, {cached} from the cache)"


__all__ = ["cache_root", "count", "default_root", "file_sha256", "framed", "human_bytes",
           "installer_output", "link_or_copy", "metadata_name_version", "name_version",
           "offline_env", "pip_hermetic_env", "private_root", "read_json", "scanned_text",
           "stage_line", "uv_bin", "uv_hermetic_env", "uv_install_argv", "write_json"]
