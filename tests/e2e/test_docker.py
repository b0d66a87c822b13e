"""The Docker recipe of sample_projects/docker (docs/docker.md), run for real.

Default run (``e2e``): each Dockerfile is carried out on this machine, instruction by
instruction, as Docker would: every stage in a root of its own (the absolute paths the
Dockerfile names, ``/opt`` and ``/app``, are moved under it), a layer cache for the RUN
steps (``LayerCache``: the permpip venv is made once per module, as Docker would), ``ARG``
and ``ENV`` in the environment of the ``RUN`` steps, ``COPY`` from the build context or
from an earlier stage, and every ``RUN`` line exactly as written, by ``/bin/sh -c``, with
``python`` the interpreter of this test run (the image's ``python``). pip and permpip
resolve from the local test index, named by the ``PIP_INDEX_URL`` build argument; it
serves permpip's own dependencies (repacked from this environment's installed copies)
and the fixture packages. The build context is the Dockerfile, the application's files
and ``permpip-dist/`` with permpip's wheel, built here from the repository's source.

Opt-in (``pytest -m docker``): a real ``docker build`` of the same context, with
``--network host`` so that the build reaches the test index on 127.0.0.1, and the base
image of this interpreter's version (``python:3.X-slim``: the repacked wheels carry this
interpreter's tags). Skipped, saying why, without ``-m docker``, when no Docker daemon
answers, when the base image cannot be had (offline), or when a build container cannot
reach the host's 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from gate._subprocess import Completed
from gate._subprocess import run as run_process
from tests.builders import build_wheel, wheel_from_project
from tests.conftest import installed, make_hermetic_env
from tests.index import IndexServer, SubIndex

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_projects" / "docker"
DOCKERFILES = ["Dockerfile", "Dockerfile.single-stage"]

ALLOWED_POLICY = '[tool.permissions]\ndefault = []\n\n[tool.permissions.packages]\nclean-lib = []\n'
REFUSING_POLICY = '[tool.permissions]\ndefault = []\n\n[tool.permissions.packages]\n'
APP = "import clean_lib\n\nprint('app: 2 + 3 =', clean_lib.add(2, 3))\n"
REFUSAL = ("refused: 1 of 1 package uses capabilities the policy does not grant "
           "(policy: pyproject.toml)")


# -- the build context -----------------------------------------------------------------------


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
        b"=").decode()


def repack(dist: importlib.metadata.Distribution, dest: Path) -> Path:
    """A wheel of an installed distribution: its files as installed, its own METADATA,
    WHEEL and entry points, a new RECORD (no network: the index serves these)."""
    members: dict[str, bytes] = {}
    for rel in dist.files or ():
        name = rel.as_posix()
        if name.startswith("..") or "__pycache__" in name or name.endswith(".pyc"):
            continue  # console scripts (pip writes them anew) and bytecode
        if ".dist-info/" in name and name.rsplit("/", 1)[1] in (
                "RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
            continue
        members[name] = Path(str(dist.locate_file(rel))).read_bytes()
    info = next(n.split("/")[0] for n in members if n.endswith(".dist-info/METADATA"))
    members[f"{info}/RECORD"] = ("".join(
        f"{n},{_record_hash(d)},{len(d)}\n" for n, d in members.items())
        + f"{info}/RECORD,,\n").encode()
    tag = next(line.split(":", 1)[1].strip() for line in members[f"{info}/WHEEL"].decode()
               .splitlines() if line.startswith("Tag:"))
    stem = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    path = dest / f"{stem}-{dist.version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    return path


def runtime_closure(requirements: list[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions that ``requirements`` need here, transitively."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = list(requirements)
    while todo:
        req = Requirement(todo.pop())
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name not in found:
            found[name] = importlib.metadata.distribution(name)
            todo += found[name].requires or []
    return list(found.values())


def permpip_wheel(dest: Path) -> Path:
    """permpip's wheel from the repository's source: the ``gate`` package with its data,
    pyproject.toml's name, version, dependencies and console script (no build backend
    runs: see tests/builders.py)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    files = {p.relative_to(REPO).as_posix(): p.read_bytes()
             for p in sorted((REPO / "gate").rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    return build_wheel(dest, project["name"], project["version"], files,
                       requires=project["dependencies"],
                       entry_points={"console_scripts": project["scripts"]})


@dataclass
class Recipe:
    """What every build of this module shares: the index, permpip's wheel and, for the
    builds on this machine, the stages' roots, the layer cache and the environment."""

    index: SubIndex
    wheel: Path
    where: Path
    cache: LayerCache

    def host_build(self) -> HostBuild:
        image = self.where / "image"  # the image's own programs: `python`
        if not image.exists():
            (image / "bin").mkdir(parents=True)
            (image / "bin" / "python").symlink_to(sys._base_executable)
            (self.where / "roots").mkdir()
            (self.where / "cache").mkdir()
        env = make_hermetic_env(self.where)
        env["PATH"] = f"{image / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        return HostBuild(base=self.where / "roots", env=env,
                         build_args={"PIP_INDEX_URL": self.index.url}, cache=self.cache)

    def context(self, where: Path, dockerfile: str, requirements: str, policy: str) -> Path:
        """A build context: the sample's Dockerfile as it is, the test's application."""
        where.mkdir(parents=True)
        shutil.copyfile(SAMPLE / dockerfile, where / "Dockerfile")
        (where / "permpip-dist").mkdir()
        shutil.copyfile(self.wheel, where / "permpip-dist" / self.wheel.name)
        (where / "requirements.txt").write_text(requirements)
        (where / "pyproject.toml").write_text(policy)
        (where / "app.py").write_text(APP)
        return where


@pytest.fixture(scope="module")
def recipe(index_server: IndexServer, tmp_path_factory: pytest.TempPathFactory) -> Recipe:
    index = index_server.new_index("docker")
    wheels = tmp_path_factory.mktemp("docker-wheels")
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for dist in runtime_closure(deps):
        index.publish(repack(dist, wheels))
    for sample in ("clean-lib", "cap-network"):
        index.publish(wheel_from_project(REPO / "sample_projects" / sample, wheels))
    where = tmp_path_factory.mktemp("docker-builds")
    return Recipe(index=index, wheel=permpip_wheel(tmp_path_factory.mktemp("permpip-dist")),
                  where=where, cache=LayerCache(where / "cache"))


# -- the Dockerfile, carried out on this machine ---------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) of each instruction: comments dropped, continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or (not pending and not line.strip()):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1]
            continue
        keyword, _, args = (pending + line).strip().partition(" ")
        out.append((keyword.upper(), args.strip()))
        pending = ""
    return out


_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def substitute(text: str, env: Mapping[str, str]) -> str:
    return _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), ""), text)


