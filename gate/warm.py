"""The warm fast path of ``permpip install --backend uv -r LOCK``: a verdict kept by
everything the full run read, replayed without importing the gate.

When a full run of an eligible command installs an allowed set into a target holding no
distribution, it keeps a **verdict record** (``CACHE/permpip/warm/<key>.json``): the wheels
it handed to uv (name, version, filename, sha256), the summary it printed, the requirement
files its parse read. The next run of the same command with the same key takes this path
before importing anything of the gate but this module, ``gate.light``,
``gate.uv_verified`` and ``gate.probe_cache``: it re-hashes every
file it hands over (the cache is never trusted for the bytes given to the installer),
checks uv's verified copies (``gate.uv_verified``), runs uv as the full run does, checks
what uv installed, and prints the same lines. Anything it cannot vouch for (an option it
does not know, a key part changed, no record, a cached file missing or not its sha256, a
copy of uv's that changed) sends the command to the full run, silently; after uv has
started there is no going back, and a failure is reported as the full run reports it.

**Eligible**: ``install`` with ``--backend uv``, one or more ``-r FILE``, and otherwise only
``--python``, ``--policy``, ``--cache-dir``, ``-i``/``--index-url``, ``--extra-index-url``,
``-f``/``--find-links``, ``--strict``, ``--disable-pip-version-check`` (no general options
before the command, no abbreviations); a target named by ``--python`` or ``VIRTUAL_ENV``,
whose probe is in the probe cache (``gate.probe_cache``), with no ``*.dist-info`` or
``*.egg-info`` in its purelib or platlib; ``PERMPIP_NO_WARM`` unset.

**The key** (sha256 of, in order):

- the record format; permpip's code: every ``.py``/``.txt`` file of the gate package by
  relative path, size, mtime and inode, ``gate.__version__``, the interpreter permpip runs
  in (path and ``sys.version``), and the ``*.dist-info``/``*.pth`` entries of its
  site-packages (name, mtime, inode: pip, packaging, tomlkit, uv ... upgraded is another
  key); the uv binary (path, size, mtime, inode);
- the command line (``--python``'s value aside: the target is below), the working
  directory, and **every environment variable** but ``_``, ``OLDPWD``, ``SHLVL``, ``PWD``
  and ``PERMPIP_WARM_TRACE``;
- the bytes (sha256, or absence) of each ``-r`` file, of ``--policy``'s file, of every
  ``pyproject.toml`` and ``uv.toml`` in the working directory and each of its parents
  (the policy's discovery and uv's project configuration), of ``UV_CONFIG_FILE`` and of
  the user's and the system's ``uv.toml``;
- the target: its probe answer (tags, marker environment, install paths, stdlib, site
  directories; a venv's directory written as a placeholder, so every fresh venv of one
  interpreter has one key), and its state: every entry's name and kind in its purelib,
  platlib, scripts and data directories, and the bytes of every file at the top of its
  purelib and platlib (``.pth`` files and what they import): the site directories the full
  run reads (``gate.environment.read_raw``).

**Checked on every use**, beyond the key: every file the parse of the requirement files
read, at any depth (sha256), and every path whose existence it tested (the parsed
record's lists, ``gate.resolve.parsed``); each wheel's cached file re-hashed (missing or
other bytes: the full run, which fetches it again) and its scan there (the line "N from
the cache" says so; missing: the full run, which scans it); uv's verified copy of each wheel
(every witness, ``gate.uv_verified.holds``; missing or changed: the full run, which
unpacks it again); after uv: every installed file of each copy is the verified inode or
the same bytes (``check_verified``) and every distribution of the set is installed at its
version.

docs/cache.md, "The warm path".
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from gate.light import cache_root, file_sha256, read_json

TYPE_CHECKING = False  # (not typing's: importing typing costs the warm path ~1-2 ms)
if TYPE_CHECKING:
    from typing import Any

    from gate.report.progress import Progress

FORMAT = "warm-2"
_SCHEMES = frozenset({"purelib", "platlib", "scripts", "data"})
TRACE = "PERMPIP_WARM_TRACE"  # set: one line on stderr saying whether the path was taken
OFF = "PERMPIP_NO_WARM"  # set: never take it (nor keep records)
_VALUE = frozenset({"--backend", "--policy", "--python", "--cache-dir", "-r", "--requirement",
                    "-i", "--index-url", "--extra-index-url", "-f", "--find-links"})
_FLAGS = frozenset({"--strict", "--disable-pip-version-check"})
_NOT_KEYED = frozenset({"_", "OLDPWD", "SHLVL", "PWD", TRACE})
_INFO = (".dist-info", ".egg-info")


class NotEligible(Exception):  # noqa: N818 - control flow: the full run takes it
    """This run cannot take the warm path (the reason is the message)."""


class Plan:
    """An eligible command line: what it names, and its tokens as the key holds them."""

    __slots__ = ("argv", "cache_dir", "cwd", "env", "policy", "python", "reqs", "uv")

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: str) -> None:
        self.env = env
        self.cwd = cwd
        self.python: str | None = None
        self.policy: str | None = None
        self.cache_dir: str | None = None
        self.reqs: list[str] = []
        self.argv: list[str] = []
        self.uv = ""  # the uv binary, once the key is worked out (``_uv``)
        backend = None
        i = 0
        while i < len(argv):
            token = argv[i]
            name, eq, value = token.partition("=") if token.startswith("--") else (
                token, "", "")
            i += 1
            if name in _FLAGS and not eq:
                self.argv.append(name)
                continue
            if name not in _VALUE:
                raise NotEligible(f"option {token}")
            if not eq:
                if i >= len(argv):
                    raise NotEligible(f"{name} without a value")
                value = argv[i]
                i += 1
            if name == "--backend":
                if backend is not None or value != "uv":
                    raise NotEligible("not --backend uv")
                backend = value
            elif name == "--python":
                if self.python is not None:
                    raise NotEligible("--python twice")
                self.python = value
                value = "\0target"  # the target is keyed by what it is, below
            elif name == "--policy":
                if self.policy is not None:
                    raise NotEligible("--policy twice")
                self.policy = value
            elif name == "--cache-dir":
                if self.cache_dir is not None:
                    raise NotEligible("--cache-dir twice")
                self.cache_dir = value
            elif name in ("-r", "--requirement"):
                self.reqs.append(value)
            self.argv += [name, value]
        if backend is None:
            raise NotEligible("not --backend uv")
        if not self.reqs:
            raise NotEligible("no -r FILE")

    @property
    def root(self) -> Path:
        """permpip's cache, as ``gate.cache.cache_root`` finds it."""
        return cache_root(Path(self.cwd, self.cache_dir) if self.cache_dir else None, self.env)

    def interpreter(self) -> str:
        """The target interpreter, as ``gate.run.choose_target`` and
        ``gate.resolve.target.interpreter_path`` find it."""
        python = self.python
        if python is None:
            venv = self.env.get("VIRTUAL_ENV")
            if not venv or not os.path.isdir(venv) or _same_dir(venv, sys.prefix):
                raise NotEligible("no --python and no other VIRTUAL_ENV")
            python = venv
        path = Path(python)
        if not path.is_absolute():
            path = Path(self.cwd) / path
        if path.is_dir():
            found = next((path / exe for exe in ("bin/python", "Scripts/python.exe")
                          if (path / exe).exists()), None)
            if found is None:
                raise NotEligible("no interpreter in --python's directory")
            path = found
        if not path.exists():
            raise NotEligible("no such interpreter")
        return str(path.absolute())


