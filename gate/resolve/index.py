"""Reading package indexes directly: PEP 691 JSON, PEP 503 HTML, find-links directories.

Used where no resolver is needed: to find the URL of a file a hashed requirements file pins
(one request per project, concurrently), and to find the sdist of a requirement that has
no usable wheel.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from gate.errors import FetchError, ResolveError

if TYPE_CHECKING:
    import requests
from gate.fetch import HttpSettings, http_get, make_session, pip_config_for, url2pathname
from gate.options import GateOptions
from gate.resolve.target import Target

PYPI = "https://pypi.org/simple/"
JSON_ACCEPT = ("application/vnd.pypi.simple.v1+json, "
               "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1")


@dataclass(frozen=True, kw_only=True, slots=True)
class IndexFile:
    filename: str
    url: str
    sha256: str | None
    requires_python: str | None = None
    yanked: bool = False

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    def name_version(self) -> tuple[str, Version] | None:
        try:
            if self.is_wheel:
                name, version, _, _ = parse_wheel_filename(self.filename)
            else:
                name, version = parse_sdist_filename(self.filename)
        except (InvalidWheelFilename, InvalidSdistFilename):
            return None
        return canonicalize_name(name), version


def index_urls(options: GateOptions, *, extra: Sequence[str] = ()) -> list[str]:
    """The indexes pip would use: --index-url (or config, or PyPI) then the extra ones."""
    conf = pip_config_for(options)
    if options.flag("--no-index") or conf.get("no-index", "").lower() in ("1", "true", "yes"):
        return []
    main = options.values("-i", "--index-url")
    urls = [main[-1] if main else conf.get("index-url", PYPI)]
    urls += options.values("--extra-index-url") + conf.get("extra-index-url", "").split()
    urls += list(extra)
    return list(dict.fromkeys(u if u.endswith("/") else u + "/" for u in urls))


def find_links(options: GateOptions) -> list[str]:
    conf = pip_config_for(options)
    return options.values("-f", "--find-links") + conf.get("find-links", "").split()


def allows_prereleases(options: GateOptions, name: str) -> bool | None:
    """pip's answer for ``name`` (``ReleaseControl.allows_prereleases``): ``--pre`` (from the
    command line, the configuration or a requirements file) is ``--all-releases :all:``;
    ``--all-releases``/``--only-final`` apply in the order given. None: pip's default
    (pre-releases only when the specifier names one, or when nothing else matches)."""
    from pip._internal.exceptions import CommandError
    from pip._internal.models.release_control import ReleaseControl

    control = ReleaseControl()
    for o in options.pip_options:
        value = ":all:" if o.name == "--pre" else o.value
        if value is None or o.name not in ("--pre", "--all-releases", "--only-final"):
            continue
        target, other, attr = ((control.only_final, control.all_releases, "only_final")
                               if o.name == "--only-final" else
                               (control.all_releases, control.only_final, "all_releases"))
        try:
            control.handle_mutual_excludes(value, target, other, attr)
        except CommandError:
            continue  # pip refused it when it resolved
    from pip._vendor.packaging.utils import canonicalize_name as pip_canonical

    return control.allows_prereleases(pip_canonical(name))


def _from_html(text: str, base: str) -> list[IndexFile]:
    import html.parser  # (imported when an HTML page is read: a warm run reads none)

    links: list[tuple[str, dict[str, str | None]]] = []

    class Links(html.parser.HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                d = dict(attrs)
                if d.get("href"):
                    links.append((str(d["href"]), d))

    Links().feed(text)
    out = []
    for href, attrs in links:
        url = urljoin(base, href)
        path, _, frag = url.partition("#")
        filename = url2pathname(urlsplit(path).path).rsplit("/", 1)[-1]
        sha = frag.split("=", 1)[1] if frag.startswith("sha256=") else None
        out.append(IndexFile(filename=filename, url=path, sha256=sha,
                             requires_python=attrs.get("data-requires-python"),
                             yanked="data-yanked" in attrs))
    return out


class IndexClient:
    """Lists the files of a project on every configured index and find-links location."""

    def __init__(self, urls: Sequence[str], links: Sequence[str], settings: HttpSettings):
        self.urls = list(urls)
        self.links = list(links)
        self.settings = settings
        self._session: requests.Session | None = None

    @property
    def session(self) -> requests.Session:
        """Made on the first request (``requests`` takes ~0.1 s to import): a hashed lock
        whose choices and files are cached makes none."""
        if self._session is None:
            self._session = make_session(self.settings)
        return self._session

    def _index_page(self, base: str, project: str) -> list[IndexFile]:
        url = urljoin(base, f"{project}/")
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path))
            page = path / "index.html"
            if not page.is_file():
                return []
            return _from_html(page.read_text(errors="replace"), page.as_uri())
        try:
            resp = http_get(self.session, self.settings, url, {"Accept": JSON_ACCEPT})
        except FetchError as exc:
            if "HTTP 404" in str(exc):
                return []
            raise
        if resp.headers.get("Content-Type", "").startswith("application/vnd.pypi.simple.v1+json"):
            try:
                files = resp.json()["files"]
                return [IndexFile(filename=f["filename"], url=urljoin(resp.url, f["url"]),
                                  sha256=f.get("hashes", {}).get("sha256"),
                                  requires_python=f.get("requires-python"),
                                  yanked=bool(f.get("yanked"))) for f in files]
            except (ValueError, KeyError, TypeError) as exc:
                raise FetchError(f"unreadable index page {url}: {exc}") from None
        return _from_html(resp.text, resp.url)

    def _link_files(self, link: str) -> list[IndexFile]:
        if "://" not in link or link.startswith("file:"):
            path = Path(url2pathname(urlsplit(link).path)
                        if link.startswith("file:") else link)
            if path.is_dir():
                return [IndexFile(filename=p.name, url=p.resolve().as_uri(), sha256=None)
                        for p in sorted(path.iterdir()) if p.is_file()]
            return []
        return _from_html(http_get(self.session, self.settings, link).text, link)

    def files(self, project: str) -> list[IndexFile]:
        name = canonicalize_name(project)
        out: list[IndexFile] = []
        for base in self.urls:
            out += self._index_page(base, name)
        for link in self.links:
            out += [f for f in self._link_files(link) if (nv := f.name_version()) and
                    nv[0] == name]
        return out

    def files_many(self, projects: Iterable[str]) -> dict[str, list[IndexFile]]:
        names = list(dict.fromkeys(canonicalize_name(p) for p in projects))
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=max(1, min(16, len(names)))) as pool:
            return dict(zip(names, pool.map(self.files, names), strict=True))


def pick_by_hash(files: Sequence[IndexFile], name: str, version: str, hashes: Iterable[str],
                 target: Target) -> IndexFile | None:
    """The file whose sha256 is pinned: the best wheel for the target, else the sdist."""
    wanted = {h.lower() for h in hashes}
    wheels: list[tuple[int, IndexFile]] = []
    sdists: list[IndexFile] = []
    for f in files:
        nv = f.name_version()
        if nv is None or nv[0] != canonicalize_name(name) or nv[1] != Version(version):
            continue
        if f.sha256 is not None and f.sha256.lower() not in wanted:
            continue
        if f.is_wheel:
            tags = parse_wheel_filename(f.filename)[3]
            if target.supports(tags):
                wheels.append((target.rank(tags), f))
        else:
            sdists.append(f)
    if wheels:
        return min(wheels, key=lambda rf: rf[0])[1]
    return sdists[0] if sdists else None


def newest_sdist(files: Sequence[IndexFile], req: Requirement, target: Target, *,
                 pre: bool | None) -> IndexFile | None:
    """The newest sdist that satisfies ``req`` and the target's Python; ``pre`` as
    ``allows_prereleases`` (None: pre-releases when no final release matches, as pip's
    ``SpecifierSet.filter``)."""
    python = Version(target.environment["python_full_version"])
    found: dict[Version, IndexFile] = {}
    for f in files:
        nv = f.name_version()
        if f.is_wheel or f.yanked or nv is None or nv[0] != canonicalize_name(req.name):
            continue
        if f.requires_python and python not in SpecifierSet(f.requires_python):
            continue
        found.setdefault(nv[1], f)
    allowed = list(req.specifier.filter(found, prereleases=pre))
    return found[max(allowed)] if allowed else None


def client_for(options: GateOptions, *, extra_indexes: Sequence[str] = ()) -> IndexClient:
    urls = index_urls(options, extra=extra_indexes)
    links = find_links(options)
    if not urls and not links:
        raise ResolveError("no index to look packages up in (--no-index without --find-links)")
    return IndexClient(urls, links, HttpSettings.from_options(options, urls))


def is_local(url: str) -> bool:
    return url.startswith("file:") or os.path.exists(url)