@dataclass
class Stage:
    root: Path
    env: dict[str, str]
    key: str  # the build cache's key of the instructions so far (as Docker's layer cache)
    workdir: str = "/"
    cmd: list[str] = field(default_factory=list)


def _key(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class LayerCache:
    """Docker's layer cache, for RUN steps: a RUN whose instructions so far (and the
    contents they copied) were carried out before is not run again; its stage's root is
    restored as it was after that RUN, with what it printed. The stages' roots are the
    same directories in every build, so that the venvs restored stay where they were made.
    Files are hard links to the kept copy (no step here rewrites a file in place: pip and
    permpip write new files), which keeps restoring a venv cheap."""

    where: Path
    done: dict[str, Completed] = field(default_factory=dict)

    def restore(self, key: str, root: Path) -> Completed | None:
        if key not in self.done:
            return None
        shutil.rmtree(root)
        shutil.copytree(self.where / key, root, symlinks=True, copy_function=os.link)
        return self.done[key]

    def keep(self, key: str, root: Path, done: Completed) -> None:
        shutil.copytree(root, self.where / key, symlinks=True, copy_function=os.link)
        self.done[key] = done


def _contents(path: Path) -> bytes:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return b"".join(_key(str(p.relative_to(path) if path.is_dir() else p.name),
                         p.read_bytes()).encode() for p in files)


@dataclass
class HostBuild:
    """A Dockerfile carried out under ``base`` (see the module docstring)."""

    base: Path
    env: dict[str, str]
    build_args: dict[str, str]
    cache: LayerCache
    stages: dict[str, Stage] = field(default_factory=dict)
    log: list[Completed] = field(default_factory=list)

    def rebase(self, text: str, stage: Stage) -> str:
        """The Dockerfile's absolute paths under /opt and /app, moved under the root."""
        return re.sub(r"(?<![\w.$/-])/(?=(?:opt|app)(?:/|\b))", f"{stage.root}/", text)

    def path(self, stage: Stage, where: str) -> Path:
        where = where if where.startswith("/") else f"{stage.workdir.rstrip('/')}/{where}"
        return Path(self.rebase(where, stage))

    def run(self, dockerfile: Path) -> Completed | None:
        """Every instruction in order; the first RUN that fails ends the build (returned)."""
        global_args: dict[str, str] = {}
        stage: Stage | None = None
        for keyword, args in instructions(dockerfile.read_text()):
            if keyword == "ARG":
                name, _, default = args.partition("=")
                value = self.build_args.get(name, default)
                if stage is None:
                    global_args[name] = value
                else:
                    stage.env[name] = value
                    stage.key = _key(stage.key, "ARG", name, value)
            elif keyword == "FROM":
                image, _, name = substitute(args, global_args).partition(" AS ")
                assert re.fullmatch(r"python:3\.\d+-slim", image), image
                root = self.base / f"stage{len(self.stages)}"
                if root.exists():
                    shutil.rmtree(root)  # the previous build's
                root.mkdir()
                stage = Stage(root=root, env=dict(self.env), key=_key("FROM", image))
                self.stages[name.strip() or root.name] = stage
            else:
                assert stage is not None, f"{keyword} before FROM"
                done = self.step(stage, keyword, args, dockerfile.parent)
                if done is not None and done.returncode != 0:
                    return done
        return None

    def step(self, stage: Stage, keyword: str, args: str, context: Path) -> Completed | None:
        stage.key = _key(stage.key, keyword, args)
        if keyword == "ENV":
            name, _, value = args.partition("=")
            stage.env[name] = substitute(self.rebase(value, stage), stage.env)
        elif keyword == "WORKDIR":
            stage.workdir = substitute(args, stage.env)
            self.path(stage, ".").mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *flags_and_sources, dest = args.split()
            flags = [f for f in flags_and_sources if f.startswith("--")]
            sources = [s for s in flags_and_sources if not s.startswith("--")]
            origin = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
            target = self.path(stage, dest)
            for src in sources:
                if origin is None:
                    source = context / src
                    stage.key = _key(stage.key, _contents(source))
                else:
                    source = self.path(self.stages[origin], src)
                    stage.key = _key(stage.key, self.stages[origin].key)
                if source.is_dir():
                    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
                else:
                    into = dest.endswith("/") or len(sources) > 1
                    final = target / source.name if into else target
                    final.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, final)
        elif keyword == "RUN":
            done = self.cache.restore(stage.key, stage.root)
            if done is None:
                done = run_process(["/bin/sh", "-c", self.rebase(args, stage)], env=stage.env,
                                   cwd=self.path(stage, "."), timeout=600)
                if done.returncode == 0:
                    self.cache.keep(stage.key, stage.root, done)
            self.log.append(done)
            return done
        elif keyword == "CMD":
            stage.cmd = json.loads(args)
        else:
            raise AssertionError(f"the host build does not know {keyword}")
        return None

    def final(self) -> Stage:
        return list(self.stages.values())[-1]

    def start(self) -> Completed:
        """The final stage's CMD, as ``docker run`` would start it."""
        stage = self.final()
        return run_process([self.rebase(a, stage) for a in stage.cmd], env=stage.env,
                           cwd=self.path(stage, "."), timeout=120)