def _same_dir(a: str, b: str) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:
        return False


def _sha(path: str) -> str | None:
    try:
        return file_sha256(path)
    except OSError:
        return None


def _code() -> list[Any]:
    """permpip's code and environment, by stat (see the module's docstring)."""
    import gate

    root = os.path.dirname(os.path.abspath(gate.__file__))
    files: list[Any] = []
    todo = [root]
    while todo:
        where = todo.pop()
        with os.scandir(where) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        todo.append(e.path)
                elif e.name.endswith((".py", ".txt")):
                    st = e.stat()
                    files.append([e.path[len(root):], st.st_size, st.st_mtime_ns, st.st_ino])
    files.sort()
    sites: list[Any] = []
    for entry in dict.fromkeys(sys.path):
        if not entry.endswith("site-packages"):
            continue
        try:
            with os.scandir(entry) as it:
                for e in it:
                    if e.name.endswith((".dist-info", ".pth", ".egg-link")):
                        st = e.stat(follow_symlinks=False)
                        sites.append([entry, e.name, st.st_mtime_ns, st.st_ino])
        except OSError:
            continue
    sites.sort()
    return [gate.__version__, sys.executable, sys.version, files, sites]


def _uv(plan: Plan) -> list[Any]:
    """The uv binary the full run would run (``gate.light.uv_bin``), kept in ``plan``."""
    from gate.light import uv_bin

    plan.uv = path = uv_bin()
    st = os.stat(path)
    return [path, st.st_size, st.st_mtime_ns, st.st_ino]


