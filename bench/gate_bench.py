"""Gate benchmark: plain pip/uv against ``permpip install``, cold and warm caches.

Run by hand (never by the tests); the first run downloads the wheels from PyPI once:

    .venv/bin/python bench/gate_bench.py                     # everything
    .venv/bin/python bench/gate_bench.py --sets small --backends pip --inputs lock
    .venv/bin/python bench/gate_bench.py --runs-small 5 --runs-heavy 1 --json out.json

Two sets of pinned wheels (cp311 manylinux x86_64 or py3-none-any, fetched with
``pip download --no-deps`` into ``bench/.cache/gate/wheels/SET/``) are served from a local
PEP 503 + PEP 691 index on 127.0.0.1 (with PEP 658 metadata, and PyPI-like cache headers so
pip's and uv's HTTP caches work as they do against PyPI). For each set there is a hashed
lockfile (``name==version --hash=sha256:...``) and an unpinned requirements file (the
top-level names only), and a policy written by ``permpip policy init`` from the wheels, so
the verdict is "allowed".

Each figure is the median of N runs, each into a fresh ``python -m venv --without-pip``:

    pip      pip install --python VENV --index-url LOCAL --cache-dir C -r FILE
    permpip  permpip install --python VENV --index-url LOCAL --cache-dir C -r FILE
    uv       uv pip install --python VENV --index-url LOCAL --cache-dir C -r FILE
    permpip --backend uv   (same options)

"cold": C is a new empty directory for every run (both sides); "warm": C was filled by one
untimed run of the same command into a throwaway venv (both sides). Everything runs
hermetically: no PIP_*/UV_* variables but PIP_CONFIG_FILE=/dev/null and UV_NO_CONFIG=1.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name, parse_wheel_filename

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache" / "gate"
PYPI = "https://pypi.org/simple/"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True, kw_only=True, slots=True)
class PackageSet:
    name: str
    pins: tuple[str, ...]  # the whole closure, name==version
    top: tuple[str, ...]  # what a user would write unpinned
    runs: int = 3


SMALL = PackageSet(
    name="small",
    pins=("attrs==26.1.0", "blinker==1.9.0", "certifi==2026.10.19.post1",
          "charset-normalizer==3.5.3", "click==8.5.1", "colorama==0.4.6", "decorator==5.3.1",
          "flask==3.1.3", "idna==3.20", "iniconfig==2.3.1", "itsdangerous==2.2.0",
          "jinja2==3.1.6", "markupsafe==3.0.4", "more-itertools==11.2.1", "packaging==26.4",
          "pluggy==1.7.0", "pyparsing==3.3.3", "python-dateutil==4.0.0", "pytz==2026.6",
          "requests==2.34.2", "six==1.17.0", "tabulate==0.10.0", "tomli==2.5.0",
          "typing-extensions==4.16.0", "tzdata==2026.6", "urllib3==2.8.0", "wcwidth==0.9.4",
          "werkzeug==3.1.9"),
    top=("flask", "requests", "python-dateutil", "pytz", "attrs", "packaging", "pyparsing",
         "typing-extensions", "colorama", "decorator", "pluggy", "iniconfig", "tabulate",
         "more-itertools", "tomli", "wcwidth", "six"),
)

HEAVY = PackageSet(
    name="heavy",
    pins=("asgiref==3.13.0", "botocore==1.44.8", "django==5.2.19", "jmespath==1.1.0",
          "numpy==2.3.5", "pandas==3.1.1", "python-dateutil==2.9.0.post0", "six==1.17.0",
          "sqlalchemy==2.1.9", "sqlparse==0.6.1", "typing-extensions==4.16.0",
          "urllib3==2.8.0"),
    top=("django", "sqlalchemy", "numpy", "pandas", "botocore"),
    runs=1,
)

SETS = {s.name: s for s in (SMALL, HEAVY)}

# Targets for the hashed lockfile, as ratios to plain pip: (set, cache) -> max ratio.
TARGETS = {("small", "warm"): 1.25, ("small", "cold"): 1.75,
           ("heavy", "warm"): 1.10, ("heavy", "cold"): 1.50}


def hermetic_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.pop("VIRTUAL_ENV", None)
    env.update(PIP_CONFIG_FILE=os.devnull, UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")
    return env


# --- wheels --------------------------------------------------------------------------------

def download(pset: PackageSet) -> Path:
    """The set's wheels, downloaded once from PyPI with pip (hash-checked by pip)."""
    where = CACHE / "wheels" / pset.name
    have = {canonicalize_name(parse_wheel_filename(p.name)[0]) for p in where.glob("*.whl")}
    missing = [p for p in pset.pins if canonicalize_name(p.split("==")[0]) not in have]
    if missing:
        where.mkdir(parents=True, exist_ok=True)
        print(f"downloading {len(missing)} wheels for the {pset.name} set", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--isolated", "--no-deps",
                        "--only-binary", ":all:", "--disable-pip-version-check",
                        "--index-url", PYPI, "--dest", str(where), *missing],
                       env=hermetic_env(), check=True, stdout=subprocess.DEVNULL)
    return where