def host_build(recipe: Recipe, tmp: Path, dockerfile: str, requirements: str,
               policy: str) -> tuple[HostBuild, Completed | None]:
    context = recipe.context(tmp / "context", dockerfile, requirements, policy)
    build = recipe.host_build()
    return build, build.run(context / "Dockerfile")


@pytest.mark.e2e
@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_recipe_installs_the_granted_set_into_the_app_venv(
        recipe: Recipe, tmp_path: Path, dockerfile: str) -> None:
    build, failed = host_build(recipe, tmp_path, dockerfile, "clean-lib\n", ALLOWED_POLICY)
    assert failed is None, (failed.stdout[-3000:], failed.stderr[-3000:]) if failed else ""
    gate = build.log[-1]
    assert gate.stdout.splitlines()[-2:] == [
        "allowed: 1 package within the policy (policy: pyproject.toml)", "installed"], gate.stdout
    final = build.final()
    assert installed(final.root / "app" / "venv" / "bin" / "python") == {"clean-lib": "1.0"}
    started = build.start()
    assert (started.returncode, started.stdout, started.stderr) == (0, "app: 2 + 3 = 5\n", "")
    if dockerfile == "Dockerfile":  # the final stage holds the app's venv, nothing of permpip
        assert sorted(p.name for p in final.root.iterdir()) == ["app"]
        assert sorted(p.name for p in (final.root / "app").iterdir()) == ["app.py", "venv"]
    else:
        assert installed(final.root / "opt" / "permpip" / "bin" / "python")["permpip"] == "0.1.0"