def _files(plan: Plan) -> list[Any]:
    """(path, sha256 or None) of every file the key holds by its bytes."""
    env, cwd = plan.env, Path(plan.cwd)
    paths = [str(cwd / r) for r in plan.reqs]
    if plan.policy is not None:
        paths.append(str(cwd / plan.policy))
    for directory in (cwd, *cwd.parents):
        paths += [str(directory / "pyproject.toml"), str(directory / "uv.toml")]
    if config := env.get("UV_CONFIG_FILE"):
        paths.append(str(cwd / config))
    dirs = [d for d in env.get("XDG_CONFIG_DIRS", "").split(":") if d] or ["/etc/xdg"]
    paths += [str(Path(d) / "uv" / "uv.toml") for d in dirs]
    paths.append("/etc/uv/uv.toml")
    home = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME", "~"), ".config")
    paths.append(str(Path(os.path.expanduser(home)) / "uv" / "uv.toml"))
    return [[p, _sha(p)] for p in dict.fromkeys(paths)]


class Target:
    """The target as the key holds it: its probe answer and its state."""

    __slots__ = ("data", "listing", "paths", "python", "shown")

    def __init__(self, python: str, root: Path) -> None:
        from gate import probe_cache

        self.python = python
        data = probe_cache.cached(Path(python), root / "targets")
        if data is None:
            raise NotEligible("the target's probe is not in the cache")
        self.data: dict[str, Any] = data
        self.shown = probe_cache.relocated(data, Path(python))
        paths = data["paths"]
        self.paths = {k: os.path.realpath(paths[k]) for k in ("purelib", "platlib", "scripts",
                                                               "data")}
        self.listing: dict[str, list[str]] = {}  # (resolved) site directory -> its entries

    def state(self) -> list[Any]:
        """Every entry of its install and site directories (name and kind), the bytes of
        the files at the top of the site directories; NotEligible when a distribution is
        installed there."""
        data, shown = self.data, self.shown
        sites = {data["paths"]["purelib"], data["paths"]["platlib"]}  # what the run reads
        out: list[Any] = []
        named = [(data["paths"][k], shown["paths"][k]) for k in ("purelib", "platlib",
                                                                 "scripts", "data")]
        for real, label in sorted(set(named)):
            entries: list[Any] = []
            try:
                with os.scandir(real) as it:
                    found = sorted(it, key=lambda e: e.name)
            except FileNotFoundError:
                out.append([label, None])
                continue
            site = real in sites
            if site:
                self.listing[os.path.realpath(real)] = [e.name for e in found]
            for e in found:
                if site and e.name.endswith(_INFO):
                    raise NotEligible(f"a distribution is installed in the target: {e.name}")
                if e.is_symlink():
                    entries.append([e.name, "l", os.readlink(e.path)])
                elif e.is_dir():
                    entries.append([e.name, "d"])
                elif e.is_file() and site:
                    entries.append([e.name, "f", _sha(e.path)])
                else:
                    entries.append([e.name, "f" if e.is_file() else "o"])
            out.append([label, entries])
        return out


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def static_key(plan: Plan) -> str:
    """The key's parts that do not depend on the target."""
    env = sorted([k, v] for k, v in plan.env.items() if k not in _NOT_KEYED)
    return _digest([FORMAT, _code(), _uv(plan), plan.argv, os.path.abspath(plan.cwd), env,
                    _files(plan)])