def wheel_metadata(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            parts = name.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return zf.read(name)
    raise SystemExit(f"{path.name}: no METADATA")


# --- a local PEP 503 / 691 index -----------------------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class Served:
    path: Path
    sha256: str
    metadata: bytes
    metadata_sha256: str


class Index:
    """``http://127.0.0.1:PORT/simple/`` over a directory of wheels; PyPI-like caching."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        self.files: dict[str, Served] = {}
        self.projects: dict[str, list[str]] = {}
        for d in dirs:
            for path in sorted(d.glob("*.whl")):
                meta = wheel_metadata(path)
                self.files[path.name] = Served(
                    path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                    metadata=meta, metadata_sha256=hashlib.sha256(meta).hexdigest())
                project = canonicalize_name(parse_wheel_filename(path.name)[0])
                self.projects.setdefault(project, [])
                if path.name not in self.projects[project]:
                    self.projects[project].append(path.name)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/simple/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def page(self, project: str, as_json: bool) -> bytes:
        names = self.projects[project]
        if as_json:
            files = [{"filename": n, "url": f"../../files/{n}",
                      "hashes": {"sha256": self.files[n].sha256},
                      "core-metadata": {"sha256": self.files[n].metadata_sha256}}
                     for n in names]
            return json.dumps({"meta": {"api-version": "1.1"}, "name": project,
                               "files": files}).encode()
        links = "".join(
            f'<a href="../../files/{html.escape(n)}#sha256={self.files[n].sha256}" '
            f'data-core-metadata="sha256={self.files[n].metadata_sha256}">{html.escape(n)}</a>\n'
            for n in names)
        return f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode()


def _handler(index: Index) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _head(self, code: int, length: int, ctype: str, cache: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(length))
            self.send_header("Cache-Control", cache)
            self.end_headers()

        def _send(self, body: bytes, ctype: str, cache: str = "max-age=600, public") -> None:
            self._head(200, len(body), ctype, cache)
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802
            parts = [p for p in unquote(urlsplit(self.path).path).split("/") if p]
            as_json = JSON_TYPE in self.headers.get("Accept", "")
            ctype = JSON_TYPE if as_json else "text/html"
            if parts == ["simple"]:
                if as_json:
                    body = json.dumps({"meta": {"api-version": "1.1"}, "projects": [
                        {"name": p} for p in sorted(index.projects)]}).encode()
                else:
                    body = "".join(f'<a href="{p}/">{p}</a>\n'
                                   for p in sorted(index.projects)).encode()
                self._send(body, ctype)
            elif len(parts) == 2 and parts[0] == "simple" and \
                    canonicalize_name(parts[1]) in index.projects:
                self._send(index.page(canonicalize_name(parts[1]), as_json), ctype)
            elif len(parts) == 2 and parts[0] == "files" and parts[1].endswith(".metadata") \
                    and parts[1].removesuffix(".metadata") in index.files:
                self._send(index.files[parts[1].removesuffix(".metadata")].metadata,
                           "application/octet-stream", "max-age=365000000, immutable, public")
            elif len(parts) == 2 and parts[0] == "files" and parts[1] in index.files:
                path = index.files[parts[1]].path
                self._head(200, path.stat().st_size, "application/octet-stream",
                           "max-age=365000000, immutable, public")
                if self.command != "HEAD":
                    with path.open("rb") as f:
                        shutil.copyfileobj(f, self.wfile, 1 << 20)
            else:
                body = b"not found"
                self._head(404, len(body), "text/plain", "no-store")
                self.wfile.write(body)

    return Handler


# --- inputs and policy ---------------------------------------------------------------------

def write_inputs(pset: PackageSet, wheels: Path, project: Path) -> dict[str, Path]:
    """``lock``: every file pinned by hash; ``unpinned``: the top-level names."""
    project.mkdir(parents=True, exist_ok=True)
    lines = []
    for path in sorted(wheels.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(path.name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{name}=={version} \\\n    --hash=sha256:{digest}\n")
    lock = project / "requirements.lock.txt"
    lock.write_text("".join(lines))
    unpinned = project / "requirements.in.txt"
    unpinned.write_text("".join(f"{n}\n" for n in pset.top))
    return {"lock": lock, "unpinned": unpinned}


def write_policy(wheels: Path, project: Path) -> Path:
    """A policy granting what the scan finds (``permpip policy init`` on the wheels), kept
    in ``bench/.cache/gate/policies/`` by the set's files and the scanner's version (a
    ``policy init`` of the heavy set scans it all: minutes)."""
    pyproject = project / "pyproject.toml"
    head = '[project]\nname = "bench"\nversion = "0"\n'
    env = permpip_env()
    done = subprocess.run([sys.executable, "-c", "from gate.run import scanner_version; "
                           "print(scanner_version())"], env=env, cwd=project,
                          capture_output=True, text=True)
    files = hashlib.sha256("".join(sorted(p.name for p in wheels.glob("*.whl"))).encode())
    kept = CACHE / "policies" / f"{wheels.name}-{files.hexdigest()[:16]}-" \
        f"{done.stdout.strip() or 'unknown'}.toml"
    if done.returncode == 0 and kept.is_file():
        pyproject.write_text(kept.read_text())
        return pyproject
    pyproject.write_text(head)
    done = subprocess.run([*permpip_argv(), "policy", "init", str(wheels),
                           "--policy", str(pyproject)],
                          cwd=project, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"permpip policy init failed:\n{done.stdout}{done.stderr}")
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(pyproject.read_text())
    return pyproject


SRC: list[Path] = []  # --src: run permpip from this source tree (a snapshot) instead
BEFORE: list[Path] = []  # --before: a third side, permpip from this tree, interleaved
INSTALLED: list[Path] = []  # --installed: the permpip script of install_permpip()'s venv


def install_permpip() -> Path:
    """``permpip`` installed as a user has it: a wheel of this tree (``pip wheel``, not
    editable) in a venv of its own, kept in ``bench/.cache/gate/installed/`` by the tree's
    files. Its dependencies are this venv's, named by a ``.pth`` line (a path, not this
    venv's own ``.pth`` files: the editable install's finder, which every interpreter start
    of this venv imports, ~10-15 ms of CPU, is not loaded there)."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "gate").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    digest.update((REPO / "pyproject.toml").read_bytes())
    root = CACHE / "installed" / digest.hexdigest()[:16]
    script = root / "bin" / "permpip"
    if script.exists():
        return script
    with tempfile.TemporaryDirectory(prefix="permpip-wheel-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                        "--disable-pip-version-check", "-q", "-w", tmp, str(REPO)],
                       check=True, env=hermetic_env())
        built = next(Path(tmp).glob("permpip-*.whl"))
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
        subprocess.run([sys.executable, "-m", "pip", "--python", str(root / "bin" / "python"),
                        "install", "--no-deps", "--no-index", "--disable-pip-version-check",
                        "-q", str(built)], check=True, env=hermetic_env())
    own = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
    site = next((root / "lib").glob("python3*/site-packages"))
    (site / "permpip_bench_deps.pth").write_text(f"{own}\n")
    return script


