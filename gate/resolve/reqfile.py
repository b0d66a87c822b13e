"""Everything pip (or uv) reads besides its command line, read by permpip instead.

    read_settings(options, *, target_python, cwd, env) -> Settings
    read_files(settings, *, cwd, env, target) -> Inputs

The resolver then runs hermetically (pip: ``--isolated``, ``PIP_CONFIG_FILE=os.devnull``, no
``PIP_*`` variables; uv: ``--no-config``, no ``UV_*`` settings) with explicit options, one
flattened requirements file and one flattened constraints file: nothing it reads on its own
can make it build an sdist before permpip has scanned and approved it. Each input is either
read here or refused with one line that names it and where it came from (``UsageError``,
exit 2: the input asks for something permpip will not do, and the user changes the input).

**Settings** (``read_settings``): for pip, its configuration files as pip running under the
TARGET loads them (``gate.fetch.pip_config_items``: global, user, ``<TARGET prefix>/pip.conf``,
``PIP_CONFIG_FILE``, then ``PIP_*``; ``--isolated`` as pip) become options placed before the
command line's, so the command line wins as it does in pip. Network and index settings,
``--pre``, ``--no-deps``, caches and the like are passed on; ``no-binary``/``only-binary``
feed permpip's ``FormatControl``; ``requirement``, ``constraint``, ``group`` and
``requirements-from-script`` are read like the command line's. Refused: ``editable``
(``PIP_EDITABLE``), ``config-settings``, a ``no-build-isolation`` that turns isolation off,
a ``python`` other than the target, and pip's internal ``_PIP_IN_BUILD_IGNORE_CONSTRAINTS``.
Install-step and output settings (``target``, ``user``, ``verbose`` ...) do not concern
resolution; the install step reads them itself. Keys pip's install command does not have
are ignored, as pip ignores them.

For uv: ``UV_*`` variables and the configuration files uv would use (``UV_CONFIG_FILE``; else,
unless ``UV_NO_CONFIG`` or ``--isolated``, the nearest ``uv.toml``/``pyproject.toml [tool.uv]``
from the working directory up, the user's and the system's ``uv.toml``), top-level keys and
``[pip]``. Indexes, find-links, ``no-binary``/``no-build`` (to ``FormatControl``),
``constraint-dependencies`` and ``UV_CONSTRAINT`` are read; ``resolution``, ``index-strategy``,
``exclude-newer``, ``prerelease`` and TLS settings are passed to ``uv pip compile``;
``sources``, ``override-dependencies``, ``UV_OVERRIDE``, ``no-build-isolation``,
``config-settings``, ``dependency-metadata`` and the other settings that change builds or the
resolved set in ways permpip cannot carry are refused; settings that do not concern
``uv pip compile`` (Python downloads, publishing, output format ...) are ignored.

**Files** (``read_files``): requirement and constraint files at any depth, local or by URL
(downloaded with permpip's ``http_get`` and the run's HTTP settings), with pip's own line
reader (``pip._internal.req.req_file``: continuation lines, comments, ``${VAR}`` expansion,
BOMs and PEP 263 cookies, the optparse option table of requirement files) and pip's rules for
nested paths (relative to the including file, ``urljoin`` below a URL) and for option lines
(``handle_option_line``: ``--index-url`` replaces every index so far, ``-f`` relative to the
file ...). Constraint files first, then requirement files, as pip reads them. Option lines
become explicit options; ``--no-binary``/``--only-binary`` (also on requirement lines, as in
pip) go to ``FormatControl``; ``--config-settings`` on a requirement and an option pip does
not know in a requirements file are refused. Dependency groups (``--group``) and PEP 723
script metadata (``--requirements-from-script``) are read with pip's own readers.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urljoin, urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from gate.errors import UsageError
from gate.fetch import HttpSettings, http_get, make_session, pip_config_items, redact, url2pathname
from gate.options import _PIP, Backend, GateOptions, PipOption, Step
from gate.resolve.parsed import ParsedCache, Recorded, RecordingEnv

PYPI = "https://pypi.org/simple"  # pip's default --index-url
MAX_FILES = 200  # requirement files read in one run (a server could nest forever)
_SCHEME = re.compile(r"^(http|https|file):", re.I)  # pip's req_file.SCHEME_RE


# -- format control: --no-binary / --only-binary, decided by permpip ------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class FormatControl:
    """pip's ``--no-binary``/``--only-binary`` sets, with pip's precedence."""

    no_binary: frozenset[str] = frozenset()
    only_binary: frozenset[str] = frozenset()

    def add(self, option: str, value: str) -> FormatControl:
        target, other = ((set(self.no_binary), set(self.only_binary))
                         if option == "--no-binary" else
                         (set(self.only_binary), set(self.no_binary)))
        for item in value.split(","):
            item = item.strip()
            if item == ":all:":
                other.clear()
                target.clear()
                target.add(":all:")
            elif item == ":none:":
                target.clear()
            elif item:
                name = canonicalize_name(item)
                other.discard(name)
                target.add(name)
        if option == "--no-binary":
            return FormatControl(no_binary=frozenset(target), only_binary=frozenset(other))
        return FormatControl(no_binary=frozenset(other), only_binary=frozenset(target))

    def source_only(self, name: str) -> bool:
        """Must ``name`` be built from its sdist (pip's ``get_allowed_formats``)?"""
        if name in self.only_binary:
            return False
        if name in self.no_binary:
            return True
        return ":all:" not in self.only_binary and ":all:" in self.no_binary


# -- what was read ---------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True, slots=True)
class ReqLine:
    """One requirement or constraint read from a file, a dependency group or a script."""

    spec: str  # as pip reads it (environment variables expanded)
    where: str  # "reqs/b.txt:3", "pyproject.toml [dependency-groups] dev"
    text: str = ""  # the logical line as written, for messages
    constraint: bool = False
    editable: bool = False
    hashes: tuple[str, ...] = ()  # "sha256:ab12..." from --hash
    top: str = ""  # the file named on the command line (or in the configuration)

    def line(self) -> str:
        """The line written to the flattened file the resolver reads."""
        return " ".join([self.spec, *(f"--hash={h}" for h in self.hashes)])


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """The command line with pip's (or uv's) configuration and environment merged in."""

    options: GateOptions  # config_read=True; configuration options carry their origin
    constraints: tuple[ReqLine, ...] = ()  # uv's constraint-dependencies


@dataclass(frozen=True, kw_only=True, slots=True)
class Inputs:
    """Everything the resolver is to read, explicit."""

    options: GateOptions  # no -r/-c/--group/--requirements-from-script; file options applied
    requirements: tuple[ReqLine, ...]  # from files, groups and scripts (not the command line)
    constraints: tuple[ReqLine, ...]
    format_control: FormatControl
    remote: bool = False  # some file was read from a URL


def shown_path(path: str | Path, cwd: Path) -> str:
    """A path as messages show it: relative to ``cwd`` when below it."""
    try:
        rel = Path(path).resolve().relative_to(cwd.resolve())
    except (ValueError, OSError):
        return str(path)
    return str(rel)


def _named(origin: str | None, name: str, value: str | None) -> str:
    """Where an option came from: ``-r x.txt`` or ``PIP_REQUIREMENT (environment)``."""
    return origin if origin is not None else f"{name} {value}" if value is not None else name


# -- settings: configuration and environment ------------------------------------------------

def read_settings(options: GateOptions, *, target_python: str, cwd: Path,
                  env: Mapping[str, str]) -> Settings:
    """``options`` with the configuration and environment the backend would read merged in.

    Configuration options come first, so the command line's win as they do in pip and uv.
    """
    if options.config_read:
        return Settings(options=options)
    if options.backend is Backend.UV:
        uv = _UvSettings(options, cwd=cwd, env=env)
        uv.read()
        return Settings(options=replace(options, pip_options=(*uv.out, *options.pip_options),
                                        uv_args=tuple(uv.uv_args), config_read=True),
                        constraints=tuple(uv.constraints))
    extra = _pip_settings(options, target_python=target_python, env=env)
    return Settings(options=replace(options, pip_options=(*extra, *options.pip_options),
                                    config_read=True))


# pip install options whose configured values matter to resolution: passed on explicitly
# (requirement sources and format control are read by permpip).
_PIP_RESOLUTION = frozenset("""
    --index-url --extra-index-url --no-index --find-links --trusted-host --cert --client-cert
    --proxy --no-proxy-env --timeout --retries --resume-retries --keyring-provider --pre
    --all-releases --only-final --prefer-binary --uploaded-prior-to --ignore-requires-python
    --python-version --platform --implementation --abi --no-deps --only-deps
    --upgrade-strategy --cache-dir --no-cache-dir --use-feature --use-deprecated
    --refresh-package --build-constraint --requirement --constraint --group
    --requirements-from-script --no-binary --only-binary
""".split())


def _config_bool(key: str, val: str, origin: str) -> bool:
    """A configured flag's value as pip reads it (``strtobool``)."""
    from pip._internal.utils.misc import strtobool

    try:
        return bool(strtobool(val))
    except ValueError:
        raise UsageError(f"{origin}: {val!r} is not a valid value for {key} (pip takes "
                         "yes/no, true/false or 1/0)") from None


def _step(name: str) -> Step:
    return _PIP[name][1] if name in _PIP else Step.RESOLVE


class _StaticOption:
    """One option of ``pip install`` as ``gate.resolve.pip_options`` holds it: what
    ``optparse.Option`` gives the readers below."""

    __slots__ = ("_name", "action", "dest")

    def __init__(self, name: str, dest: str, action: str) -> None:
        self._name, self.dest, self.action = name, dest, action

    def get_opt_string(self) -> str:
        return self._name


class _StaticParser:
    def get_option(self, spelling: str) -> _StaticOption | None:
        from gate.resolve.pip_options import INSTALL_OPTIONS

        found = INSTALL_OPTIONS.get(spelling)
        return _StaticOption(*found) if found is not None else None


def install_parser(isolated: bool) -> Any:  # noqa: ANN401 - optparse's parser, or its table
    """What ``pip install``'s parser says of an option (``get_option("--key")``): the table
    of ``gate.resolve.pip_options`` when the pip permpip runs is the version it was read from
    (tests/resolve/test_pip_options.py checks it against the parser), else pip's parser
    itself (importing pip's install command: ~0.4-1 s of CPU)."""
    import pip

    from gate.resolve.pip_options import PIP_VERSION

    if pip.__version__ == PIP_VERSION:
        return _StaticParser()
    from pip._internal.commands import create_command

    return create_command("install", isolated=isolated).parser


def _pip_settings(options: GateOptions, *, target_python: str,
                  env: Mapping[str, str]) -> list[PipOption]:
    """pip's configuration as options, in pip's order (``ConfigOptionParser._update_defaults``:
    a later value of an option replaces an earlier one, callbacks accumulate)."""
    if env.get("_PIP_IN_BUILD_IGNORE_CONSTRAINTS") == "1":
        raise UsageError("_PIP_IN_BUILD_IGNORE_CONSTRAINTS (environment): pip's internal "
                         "variable makes pip ignore your constraints; unset it")
    isolated = options.flag("--isolated")
    items = pip_config_items(isolated=isolated, python=options.python, env=env)
    if not items:
        return []
    parser = install_parser(isolated)  # pip's table of options
    stores: dict[str, list[PipOption]] = {}  # dest -> its latest value, as options
    callbacks: list[PipOption] = []
    for key, val, origin in items:
        option = parser.get_option("--" + key)
        if option is None or option.dest is None:
            continue  # not an option of `pip install`: pip ignores it too
        name, dest, action = option.get_opt_string(), option.dest, option.action
        if action in ("store_true", "store_false"):
            on = _config_bool(key, val, origin)
            if dest == "build_isolation" and not on:  # pip's dest = strtobool(value)
                raise UsageError(f"{origin} = {val}: pip would build without isolation; "
                                 "permpip builds every approved sdist in isolation, with only "
                                 "scanned build requirements", hint="unset it")
            if name in _PIP_RESOLUTION:
                stores[dest] = [PipOption(name=name, value=None, step=_step(name),
                                          origin=origin)] if on else []
        elif dest == "editables":
            raise UsageError(f"{origin}: editable requirements are taken from the command "
                             "line only", hint="name the project: permpip install -e DIR")
        elif dest == "config_settings":
            raise UsageError(f"{origin}: build settings from pip's configuration are not "
                             "supported (permpip builds approved sdists itself)",
                             hint="unset it")
        elif dest == "python":
            from pip._internal.cli.main_parser import identify_python_interpreter

            found = identify_python_interpreter(val) or val
            if os.path.abspath(found) != os.path.abspath(target_python):
                raise UsageError(f"{origin} = {val}: pip would install into that interpreter, "
                                 f"not {target_python}",
                                 hint=f"pass --python {val} to permpip, or unset it")
        elif name not in _PIP_RESOLUTION or action == "count":
            continue  # install step, output: pip reads them itself when it installs
        elif action == "callback":
            if name == "--no-cache-dir":
                callbacks.append(PipOption(name=name, value=None, step=_step(name),
                                           origin=origin))
            else:
                callbacks.append(PipOption(name=name, value=val, step=_step(name),
                                           origin=origin))
        elif action == "append":
            stores[dest] = [PipOption(name=name, value=v, step=_step(name), origin=origin)
                            for v in val.split()]
        else:
            stores[dest] = [PipOption(name=name, value=val, step=_step(name), origin=origin)]
    return [o for opts in stores.values() for o in opts] + callbacks


# pip install options whose configured values steer the install step: read here and passed
# on explicitly, so the install step runs --isolated like the resolver.
_PIP_INSTALL = frozenset("""
    --target --prefix --root --user --upgrade --force-reinstall --ignore-installed --compile
    --no-compile --no-warn-script-location --no-warn-conflicts --break-system-packages
    --dry-run --root-user-action --progress-bar --exists-action
""".split())


def install_settings(options: GateOptions, *, target_python: str,
                     env: Mapping[str, str]) -> GateOptions:
    """``options`` with the install-step settings of pip's configuration and ``PIP_*``
    variables merged in ahead of the command line's (``--user``, ``--target``, ``--prefix``,
    ``--dry-run``, ``--upgrade`` ...): the install step then runs without configuration and
    permpip knows where and whether it installs. Only for the pip backend (uv's install
    step runs with ``--no-config``)."""
    if options.backend is Backend.UV:
        return options
    isolated = options.flag("--isolated")
    items = list(pip_config_items(isolated=isolated, python=options.python, env=env))
    if not items:
        return options
    parser = install_parser(isolated)
    stores: dict[str, list[PipOption]] = {}
    for key, val, origin in items:
        option = parser.get_option("--" + key)
        if option is None or option.dest is None:
            continue
        name, dest, action = option.get_opt_string(), option.dest, option.action
        if name not in _PIP_INSTALL:
            continue
        if action in ("store_true", "store_false"):
            on = _config_bool(key, val, origin)
            stores[dest] = [PipOption(name=name, value=None, step=Step.INSTALL,
                                      origin=origin)] if on else []
        else:
            stores[dest] = [PipOption(name=name, value=val, step=Step.INSTALL, origin=origin)]
    extra = [o for opts in stores.values() for o in opts]
    return replace(options, pip_options=(*extra, *options.pip_options)) if extra else options


# -- uv: UV_* variables and uv.toml / [tool.uv] ---------------------------------------------

_TRUE = ("1", "true", "yes", "y", "on", "t")
_FALSE = ("0", "false", "no", "n", "off", "f", "")

# Keys that do not change what `uv pip compile --no-build` resolves, or that permpip sets
# itself (python, output): ignored. Project-only keys of [tool.uv] are among them.
_UV_IGNORED = frozenset("""
    required-version preview preview-features python-preference python-downloads
    concurrent-downloads concurrent-builds concurrent-installs link-mode compile-bytecode
    upgrade upgrade-package reinstall reinstall-package python-install-mirror
    pypy-install-mirror python-downloads-json-url publish-url trusted-publishing check-url
    add-bounds audit cache-keys environments required-environments conflicts workspace
    managed package default-groups dependency-groups dev-dependencies build-backend
    no-sources no-sources-package python system break-system-packages target prefix strict
    output-file no-strip-extras no-strip-markers no-annotate no-header custom-compile-command
    generate-hashes emit-index-url emit-find-links emit-build-options emit-marker-expression
    emit-index-annotation annotation-style require-hashes verify-hashes
    allow-empty-requirements no-emit-package universal
""".split())
_UV_PASSED = {"resolution": "--resolution", "index-strategy": "--index-strategy",
              "exclude-newer": "--exclude-newer", "fork-strategy": "--fork-strategy"}
_UV_ENV_PASSED = {"UV_RESOLUTION": "--resolution", "UV_INDEX_STRATEGY": "--index-strategy",
                  "UV_EXCLUDE_NEWER": "--exclude-newer", "UV_FORK_STRATEGY": "--fork-strategy"}
_UV_ENV_REFUSED = {
    "UV_OVERRIDE": "overrides replace what packages ask for; permpip resolves with pip's "
                   "semantics, which have no overrides",
    "UV_EXCLUDE": "excluded dependencies have no pip equivalent",
    "UV_TORCH_BACKEND": "it picks indexes per package",
    "UV_WORKING_DIRECTORY": "it changes where uv reads paths and configuration",
    "UV_WORKING_DIR": "it changes where uv reads paths and configuration",
    "UV_PROJECT": "it changes where uv reads its configuration",
}


def _uv_bool(value: str, origin: str) -> bool:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise UsageError(f"{origin}: {value!r} is not a boolean")


class _UvSettings:
    """uv's configuration files and ``UV_*`` variables as pip-named options (uv's
    precedence: system < user < project files, top-level keys < ``[pip]``, files <
    environment < command line)."""

    def __init__(self, options: GateOptions, *, cwd: Path, env: Mapping[str, str]) -> None:
        self.options = options
        self.cwd = cwd
        self.env = env
        self.out: list[PipOption] = []
        self.uv_args: list[str] = []
        self.constraints: list[ReqLine] = []

    def read(self) -> None:
        files = self._files()
        for path, table, pyproject in files:  # lowest precedence first
            top = {k: v for k, v in table.items() if k != "pip"}
            self._table(path, top, "[tool.uv] " if pyproject else "", pip_section=False)
        for path, table, pyproject in files:
            pip = table.get("pip")
            if isinstance(pip, dict):
                self._table(path, pip, "[tool.uv.pip] " if pyproject else "[pip] ",
                            pip_section=True)
        self._environment()

    # which files uv reads (uv's lib.rs: --config-file, else project + user + system)
    def _files(self) -> list[tuple[Path, dict[str, Any], bool]]:
        """(path, table, is a pyproject.toml), lowest precedence first."""
        env = self.env
        config_file = env.get("UV_CONFIG_FILE")
        if config_file:
            path = Path(config_file)
            path = path if path.is_absolute() else self.cwd / path
            return [(path, self._load(path), False)]
        no_config = any(_uv_bool(env.get(v, ""), f"{v} (environment)")
                        for v in ("UV_NO_CONFIG", "UV_ISOLATED"))
        if no_config or self.options.flag("--isolated"):
            return []
        found: list[tuple[Path, dict[str, Any], bool]] = []
        if not _uv_bool(env.get("UV_NO_SYSTEM_CONFIG", ""), "UV_NO_SYSTEM_CONFIG (environment)"):
            dirs = [d for d in env.get("XDG_CONFIG_DIRS", "").split(":") if d] or ["/etc/xdg"]
            system = next((Path(d) / "uv" / "uv.toml" for d in dirs
                           if (Path(d) / "uv" / "uv.toml").is_file()), Path("/etc/uv/uv.toml"))
            if system.is_file():
                found.append((system, self._load(system), False))
        home = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME", "~"), ".config")
        user = Path(os.path.expanduser(home)) / "uv" / "uv.toml"
        if user.is_file():
            found.append((user, self._load(user), False))
        for directory in [self.cwd, *self.cwd.parents]:
            if (directory / "uv.toml").is_file():
                found.append((directory / "uv.toml", self._load(directory / "uv.toml"), False))
                break
            pyproject = directory / "pyproject.toml"
            if pyproject.is_file():
                try:
                    tool = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
                except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                    continue  # uv warns and goes on
                if isinstance(tool, dict) and isinstance(tool.get("uv"), dict):
                    found.append((pyproject, tool["uv"], True))
                    break
        return found

    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"{path}: cannot read uv's configuration: {exc}") from None

    def _opt(self, name: str, value: str | None, origin: str) -> None:
        self.out.append(PipOption(name=name, value=value, step=_step(name), origin=origin))

    def _location(self, value: str, base: Path) -> str:
        """A configured URL or path; relative paths are relative to the file (uv's rule)."""
        if "://" in value or os.path.isabs(value):
            return value
        return str((base / value).resolve())

    def _table(self, path: Path, table: dict[str, Any], section: str, *,
               pip_section: bool) -> None:
        for key, value in table.items():
            self._key(key, value, f"{path}: {section}{key}", path.parent, pip_section)

    def _key(self, key: str, value: Any, origin: str, base: Path,  # noqa: ANN401
             pip_section: bool) -> None:
        def strings() -> list[str]:
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(i, str) for i in items):
                raise UsageError(f"{origin}: expected a string or a list of strings")
            return items

        if key in _UV_IGNORED:
            return
        if key == "index-url":
            self._opt("--index-url", self._location(strings()[0], base), origin)
        elif key == "extra-index-url":
            for url in strings():
                self._opt("--extra-index-url", self._location(url, base), origin)
        elif key == "find-links":
            for url in strings():
                self._opt("--find-links", self._location(url, base), origin)
        elif key == "no-index":
            if value is True:
                self._opt("--no-index", None, origin)
        elif key == "index":
            self._indexes(value, origin, base)
        elif key in ("no-binary", "only-binary") and pip_section:
            for name in strings():  # [pip] no-binary = [":all:", "pkg"]
                self._opt(f"--{key}", name, origin)
        elif key in ("no-binary", "no-build"):
            if value is True:
                self._opt("--no-binary" if key == "no-binary" else "--only-binary", ":all:",
                          origin)
        elif key in ("no-binary-package", "no-build-package"):
            for name in strings():
                self._opt("--no-binary" if key == "no-binary-package" else "--only-binary",
                          name, origin)
        elif key == "prerelease":
            self._prerelease(strings()[0], origin)
        elif key in _UV_PASSED:
            self.uv_args += [_UV_PASSED[key], str(value)]
        elif key == "allow-insecure-host":
            for host in strings():
                self._opt("--trusted-host", host, origin)
        elif key == "keyring-provider":
            self._opt("--keyring-provider", strings()[0], origin)
        elif key == "cache-dir":
            self._opt("--cache-dir", self._location(strings()[0], base), origin)
        elif key == "no-cache":
            if value is True:
                self._opt("--no-cache-dir", None, origin)
        elif key in ("native-tls", "system-certs", "offline"):
            if value is True:
                self.uv_args.append(f"--{key}")
        elif key == "no-deps" and pip_section:
            if value is True:
                self._opt("--no-deps", None, origin)
        elif key == "python-version" and pip_section:
            self._opt("--python-version", str(value), origin)
        elif key == "constraint-dependencies":
            self.constraints += [ReqLine(spec=spec, where=origin, text=spec, constraint=True)
                                 for spec in strings()]
        elif key in ("no-build-isolation", "no-build-isolation-package") and not value:
            return  # isolation stays on
        else:
            raise UsageError(f"{origin}: permpip cannot honour this uv setting (it changes "
                             "what is built or resolved in a way permpip does not carry "
                             "over)", hint="remove it, or use --backend pip")

    def _indexes(self, value: Any, origin: str, base: Path) -> None:  # noqa: ANN401
        if not isinstance(value, list):
            raise UsageError(f"{origin}: expected a list of tables")
        for entry in value:
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                raise UsageError(f"{origin}: every index needs a url")
            if entry.get("explicit") is True:
                continue  # used only through [tool.uv.sources], which permpip refuses
            url = self._location(entry["url"], base)
            if entry.get("format") == "flat":
                self._opt("--find-links", url, origin)
            elif entry.get("default") is True:
                self._opt("--index-url", url, origin)
            else:
                self._opt("--extra-index-url", url, origin)

    def _prerelease(self, mode: str, origin: str) -> None:
        if mode == "allow":
            self._opt("--pre", None, origin)
        else:
            self.uv_args += ["--prerelease", mode]

    def _environment(self) -> None:
        env = self.env
        for var, why in _UV_ENV_REFUSED.items():
            if env.get(var):
                raise UsageError(f"{var} (environment): permpip cannot honour it ({why})",
                                 hint="unset it, or use --backend pip")
        if _uv_bool(env.get("UV_NO_BUILD_ISOLATION", ""), "UV_NO_BUILD_ISOLATION (environment)"):
            raise UsageError("UV_NO_BUILD_ISOLATION (environment): permpip builds every "
                             "approved sdist in isolation, with only scanned build requirements",
                             hint="unset it")

        def words(var: str, sep: str | None = None) -> list[str]:
            return [w for w in (env.get(var) or "").split(sep) if w.strip()]

        def origin(var: str) -> str:
            return f"{var} (environment)"

        def url_of(item: str) -> str:  # "[name=]url"
            name, eq, url = item.partition("=")
            return url if eq and "://" not in name and ":" not in name else item

        for var in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
            for item in words(var):
                self._opt("--index-url", url_of(item), origin(var))
        for var in ("UV_INDEX", "UV_EXTRA_INDEX_URL"):
            for item in words(var):
                self._opt("--extra-index-url", url_of(item), origin(var))
        for item in words("UV_FIND_LINKS", ","):
            self._opt("--find-links", item.strip(), origin("UV_FIND_LINKS"))
        for item in words("UV_CONSTRAINT"):
            self._opt("--constraint", item, origin("UV_CONSTRAINT"))
        for item in words("UV_BUILD_CONSTRAINT"):
            self._opt("--build-constraint", item, origin("UV_BUILD_CONSTRAINT"))
        for item in words("UV_INSECURE_HOST"):
            self._opt("--trusted-host", item, origin("UV_INSECURE_HOST"))
        if _uv_bool(env.get("UV_NO_BINARY", ""), origin("UV_NO_BINARY")):
            self._opt("--no-binary", ":all:", origin("UV_NO_BINARY"))
        for item in words("UV_NO_BINARY_PACKAGE"):
            self._opt("--no-binary", item, origin("UV_NO_BINARY_PACKAGE"))
        if _uv_bool(env.get("UV_NO_BUILD", ""), origin("UV_NO_BUILD")):
            self._opt("--only-binary", ":all:", origin("UV_NO_BUILD"))
        for item in words("UV_NO_BUILD_PACKAGE"):
            self._opt("--only-binary", item, origin("UV_NO_BUILD_PACKAGE"))
        if env.get("UV_PRERELEASE"):
            self._prerelease(env["UV_PRERELEASE"], origin("UV_PRERELEASE"))
        if env.get("UV_KEYRING_PROVIDER"):
            self._opt("--keyring-provider", env["UV_KEYRING_PROVIDER"],
                      origin("UV_KEYRING_PROVIDER"))
        if _uv_bool(env.get("UV_NO_CACHE", ""), origin("UV_NO_CACHE")):
            self._opt("--no-cache-dir", None, origin("UV_NO_CACHE"))
        if _uv_bool(env.get("UV_OFFLINE", ""), origin("UV_OFFLINE")):
            self.uv_args.append("--offline")
        for var, flag in _UV_ENV_PASSED.items():
            if env.get(var):
                self.uv_args += [flag, env[var]]


