"""Every relative link in README.md and docs/*.md names a file of the repository, and its
``#anchor`` a heading of that file; a ``NAME.md`` named in prose is a file too (a mention
of a document that is not in the repository is a dangling link without the brackets).

Code (fenced blocks, inline spans) is not read: paths there are commands' arguments.
Anchors follow GitHub's slugs: lower case, punctuation dropped, spaces to hyphens, a
repeated heading numbered ``-1``, ``-2``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_MENTION = re.compile(r"(?<![\w/.(-])((?:\.\./|\./)?[\w.-]+(?:/[\w.-]+)*\.md)\b(?![\w(])")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def prose(text: str, *, blank_code: bool = True) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code, inline code spans blanked."""
    out: list[tuple[int, str]] = []
    fence = ""
    for number, line in enumerate(text.splitlines(), 1):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        if blank_code:
            line = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
        out.append((number, line))
    return out


def slug(heading: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = re.sub(r"[^\w\- ]", "", text.replace("`", "").strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    for _, line in prose(path.read_text(), blank_code=False):
        heading = _HEADING.match(line)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            out.add(base if count == 0 else f"{base}-{count}")
    return out


def targets(text: str) -> list[tuple[int, str, bool]]:
    """(line, target, is_link) of every link and every NAME.md mentioned in prose."""
    out: list[tuple[int, str, bool]] = []
    for number, line in prose(text):
        links = [m.group(1) for m in _INLINE.finditer(line)]
        reference = _REFERENCE.match(line)
        if reference:
            links.append(reference.group(1))
        out += [(number, target, True) for target in links]
        bare = "" if reference else _INLINE.sub(lambda m: " " * len(m.group(0)), line)
        bare = re.sub(r"<[^>\s]+>|https?://\S+", " ", bare)  # autolinks and URLs
        out += [(number, m.group(1), False) for m in _MENTION.finditer(bare)]
    return out


def problems(path: Path, repo: Path = REPO) -> list[str]:
    """One line per link of ``path`` that names no file of ``repo`` (or no heading)."""
    found: list[str] = []
    where = path.relative_to(repo).as_posix()
    for number, target, is_link in targets(path.read_text()):
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) or (not target and is_link):
            continue  # https:, mailto:, ... (and an empty link, which markdown allows)
        name, _, anchor = target.partition("#")
        if not is_link:
            candidates = [path.parent / name, repo / name]
        else:
            candidates = [path.parent / name] if name else [path]
        resolved = next((c.resolve() for c in candidates if c.exists()), None)
        inside = resolved is not None and resolved.is_relative_to(repo.resolve())
        if not inside:
            what = "link" if is_link else "mention"
            found.append(f"{where}:{number}: {what} {target!r}: no such file in the repository")
        elif anchor and resolved is not None and resolved.suffix == ".md" \
                and anchor not in anchors(resolved):
            found.append(f"{where}:{number}: link {target!r}: no heading "
                         f"#{anchor} in {resolved.relative_to(repo.resolve()).as_posix()}")
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_resolves(doc: Path) -> None:
    assert problems(doc) == []


def test_the_docs_are_found() -> None:
    names = [p.relative_to(REPO).as_posix() for p in DOCS]
    assert {"README.md", "docs/policy.md", "docs/docker.md"} <= set(names)


def test_dangling_links_anchors_and_mentions_are_reported(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "README.md").write_text("# Title\n\n## Two words: `code`\n")
    (tmp_path / "outside.md").write_text("# a file, but not the repository's\n")
    doc = repo / "docs" / "a.md"
    doc.write_text(
        "# A\n"
        "[ok](../README.md) [ok](../README.md#two-words-code) [ok](#a) [web](https://x.org/y.md)\n"
        "see DESIGN.md for more, and README.md, which exists\n"
        "[gone](missing.md) [bad anchor](../README.md#nope) [self](#b)\n"
        "```\n[in code](nowhere.md) cat DESIGN.md\n```\n"
        "`[span](nowhere.md)` and [ref]\n"
        "[ref]: ../../outside.md\n"
    )
    assert problems(doc, repo) == [
        "docs/a.md:3: mention 'DESIGN.md': no such file in the repository",
        "docs/a.md:4: link 'missing.md': no such file in the repository",
        "docs/a.md:4: link '../README.md#nope': no heading #nope in README.md",
        "docs/a.md:4: link '#b': no heading #b in docs/a.md",
        "docs/a.md:9: link '../../outside.md': no such file in the repository",
    ]