@pytest.mark.e2e
def test_recipe_refusal_fails_the_step_and_installs_nothing(
        recipe: Recipe, tmp_path: Path) -> None:
    build, failed = host_build(recipe, tmp_path, "Dockerfile", "cap-network\n",
                               REFUSING_POLICY)
    assert failed is not None and failed is build.log[-1]
    assert failed.returncode == 1, (failed.stdout[-3000:], failed.stderr[-3000:])
    assert REFUSAL in failed.stdout
    assert "cap_network/__init__.py:7 socket.create_connection" in failed.stdout
    assert failed.stdout.splitlines()[-1] == "nothing installed"
    assert installed(build.stages["build"].root / "app" / "venv" / "bin" / "python") == {}
    assert list(build.stages) == ["build"]  # the final stage never started


def test_the_two_dockerfiles_gate_with_the_same_lines() -> None:
    """The single-stage variant runs the multi-stage one's RUN lines, word for word."""
    runs = [[a for k, a in instructions((SAMPLE / f).read_text()) if k == "RUN"]
            for f in DOCKERFILES]
    assert runs[0] == runs[1] and len(runs[0]) == 2


def test_the_docs_show_the_sample_dockerfile() -> None:
    """docs/docker.md shows the sample's Dockerfile as it is (header comment aside); the
    README shows some of its instructions, in order, with the default image written out."""
    sample = (SAMPLE / "Dockerfile").read_text()
    body = sample[sample.index("ARG PYTHON_IMAGE"):]
    blocks = [re.findall(r"```dockerfile\n(.*?)```", (REPO / doc).read_text(), re.S)
              for doc in ("docs/docker.md", "README.md")]
    assert [len(b) for b in blocks] == [1, 1]
    assert blocks[0][0] == body
    default = re.search(r"ARG PYTHON_IMAGE=(\S+)", body)
    assert default is not None
    wanted = iter((k, a.replace("${PYTHON_IMAGE}", default.group(1)))
                  for k, a in instructions(body))
    shown = instructions(blocks[1][0])
    assert all(line in wanted for line in shown), shown  # a subsequence, in order
    assert len(shown) >= 8


# -- a real docker build (opt-in) -------------------------------------------------------------


def _opted_in(config: pytest.Config) -> bool:
    expr = str(config.getoption("markexpr") or "")
    return bool(re.search(r"\bdocker\b", expr)) and not re.search(r"\bnot\s+docker\b", expr)