def full_key(static: str, target: Target) -> str:
    return _digest([static, target.shown, target.state()])


# -- the record -------------------------------------------------------------------------

def _record_path(root: Path, key: str) -> Path:
    return root / "warm" / f"{key}.json"


def _strs(value: object, n: int) -> bool:
    return isinstance(value, list) and len(value) == n and all(isinstance(v, str)
                                                               for v in value)


def _sha_ok(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _name_ok(value: str) -> bool:
    return value.endswith(".whl") and "/" not in value and "\\" not in value \
        and "\0" not in value and not value.startswith(".")


def load(root: Path, key: str) -> dict[str, Any]:
    """The record kept under ``key``, when it is well-formed; else NotEligible."""
    rec = read_json(_record_path(root, key))
    if not isinstance(rec, dict) or rec.get("format") != FORMAT or rec.get("key") != key:
        raise NotEligible("no record for this key")
    wheels, parse, said = rec.get("wheels"), rec.get("parse"), rec.get("progress")
    ok = (isinstance(wheels, list) and wheels
          and all(_strs(w, 4) and _sha_ok(w[3]) and _name_ok(w[2]) for w in wheels)
          and isinstance(parse, dict) and isinstance(parse.get("files"), list)
          and all(_strs(f, 2) for f in parse["files"]) and parse["files"]
          and isinstance(parse.get("exists"), list)
          and all(isinstance(e, list) and len(e) == 2 and isinstance(e[0], str)
                  and isinstance(e[1], bool) for e in parse["exists"])
          and isinstance(said, dict) and all(isinstance(said.get(s), str) for s in (
              "resolving", "fetching", "installing"))
          and isinstance(rec.get("summary"), str) and isinstance(rec.get("exit"), int)
          and isinstance(rec.get("scanner"), str) and rec["scanner"].isalnum()
          and isinstance(rec.get("uv_args"), list)
          and all(isinstance(a, str) for a in rec["uv_args"])
          and isinstance(rec.get("claims"), list) and rec["claims"]
          and all(_strs(c, 2) and c[0] in _SCHEMES for c in rec["claims"]))
    if not ok:
        raise NotEligible("a record that is not well-formed")
    return rec


# -- the fast path ----------------------------------------------------------------------

def _trace(env: Mapping[str, str], text: str) -> None:
    if env.get(TRACE):
        print(f"permpip: {text}", file=sys.stderr, flush=True)


def run(argv: Sequence[str], env: Mapping[str, str] | None = None,
        cwd: str | None = None) -> int | None:
    """``permpip install ARGV`` by the warm path: its exit code, or None when the full run
    must take it (nothing was done)."""
    env = os.environ if env is None else env
    if env.get(OFF):
        return None
    try:
        plan = Plan(argv, env, os.getcwd() if cwd is None else cwd)
        ready = _prepare(plan)
    except NotEligible as why:
        _trace(env, f"warm path not taken: {why}")
        return None
    except Exception as exc:  # noqa: BLE001 - any doubt: the full run, which says what is wrong
        _trace(env, f"warm path not taken: {type(exc).__name__}: {exc}")
        return None
    _trace(env, "warm path taken")
    from gate.errors import GateError

    try:
        return _install(plan, *ready)
    except GateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code


class _Wheel:
    __slots__ = ("filename", "manifest", "name", "path", "sha", "version")

    def __init__(self, name: str, version: str, filename: str, sha: str, path: Path,
                 manifest: dict[str, Any]) -> None:
        self.name, self.version, self.filename, self.sha = name, version, filename, sha
        self.path, self.manifest = path, manifest


def _prepare(plan: Plan) -> tuple[Target, dict[str, Any], list[_Wheel], int]:
    """Everything checked before anything is written: the key, the record, the parse's
    files, each wheel's bytes and uv's verified copy of it."""
    from gate import uv_verified
    from gate.light import private_root

    root = plan.root
    if private_root(root) is not None:
        raise NotEligible("the cache is not private to the user")
    target = Target(plan.interpreter(), root)
    static = static_key(plan)
    key = full_key(static, target)
    rec = load(root, key)
    for path, sha in rec["parse"]["files"]:
        if _sha(path) != sha:
            raise NotEligible(f"{path} changed since the record")
    for path, there in rec["parse"]["exists"]:
        if os.path.exists(path) != there:
            raise NotEligible(f"{path} appeared or went since the record")
    for scheme, rel in rec["claims"]:
        # where the set goes must be free: the full run refuses a file there that no
        # distribution owns (a module planted in a package directory, a user's data file)
        base = target.paths.get(scheme)
        if not isinstance(base, str) or os.path.lexists(os.path.join(
                os.path.realpath(base), rel)):
            raise NotEligible(f"{scheme}/{rel} is in the target already")
    uv = root / "uv"
    archives = uv / uv_verified.ARCHIVES
    wheels, total = [], 0
    for name, version, filename, sha in rec["wheels"]:
        path = root / "files" / sha[:2] / sha / filename
        try:
            total += path.stat().st_size
        except OSError:
            raise NotEligible(f"{filename} is not in the cache") from None
        if _sha(str(path)) != sha:
            raise NotEligible(f"{filename} in the cache is not its sha256")
        if not os.path.isfile(root / "scans" / rec["scanner"] / f"{sha}.json"):
            raise NotEligible(f"the scan of {filename} is not in the cache")
        manifest = uv_verified.load_manifest(uv, sha)
        if manifest is None or not uv_verified.holds(archives, manifest):
            raise NotEligible(f"uv's copy of {filename} is not verified or changed")
        wheels.append(_Wheel(name, version, filename, sha, path, manifest))
    return target, rec, wheels, total


def _install(plan: Plan, target: Target, rec: dict[str, Any], wheels: list[_Wheel],
             total: int) -> int:
    from gate import uv_verified
    from gate.errors import InstallError
    from gate.light import installer_output, offline_env, scanned_text
    from gate.light import uv_install_argv as argv_of

    root = plan.root
    uv = root / "uv"
    archives = uv / uv_verified.ARCHIVES
    progress = _Lines()
    said = rec["progress"]
    where = root / "tmp" / f"warm-{os.getpid()}-{os.urandom(6).hex()}"
    try:
        progress.finish("resolving", said["resolving"])
        progress.finish("fetching", said["fetching"], nbytes=total)
        progress.finish("scanning", scanned_text(0, len(wheels)))
        source: list[str] = []
        for w in wheels:  # each verified file handed over by a hard link (gate.uv_link)
            links = uv_verified.links_dir(uv, w.sha, str(w.manifest["gen"]))
            uv_verified.hand_over(w.path, w.filename, links, w.sha)
            source += ["--find-links", str(links)]
        purelib, platlib = Path(target.paths["purelib"]), Path(target.paths["platlib"])
        hard = all(uv_verified.same_device(d, uv) for d in (purelib, platlib))
        source += ["--cache-dir", str(uv), "--link-mode", "hardlink" if hard else "copy"]
        where.mkdir(parents=True)
        reqs = where / "requirements.txt"
        reqs.write_text("".join(f"{w.name}=={w.version} --hash=sha256:{w.sha}\n"
                                for w in wheels))
        argv = argv_of(plan.uv, target.python, source, str(reqs), rec["uv_args"])
        progress.start("installing")
        done = _run(argv, offline_env(plan.env, where), where, target)
        if done.returncode != 0:
            from gate._subprocess import Completed
            from gate.install import _failure

            raise _with_changes(_failure(Completed(
                argv=tuple(done.argv), returncode=done.returncode, stdout=done.stdout,
                stderr=done.stderr)), target)
        for w in wheels:
            into = str(purelib if w.manifest["purelib"] else platlib)
            bad = uv_verified.check_verified(archives, w.manifest, into) if hard else None
            if bad is not None:
                uv_verified.drop(uv, w.sha, w.manifest)
                raise _with_changes(InstallError(f"{w.filename}: uv installed {bad} from "
                                                 "bytes that are not the scanned ones"),
                                    target)
        for w in wheels:
            uv_verified.settle(uv, w.sha, w.manifest, root / "tmp")
        problem = _verify_versions(wheels, target)
        if problem is not None:
            raise _with_changes(InstallError(f"after the install, {problem}"), target)
        progress.finish("installing", said["installing"])
    finally:
        progress.close()
        for leftover in ("requirements.txt", "out", "err", ""):
            try:
                (where / leftover).unlink() if leftover else where.rmdir()
            except OSError:
                pass
    output = done.stdout + done.stderr  # uv says what it did on stderr
    if output:
        print(installer_output(output, verbose=False), end="")
    print(rec["summary"], end="")
    return int(rec["exit"])


class _Lines:
    """The progress lines as ``gate.report.progress.Progress`` writes them (one plain line
    per stage, or on a terminal each line erased and rewritten), without its lock and its
    ticking thread (``threading``): nothing here runs in parallel."""

    def __init__(self) -> None:
        isatty = getattr(sys.stderr, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.open = False

    def start(self, stage: str) -> None:
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + stage)
            sys.stderr.flush()
            self.open = True

    def finish(self, stage: str, summary: str, nbytes: int = 0) -> None:
        from gate.light import stage_line

        sys.stderr.write(("\r\x1b[2K" if self.tty else "") + stage_line(stage, summary, nbytes)
                         + "\n")
        sys.stderr.flush()
        self.open = False

    def close(self) -> None:
        if self.open:
            sys.stderr.write("\n")
            self.open = False


class _Done:
    """What uv did (``gate._subprocess.Completed``'s fields)."""

    __slots__ = ("argv", "returncode", "stderr", "stdout")

    def __init__(self, argv: list[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv, self.returncode, self.stdout, self.stderr = argv, returncode, stdout, stderr


def _run(argv: list[str], env: dict[str, str], where: Path, target: Target) -> _Done:
    """uv with ``argv``, stdin from /dev/null, stdout and stderr to files in ``where`` (no
    pipes to pump, no ``subprocess`` to import: ~3 ms of the warm path)."""
    paths = [str(where / "out"), str(where / "err")]
    fds = [os.open(os.devnull, os.O_RDONLY)]
    try:
        fds += [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for p in paths]
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, fd, n) for n, fd in enumerate(fds)])
    finally:
        for fd in fds:
            os.close(fd)
    try:
        status = os.waitpid(pid, 0)[1]
    except KeyboardInterrupt:
        import signal

        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        from gate.errors import Interrupted

        raise _with_changes(Interrupted("interrupted while installing"), target) from None
    out, err = (Path(p).read_bytes().decode("utf-8", errors="replace")
                .replace("\r\n", "\n").replace("\r", "\n") for p in paths)  # (text mode's)
    return _Done(argv, os.waitstatus_to_exitcode(status), out, err)