# -- files: requirements and constraints, at any depth, local or by URL ---------------------

class _Finder:
    """What pip's requirement-line parser takes from a PackageFinder: the format and release
    controls that option lines change as they are read (pip's ``get_line_parser``)."""

    def __init__(self) -> None:
        from pip._internal.models.format_control import FormatControl as PipFormatControl
        from pip._internal.models.release_control import ReleaseControl

        self.format_control = PipFormatControl()
        self.release_control = ReleaseControl()


class _Reader:
    def __init__(self, options: GateOptions, *, cwd: Path, env: Mapping[str, str]) -> None:
        from pip._internal.req.req_file import get_line_parser

        self.options = options
        self.cwd = cwd
        self.env = env
        self.finder = _Finder()
        self.parse_line = get_line_parser(self.finder)  # type: ignore[arg-type]
        self.files = 0
        self.remote = False
        self.requirements: list[ReqLine] = []
        self.constraints: list[ReqLine] = []
        # handle_option_line's state: the finder's search scope and what percolates up
        main = options.values("-i", "--index-url")
        self.no_index = options.flag("--no-index")
        self.index_urls = [] if self.no_index else [
            main[-1] if main else PYPI, *options.values("--extra-index-url")]
        self.find_links = options.values("-f", "--find-links")
        self.scope_changed = False
        self.more: list[PipOption] = []  # options read from files
        self._session: tuple[Any, HttpSettings] | None = None
        self.recorded = Recorded()  # what was read, for the parsed-requirements cache

    # pip's preprocess (join_lines, ignore_comments, expand_env_variables) with ``env``
    def _lines(self, content: str) -> Iterator[tuple[int, str]]:
        from pip._internal.req.req_file import ENV_VAR_RE, ignore_comments, join_lines

        for number, line in ignore_comments(join_lines(enumerate(content.splitlines(),
                                                                 start=1))):
            for env_var, var_name in ENV_VAR_RE.findall(line):
                value = self.env.get(var_name)
                if value:
                    line = line.replace(env_var, value)
            yield number, line

    def _shown(self, name: str) -> str:
        return redact(name) if _SCHEME.search(name) else shown_path(name, self.cwd)

    def _content(self, name: str, kind: str, origin: str) -> str:
        from pip._internal.req.req_file import _decode_req_file

        self.files += 1
        if self.files > MAX_FILES:
            raise UsageError(f"{origin}: more than {MAX_FILES} requirement files")
        if _SCHEME.search(name) and urlsplit(name).scheme.lower() != "file":
            self.remote = True
            self.recorded.cacheable = False
            # pip's session: the trusted hosts and index credentials of the option lines
            # read so far apply to the files read after them
            from gate.resolve.index import index_urls

            current = replace(self.options, pip_options=(
                *self.options.pip_options, *self.more, *self.scope()))
            settings = HttpSettings.from_options(current, index_urls(current))
            if self._session is None or self._session[1] != settings:
                self._session = (make_session(settings), settings)
            session, settings = self._session
            return http_get(session, settings, name).text
        path = (url2pathname(urlsplit(name).path) if _SCHEME.search(name)
                else name)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            text = _decode_req_file(data, path)
        except OSError as exc:
            raise UsageError(f"{origin}: could not open {kind} file "
                             f"{self._shown(name)}: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, LookupError) as exc:
            raise UsageError(f"{origin}: cannot decode {kind} file {self._shown(name)}: "
                             f"{exc}") from None
        self.recorded.files.append((os.path.abspath(path), hashlib.sha256(data).hexdigest()))
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # BOM, coding line or the locale's encoding (pip warns)
            self.recorded.cacheable = False
        return text

    def read(self, name: str, *, constraint: bool, origin: str) -> None:
        """A file named on the command line or in the configuration, and what it includes."""
        if not _SCHEME.search(name):
            name = os.path.abspath(os.path.join(self.cwd, name))
        self._parse(name, constraint=constraint, origin=origin, top=name, chain={name: None})

    def _parse(self, filename: str, *, constraint: bool, origin: str, top: str,
               chain: dict[str, str | None]) -> None:
        from pip._internal.exceptions import CommandError
        from pip._internal.req.req_file import OptionParsingError

        kind = "constraint" if constraint else "requirements"
        shown = self._shown(filename)
        for number, line in self._lines(self._content(filename, kind, origin)):
            where = f"{shown}:{number}"
            try:
                with contextlib.redirect_stderr(io.StringIO()):  # optparse prints its usage
                    args, opts = self.parse_line(line)
            except OptionParsingError as exc:
                why = re.sub(r"^.*?: error: ", "", exc.msg.strip())
                raise UsageError(f"{where}: {line}: {why}") from None
            except CommandError as exc:
                raise UsageError(f"{where}: {line}: {exc}") from None
            requirement = args or (opts.editables[0] if opts.editables else None)
            if requirement is None and (opts.requirements or opts.constraints):
                nested, nested_constraint = ((opts.requirements[0], False) if opts.requirements
                                             else (opts.constraints[0], True))
                if _SCHEME.search(filename):  # pip: relative to a URL is a URL
                    nested = urljoin(filename, nested)
                elif not _SCHEME.search(nested):
                    nested = os.path.abspath(os.path.join(os.path.dirname(filename), nested))
                if nested in chain:
                    raise UsageError(f"{where}: {self._shown(nested)} includes itself")
                self._parse(nested, constraint=nested_constraint, origin=where, top=top,
                            chain={**chain, nested: filename})
            elif requirement is not None:
                if opts.config_settings:
                    raise UsageError(f"{where}: {line}: --config-settings for one requirement "
                                     "is not supported (permpip builds approved sdists itself)")
                hashes = tuple(f"{algo}:{digest}" for algo, digests in (opts.hashes or {}).items()
                               for digest in digests)
                found = ReqLine(spec=requirement.strip(), where=where, text=line,
                                constraint=constraint,
                                editable=bool(opts.editables), hashes=hashes, top=top)
                (self.constraints if constraint else self.requirements).append(found)
            else:
                self._option_line(opts, filename, where)

    def _option_line(self, opts: Any, filename: str, where: str) -> None:  # noqa: ANN401
        """pip's ``handle_option_line``, onto explicit options (format and release control
        were changed by the line parser already, as in pip)."""
        if opts.no_index is True:
            self.no_index, self.index_urls, self.scope_changed = True, [], True
        if opts.index_url and not self.no_index:
            self.index_urls, self.scope_changed = [opts.index_url], True
        if opts.extra_index_urls and not self.no_index:
            self.index_urls.extend(opts.extra_index_urls)
            self.scope_changed = True
        if opts.find_links:
            value = opts.find_links[0]
            relative = os.path.join(os.path.dirname(os.path.abspath(filename)), value)
            there = os.path.exists(relative)
            self.recorded.exists.append((relative, there))
            if there:
                value = relative
            self.find_links.append(value)
            self.scope_changed = True
        if opts.pre:
            self.more.append(PipOption(name="--pre", value=None, step=Step.RESOLVE, origin=where))
        if opts.prefer_binary:
            self.more.append(PipOption(name="--prefer-binary", value=None, step=Step.RESOLVE,
                                       origin=where))
        for host in opts.trusted_hosts or []:
            self.more.append(PipOption(name="--trusted-host", value=host, step=Step.BOTH,
                                       origin=where))
        for feature in opts.features_enabled or []:
            self.more.append(PipOption(name="--use-feature", value=feature, step=Step.BOTH,
                                       origin=where))

    def scope(self) -> list[PipOption]:
        """The index and find-links options the files leave in force."""
        out = [PipOption(name="--no-index", value=None, step=Step.RESOLVE)] if (
            self.no_index or not self.index_urls) else []
        if self.index_urls:
            out.append(PipOption(name="--index-url", value=self.index_urls[0],
                                 step=Step.RESOLVE))
            out += [PipOption(name="--extra-index-url", value=u, step=Step.RESOLVE)
                    for u in self.index_urls[1:]]
        out += [PipOption(name="--find-links", value=f, step=Step.RESOLVE)
                for f in self.find_links]
        return out


_SOURCES = ("-r", "--requirement", "-c", "--constraint", "--group",
            "--requirements-from-script")
_SCOPE = ("-i", "--index-url", "--extra-index-url", "--no-index", "-f", "--find-links")


def read_files(settings: Settings, *, cwd: Path, env: Mapping[str, str],
               target_python_version: str, memo: ParsedCache | None = None) -> Inputs:
    """Read every requirement source of ``settings`` as pip would, in pip's order:
    format control from options, constraint files, then requirement files, groups and the
    script.

    ``memo``: the parsed-requirements cache (``gate.resolve.parsed``): a parse recorded with
    the same key whose files, variables and paths are all as they were is taken from it
    (pip's reader is not imported); a parse of local files only is recorded."""
    if memo is not None and not settings.options.values("--group",
                                                         "--requirements-from-script"):
        key = memo.key(settings, cwd=cwd)
        kept = memo.get(key, settings, env=env)
        if kept is not None:
            return kept
        recording = RecordingEnv(env)
        inputs, recorded = _read_files(settings, cwd=cwd, env=recording,
                                       target_python_version=target_python_version)
        memo.put(key, env=recording, recorded=recorded, inputs=inputs)
        return inputs
    return _read_files(settings, cwd=cwd, env=env,
                       target_python_version=target_python_version)[0]


def _read_files(settings: Settings, *, cwd: Path, env: Mapping[str, str],
                target_python_version: str) -> tuple[Inputs, Recorded]:
    """``read_files`` with pip's reader; also what the reader read."""
    from pip._internal.exceptions import CommandError

    options = settings.options
    reader = _Reader(options, cwd=cwd, env=env)
    fc = reader.finder.format_control
    for o in options.pip_options:
        if o.name in ("--no-binary", "--only-binary") and o.value is not None:
            target, other = ((fc.no_binary, fc.only_binary) if o.name == "--no-binary"
                             else (fc.only_binary, fc.no_binary))
            try:
                fc.handle_mutual_excludes(o.value, target, other)
            except CommandError as exc:
                raise UsageError(f"{_named(o.origin, o.name, o.value)}: {exc}") from None
    reader.constraints += settings.constraints
    for o in options.pip_options:
        if o.name in ("-c", "--constraint") and o.value is not None:
            reader.read(o.value, constraint=True, origin=_named(o.origin, "-c", o.value))
    for o in options.pip_options:
        if o.name in ("-r", "--requirement") and o.value is not None:
            reader.read(o.value, constraint=False, origin=_named(o.origin, "-r", o.value))
    groups = [o for o in options.pip_options if o.name == "--group" and o.value is not None]
    for o in groups:
        reader.requirements += _group(o, cwd)
    scripts = [o for o in options.pip_options
               if o.name == "--requirements-from-script" and o.value is not None]
    if len(scripts) > 1:
        raise UsageError("--requirements-from-script can only be given once")
    for o in scripts:
        reader.requirements += _script(o, cwd, options, target_python_version)
    kept = [o for o in options.pip_options if o.name not in _SOURCES
            and not (reader.scope_changed and o.name in _SCOPE)]
    if reader.scope_changed:
        kept += reader.scope()
    release = [PipOption(name=f"--{attr.replace('_', '-')}", value=value, step=Step.RESOLVE)
               for attr, value in reader.finder.release_control.get_ordered_args()]
    fcontrol = FormatControl(no_binary=frozenset(fc.no_binary),
                             only_binary=frozenset(fc.only_binary))
    for line in (*reader.requirements, *reader.constraints):
        _no_second_expansion(line, env)
    return Inputs(options=replace(options, pip_options=(*kept, *reader.more, *release)),
                  requirements=tuple(reader.requirements),
                  constraints=tuple(reader.constraints), format_control=fcontrol,
                  remote=reader.remote), reader.recorded


def _no_second_expansion(line: ReqLine, env: Mapping[str, str]) -> None:
    """The resolver expands ``${VAR}`` in the flattened file again: refuse what that changes."""
    from pip._internal.req.req_file import ENV_VAR_RE

    for _env_var, name in ENV_VAR_RE.findall(line.line()):
        if env.get(name):
            raise UsageError(f"{line.where}: {line.spec}: holds ${{{name}}} after expanding "
                             "environment variables; it would be expanded twice")


def _group(o: PipOption, cwd: Path) -> list[ReqLine]:
    """``--group [PATH:]NAME``: the requirements of a dependency group (pip's reader)."""
    from pip._internal.exceptions import InstallationError
    from pip._internal.req.req_dependency_group import parse_dependency_groups

    value = o.value or ""
    named = _named(o.origin, "--group", value)
    path, sep, group = value.rpartition(":")
    if not sep:
        path = "pyproject.toml"
    elif PurePath(path).name != "pyproject.toml":
        raise UsageError(f"{named}: dependency groups of a lockfile are not supported",
                         hint="check the lockfile on its own: permpip check pylock.toml")
    full = os.path.join(cwd, path)
    try:
        specs = parse_dependency_groups([(full, group)])
    except InstallationError as exc:
        raise UsageError(f"{named}: {exc}") from None
    where = f"{shown_path(full, cwd)} [dependency-groups] {group}"
    return [ReqLine(spec=s, where=where, text=s, top=full) for s in specs]


def _script(o: PipOption, cwd: Path, options: GateOptions,
            python_version: str) -> list[ReqLine]:
    """``--requirements-from-script FILE``: its PEP 723 dependencies (pip's reader)."""
    from pip._internal.req.pep723 import PEP723Exception, pep723_metadata

    value = o.value or ""
    named = _named(o.origin, "--requirements-from-script", value)
    full = os.path.join(cwd, value)
    try:
        meta = pep723_metadata(full)
    except (PEP723Exception, OSError) as exc:
        raise UsageError(f"{named}: {getattr(exc, 'msg', None) or exc}") from None
    requires = meta.get("requires-python", "")
    if requires and not options.flag("--ignore-requires-python"):
        try:
            ok = SpecifierSet(str(requires)).contains(python_version, prereleases=True)
        except InvalidSpecifier as exc:
            raise UsageError(f"{named}: requires-python: {exc}") from None
        if not ok:
            raise UsageError(f"{named}: the script requires a different Python: "
                             f"{python_version} not in {requires!r}")
    deps = meta.get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise UsageError(f"{named}: dependencies must be a list of strings")
    where = f"{shown_path(full, cwd)} (script metadata)"
    return [ReqLine(spec=d, where=where, text=d, top=full) for d in deps]


def write_flat(lines: Sequence[str], path: Path) -> Path:
    """One requirement per line; a requirement holding a line break (from a PEP 723 script,
    a group, the command line) would become two lines, the second read as an option."""
    for ln in lines:
        if len(ln.splitlines()) > 1 or any(c in ln for c in "\r\n\x0b\x0c"):
            raise UsageError(f"{ln.splitlines()[0] if ln.splitlines() else ln!r}...: a "
                             "requirement holds a line break",
                             hint="one requirement per entry, without line breaks")
    path.write_text("".join(f"{ln}\n" for ln in lines), encoding="utf-8")
    return path