def docker(*args: str, timeout: float = 60) -> Completed:
    try:
        done = subprocess.run(["docker", *args], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Completed(argv=("docker", *args), returncode=-1, stdout="", stderr=str(exc))
    return Completed(argv=("docker", *args), returncode=done.returncode,
                     stdout=done.stdout, stderr=done.stderr)


BASE_IMAGE = f"python:{sys.version_info.major}.{sys.version_info.minor}-slim"


@pytest.fixture(scope="module")
def docker_ready(request: pytest.FixtureRequest) -> str:
    """The base image, once a Docker daemon answers, has it, and lets a build container
    reach the test index on the host's 127.0.0.1 (else: skip, saying why)."""
    if not _opted_in(request.config):
        pytest.skip("opt-in: pytest -m docker (runs a real docker build)")
    if shutil.which("docker") is None:
        pytest.skip("no docker command on PATH")
    info = docker("info", "--format", "{{.ServerVersion}}", timeout=30)
    if info.returncode != 0:
        pytest.skip(f"no Docker daemon answers: {(info.stderr or info.stdout).strip()[:200]}")
    if docker("image", "inspect", BASE_IMAGE).returncode != 0:
        pulled = docker("pull", BASE_IMAGE, timeout=600)
        if pulled.returncode != 0:
            pytest.skip(f"base image {BASE_IMAGE} unavailable (offline?): "
                        f"{pulled.stderr.strip()[:200]}")
    recipe: Recipe = request.getfixturevalue("recipe")
    probe = docker("run", "--rm", "--network", "host", BASE_IMAGE, "python", "-c",
                   f"import urllib.request; urllib.request.urlopen({recipe.index.url!r})",
                   timeout=120)
    if probe.returncode != 0:
        pytest.skip("a container with --network host cannot reach the test index on the "
                    "host's 127.0.0.1 (a Docker daemon in a VM, or rootless?): "
                    f"{probe.stderr.strip()[-200:]}")
    return BASE_IMAGE


@pytest.fixture
def image_tag() -> Iterator[str]:
    tag = f"permpip-test-{uuid.uuid4().hex[:12]}"
    yield tag
    docker("image", "rm", "--force", tag)


def docker_build(recipe: Recipe, context: Path, tag: str) -> Completed:
    return docker("build", "--no-cache", "--network", "host", "--progress", "plain", "--tag", tag,
                  "--build-arg", f"PYTHON_IMAGE={BASE_IMAGE}",
                  "--build-arg", f"PIP_INDEX_URL={recipe.index.url}", str(context),
                  timeout=900)


@pytest.mark.docker
@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_docker_build_gates_the_app_venv(docker_ready: str, recipe: Recipe, tmp_path: Path,
                                         image_tag: str, dockerfile: str) -> None:
    context = recipe.context(tmp_path / "context", dockerfile, "clean-lib\n", ALLOWED_POLICY)
    seen = len(recipe.index.requests_seen())
    built = docker_build(recipe, context, image_tag)
    output = built.stdout + built.stderr  # BuildKit prints on stderr, the legacy builder not
    assert built.returncode == 0, output[-4000:]
    assert "allowed: 1 package within the policy (policy: pyproject.toml)" in output
    started = docker("run", "--rm", image_tag, timeout=120)
    assert (started.returncode, started.stdout) == (0, "app: 2 + 3 = 5\n"), started.stderr
    listed = docker("run", "--rm", image_tag, "python", "-c",
                    "import importlib.metadata as m, os; "
                    "print(sorted(d.metadata['Name'] for d in m.distributions()), "
                    "os.path.exists('/opt/permpip'))", timeout=120)
    has_permpip = dockerfile != "Dockerfile"
    assert listed.stdout == f"['clean-lib'] {has_permpip}\n", listed.stderr
    served = recipe.index.requests_seen()[seen:]
    assert any(p.endswith("/files/clean_lib-1.0-py3-none-any.whl") for p in served)
    assert any("/files/requests-" in p for p in served)  # permpip's own dependencies too


@pytest.mark.docker
def test_docker_build_fails_on_a_refusal(docker_ready: str, recipe: Recipe, tmp_path: Path,
                                         image_tag: str) -> None:
    context = recipe.context(tmp_path / "context", "Dockerfile", "cap-network\n",
                             REFUSING_POLICY)
    built = docker_build(recipe, context, image_tag)
    output = built.stdout + built.stderr
    assert built.returncode == 1, output[-4000:]
    assert REFUSAL in output
    assert "cap_network/__init__.py:7 socket.create_connection" in output
    assert "nothing installed" in output
    assert re.search(r"returned a non-zero code: 1|did not complete successfully: exit code: 1",
                     output), output[-2000:]
    assert docker("image", "inspect", image_tag).returncode != 0