def permpip_argv(src: Path | None = None) -> list[str]:
    script = Path(sys.executable).parent / "permpip"
    if src is None and INSTALLED and not SRC:
        return [str(INSTALLED[0])]
    if src is None and script.exists() and not SRC:
        return [str(script)]
    return [sys.executable, "-m", "gate"]


def permpip_env(src: Path | None = None) -> dict[str, str]:
    env = hermetic_env()
    # an installed permpip has its bytecode: without it every run compiles gate's modules
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None or SRC:
        env["PYTHONPATH"] = str(src or SRC[0])
    return env


# --- timing --------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class Case:
    pset: PackageSet
    input: str  # lock | unpinned
    backend: str  # pip | uv
    tool: str  # plain | permpip | before (--before)
    cache: str  # cold | warm

    @property
    def label(self) -> str:
        side = self.backend if self.tool == "plain" else f"{self.tool}({self.backend})"
        return f"{self.pset.name:5} {self.input:8} {side:13} {self.cache}"


class Bench:
    def __init__(self, work: Path, index: Index, inputs: dict[str, dict[str, Path]],
                 policies: dict[str, Path], uv: str) -> None:
        self.work = work
        self.index = index
        self.inputs = inputs
        self.policies = policies
        self.uv = uv
        self.counter = 0

    def _fresh(self, kind: str) -> Path:
        self.counter += 1
        path = self.work / f"{kind}-{self.counter}"
        path.mkdir(parents=True)
        return path

    def venv(self) -> Path:
        root = self._fresh("venv")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
        return root / "bin" / "python"

    def argv(self, case: Case, python: Path, cache: Path) -> list[str]:
        req = str(self.inputs[case.pset.name][case.input])
        common = ["--python", str(python), "--index-url", self.index.url,
                  "--cache-dir", str(cache), "-r", req]
        if case.tool == "plain" and case.backend == "pip":
            return [sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--disable-pip-version-check", "--index-url", self.index.url,
                    "--cache-dir", str(cache), "-r", req]
        if case.tool == "plain":
            return [self.uv, "pip", "install", *common]
        if case.tool == "uvcopy":  # --uv-copy: plain uv in the link mode permpip runs it in
            return [self.uv, "pip", "install", "--link-mode", "copy", *common]
        backend = ["--backend", "uv"] if case.backend == "uv" else [
            "--disable-pip-version-check"]
        src = BEFORE[0] if case.tool == "before" else None
        return [*permpip_argv(src), "install", *backend,
                "--policy", str(self.policies[case.pset.name]), *common]

    def run_once(self, case: Case, cache: Path) -> Timing:
        python = self.venv()
        env = hermetic_env() if case.tool in ("plain", "uvcopy") else permpip_env(
            BEFORE[0] if case.tool == "before" else None)
        env["UV_CACHE_DIR"] = str(cache)
        argv = self.argv(case, python, cache)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=self.policies[case.pset.name].parent,
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{case.label}: exit {done.returncode}\n$ {' '.join(argv)}\n"
                             f"{done.stdout[-3000:]}{done.stderr[-3000:]}")
        count = len(list(python.parent.parent.glob("lib/python*/site-packages/*.dist-info")))
        if count != len(case.pset.pins):
            raise SystemExit(f"{case.label}: {count} distributions installed, expected "
                             f"{len(case.pset.pins)}\n{done.stdout[-2000:]}")
        shutil.rmtree(python.parent.parent)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return Timing(wall=elapsed, cpu=cpu)

    def measure(self, cases: Sequence[Case], runs: int) -> dict[Case, list[Timing]]:
        """Runs of the cases interleaved (plain, permpip, plain, ...): load drifts alike.
        Round r starts with side r (mod the number of sides)."""
        out: dict[Case, list[Timing]] = {c: [] for c in cases}
        warm = {}
        for case in cases:
            if case.cache == "warm":
                warm[case] = self._fresh("cache")
                if case.tool in ("permpip", "before"):
                    seed_scans(warm[case])
                self.run_once(case, warm[case])  # fills it, untimed
        for r in range(runs):
            # each round starts with the next side: a load (or a machine) that drifts over
            # the rounds does not always fall on the side measured last (heavy uv warm runs
            # grew from 0.6 to 2.4 s of CPU over five rounds, every side alike)
            for case in [*cases[r % len(cases):], *cases[:r % len(cases)]]:
                if case in warm:
                    out[case].append(self.run_once(case, warm[case]))
                else:
                    cache = self._fresh("cache")
                    out[case].append(self.run_once(case, cache))
                    shutil.rmtree(cache)
        return out