def _with_changes(exc: Any, target: Target) -> Any:  # noqa: ANN401 - a GateError
    """``exc`` with what this run changed in the target, as the full run says it
    (``gate.run``): the target held no distribution before."""
    from gate import environment
    from gate.run import _changed

    paths = environment.InstallPaths(**{k: Path(v) for k, v in target.paths.items()})
    before = environment.Snapshot(dists={}, entries=frozenset(
        str(Path(site) / n) for site in map(str, paths.site_dirs)
        for n in target.listing.get(site, ())))
    changed = environment.changes(before, environment.snapshot(paths))
    return type(exc)(f"{exc.message}; {_changed(changed)}", hint=exc.hint)


def _verify_versions(wheels: Sequence[_Wheel], target: Target) -> str | None:
    """The first distribution of the set not installed at its version (as
    ``gate.environment.verify_installed`` says it), or None."""
    versions: dict[str, str] = {}
    for site in dict.fromkeys((target.paths["purelib"], target.paths["platlib"])):
        try:
            entries = sorted(os.listdir(site))
        except OSError:
            continue
        for entry in entries:
            if not entry.endswith(".dist-info"):
                continue
            meta = _name_version(Path(site, entry, "METADATA"))
            if meta is not None:
                versions[_normalize(meta[0])] = meta[1]
    for w in wheels:
        version = versions.get(w.name)
        if version is None:
            return f"{w.name} {w.version} is not installed"
        if version != w.version:
            return f"{w.name} is installed at {version}, not {w.version}"
    return None