FILLED: list[Path] = []  # the scans of every warm cache filled so far


def seed_scans(cache: Path) -> None:
    """Hard links to the scans of the warm caches filled before (and of permpip's default
    cache) in a warm case's cache, before its untimed fill: the fill then does not scan
    every wheel again (the heavy set's scan is minutes under load). Scans are kept by
    scanner version: a tree whose scanner differs does not find them and scans as before.
    Nothing timed changes: a warm run takes every scan from its cache either way."""
    env = permpip_env()
    default = Path(env.get("PERMPIP_CACHE_DIR") or Path(env.get("XDG_CACHE_HOME") or Path(
        env.get("HOME", str(Path.home()))) / ".cache") / "permpip") / "scans"
    def link(src: str, dest: str) -> None:
        with contextlib.suppress(FileExistsError):
            os.link(src, dest)

    for scans in (default, *FILLED):
        if scans.is_dir():
            shutil.copytree(scans, cache / "permpip" / "scans", copy_function=link,
                            dirs_exist_ok=True)
    FILLED.append(cache / "permpip" / "scans")


@dataclass(frozen=True, kw_only=True, slots=True)
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds of every process it started


@contextlib.contextmanager
def workdir(keep: bool) -> Iterator[Path]:
    (CACHE / "work").mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="run-", dir=CACHE / "work"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def table(results: dict[Case, list[Timing]]) -> str:
    rows = ["set   input    backend  cache | plain s  permpip s  ratio | plain cpu  permpip "
            "cpu  ratio | target",
            "----- -------- -------- ----- | -------  ---------  ----- | ---------  ---------"
            "--  ----- | ------"]
    keys = sorted({(c.pset.name, c.input, c.backend, c.cache) for c in results},
                  key=lambda k: (k[0] != "small", k[1] != "lock", k[2], k[3]))
    wall = {(c.pset.name, c.input, c.backend, c.cache, c.tool):
            statistics.median(t.wall for t in ts) for c, ts in results.items()}
    cpu = {(c.pset.name, c.input, c.backend, c.cache, c.tool):
           statistics.median(t.cpu for t in ts) for c, ts in results.items()}
    for s, inp, backend, cache in keys:
        plain, gated = wall.get((s, inp, backend, cache, "plain")), wall.get(
            (s, inp, backend, cache, "permpip"))
        if plain is None or gated is None:
            continue
        pcpu, gcpu = cpu[(s, inp, backend, cache, "plain")], cpu[(s, inp, backend, cache,
                                                                  "permpip")]
        ratio = gated / plain
        target = TARGETS.get((s, cache)) if inp == "lock" and backend == "pip" else None
        mark = "" if target is None else f"<={target:.2f} " + ("met" if ratio <= target
                                                                 else "MISSED")
        copy = wall.get((s, inp, backend, cache, "uvcopy"))
        if copy is not None:  # --uv-copy: plain uv with --link-mode copy, same runs
            ccpu = cpu[(s, inp, backend, cache, "uvcopy")]
            mark += (f" | uv copy {copy:6.2f} s {copy / plain:4.2f}x, cpu {ccpu:6.2f} "
                     f"{ccpu / pcpu:4.2f}x")
        before = wall.get((s, inp, backend, cache, "before"))
        if before is not None:  # --before: the previous tree, same runs interleaved
            bcpu = cpu[(s, inp, backend, cache, "before")]
            mark += (f" | before {before:6.2f} s {before / plain:4.2f}x, cpu {bcpu:6.2f} "
                     f"{bcpu / pcpu:4.2f}x")
        rows.append(f"{s:5} {inp:8} {backend:8} {cache:5} | {plain:7.2f}  {gated:9.2f}  "
                    f"{ratio:4.2f}x | {pcpu:9.2f}  {gcpu:11.2f}  {gcpu / pcpu:4.2f}x | {mark}")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="small,heavy")
    parser.add_argument("--inputs", default="lock,unpinned")
    parser.add_argument("--backends", default="pip,uv")
    parser.add_argument("--caches", default="cold,warm")
    parser.add_argument("--runs-small", type=int, default=SMALL.runs)
    parser.add_argument("--runs-heavy", type=int, default=HEAVY.runs)
    parser.add_argument("--json", type=Path, help="also write every run's seconds here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--src", type=Path,
                        help="run permpip from this source tree (e.g. a snapshot of gate/)")
    parser.add_argument("--before", type=Path,
                        help="also run permpip from this tree (e.g. a snapshot of the previous "
                             "gate/), interleaved: before and after in one run")
    parser.add_argument("--uv-copy", action="store_true",
                        help="with the uv backend, also run plain uv with --link-mode copy "
                             "(the mode permpip runs uv in): the floor of a safe warm install")
    parser.add_argument("--installed", action="store_true",
                        help="run permpip installed from a wheel of this tree in a venv of its "
                             "own (as a user has it), not this venv's editable install")
    parser.add_argument("--serve", action="store_true",
                        help="only serve the index (for profiling by hand) until ^C")
    args = parser.parse_args(argv)
    sets = [SETS[s] for s in args.sets.split(",")]
    if args.src:
        SRC.append(args.src.resolve())
    if args.before:
        BEFORE.append(args.before.resolve())
    if args.installed:
        INSTALLED.append(install_permpip())
    runs = {"small": args.runs_small, "heavy": args.runs_heavy}
    wheels = {s.name: download(s) for s in sets}
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        raise SystemExit("uv not found next to this python or on PATH")
    index = Index(list(wheels.values()))
    try:
        with workdir(args.keep) as work:
            inputs = {s.name: write_inputs(s, wheels[s.name], work / f"project-{s.name}")
                      for s in sets}
            policies = {s.name: write_policy(wheels[s.name], work / f"project-{s.name}")
                        for s in sets}
            if args.serve:
                print(f"index: {index.url}\nprojects: {work}", file=sys.stderr)
                with contextlib.suppress(KeyboardInterrupt):
                    threading.Event().wait()
                return 0
            bench = Bench(work, index, inputs, policies, uv)
            results: dict[Case, list[Timing]] = {}
            for pset in sets:
                for inp in args.inputs.split(","):
                    for backend in args.backends.split(","):
                        for cache in args.caches.split(","):
                            cases = [Case(pset=pset, input=inp, backend=backend, tool=tool,
                                          cache=cache)
                             for tool in ("plain",
                                          *(["uvcopy"] if args.uv_copy and backend == "uv"
                                            else []),
                                          *(["before"] if BEFORE else []), "permpip")]
                            measured = bench.measure(cases, runs[pset.name])
                            results.update(measured)
                            for case, ts in measured.items():
                                print(f"{case.label:45} " + " ".join(
                                    f"{t.wall:6.2f}s/{t.cpu:5.2f}cpu" for t in ts),
                                    file=sys.stderr, flush=True)
    finally:
        index.close()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(
            [{"set": c.pset.name, "input": c.input, "backend": c.backend, "tool": c.tool,
              "cache": c.cache, "wall": [t.wall for t in ts], "cpu": [t.cpu for t in ts]}
             for c, ts in results.items()], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