def _normalize(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def _name_version(path: Path) -> tuple[str, str] | None:
    """METADATA's Name and Version, as ``gate.environment`` reads them."""
    from gate.light import name_version

    try:
        return name_version(path.read_bytes())
    except OSError:
        return None


# -- the full run keeps records ---------------------------------------------------------

class Recorder:
    """What a full run of an eligible command needs to keep a record at its end
    (``gate.cli.install`` makes one; ``gate.run.run_gate`` tells it what it did)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.static = static_key(plan)  # before the run reads anything
        self.key: str | None = None
        self.why = "the run ended before the target was known"
        self.parse: tuple[list[Any], list[Any]] | None = None
        self.wheels: list[list[str]] = []
        self.claims: list[list[str]] = []  # (scheme, path) the set installs (gate.placement.claims)
        self.uv_args: list[str] = []
        self.scanner = ""  # the scanner version the run's scans are kept under
        self.done = False

    @classmethod
    def start(cls, argv: Sequence[str], env: Mapping[str, str],
              cwd: str) -> Recorder | None:
        if env.get(OFF):
            return None
        try:
            return cls(Plan(argv, env, cwd))
        except NotEligible as why:
            _trace(env, f"no warm record: {why}")
            return None
        except Exception as exc:  # noqa: BLE001 - no record, nothing else
            _trace(env, f"no warm record: {type(exc).__name__}: {exc}")
            return None

    def target_known(self, lasting_root: Path | None) -> None:
        """The run's cache and target are settled (the probe is kept), nothing is read of
        the target's state yet: the key."""
        try:
            if lasting_root is None or os.path.abspath(lasting_root) != os.path.abspath(
                    self.plan.root):
                raise NotEligible("the run's cache is not the one the warm path reads")
            target = Target(self.plan.interpreter(), self.plan.root)
            self.key = full_key(self.static, target)
        except NotEligible as why:
            self.why = str(why)
        except Exception as exc:  # noqa: BLE001 - no record, nothing else
            self.why = f"{type(exc).__name__}: {exc}"

    def finish(self, progress: Progress, summary: str, exit_code: int) -> None:
        """The run printed ``summary`` and ends with ``exit_code``: keep the record when
        everything it needs is known and nothing the key holds changed during the run."""
        from gate.light import write_json

        env = self.plan.env
        why = (self.why if self.key is None else "not an allowed install of wheels alone "
               "into an empty target" if not self.done else "no record of the parse"
               if self.parse is None else "a warning was said" if progress.warned else
               "the progress was not said" if set(progress.said) != {
                   "resolving", "fetching", "scanning", "installing"} else None)
        if why is None:
            try:
                if static_key(self.plan) != self.static:
                    why = "a file or setting the key holds changed during the run"
            except Exception as exc:  # noqa: BLE001
                why = f"{type(exc).__name__}: {exc}"
        if why is not None or self.key is None or self.parse is None:
            _trace(env, f"no warm record: {why}")
            return
        root = self.plan.root
        record = {"format": FORMAT, "key": self.key, "wheels": self.wheels,
                  "claims": self.claims,
                  "parse": {"files": self.parse[0], "exists": self.parse[1]},
                  "progress": {s: progress.said[s] for s in ("resolving", "fetching",
                                                             "installing")},
                  "uv_args": self.uv_args, "scanner": self.scanner, "summary": summary,
                  "exit": exit_code}
        written = write_json(_record_path(root, self.key), record, tmp=root / "tmp")
        _trace(env, "warm record written" if written else "no warm record: not writable")


__all__ = ["FORMAT", "NotEligible", "Plan", "Recorder", "run"]
