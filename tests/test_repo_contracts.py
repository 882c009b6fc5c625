"""The project's contracts live in the project: no file points readers at documents outside
the repository, and every reference into docs/ (a relative link in a doc, a mention of a
doc's path anywhere, a citation of a doc's section: the path, then `, "Section"` or
` ("Section")`) names a file and a section that exist.

Files checked: everything git tracks plus untracked files that are not ignored, so a file
another change just added is held to the same rule before it is committed.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Built from pieces so that this file does not match itself.
OUTSIDE_NAMES = ("INTERFACES", "PRACTICAL", "BM13XX")
OUTSIDE = re.compile(
    "shared" + "/design" + r"|\b(?:" + "|".join(OUTSIDE_NAMES) + r")(?:\.md|\s*§)"
)
DOC_MENTION = re.compile(r"(?<![\w./-])(docs/[\w./-]*?\.md)\b")
# `docs/mqtt.md, "state"` or `docs/bm13xx.md ("Job frames")`
SECTION_CITATION = re.compile(r"(?<![\w./-])(docs/[\w./-]*?\.md)(?:,\s*| \()\"([^\"]{1,120})\"")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".txt", ".cfg", ".ini", ".kv", ".c", ".h"}
TEXT_NAMES = {"Makefile", "run"}


def repo_files() -> list[pathlib.Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    paths = [ROOT / name for name in out.split("\0") if name]
    return [
        p
        for p in paths
        if p.is_file() and (p.suffix in TEXT_SUFFIXES or p.name in TEXT_NAMES)
    ]


def read(path: pathlib.Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def where(path: pathlib.Path, text: str, index: int) -> str:
    return f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, index) + 1}"


def headings(doc: pathlib.Path) -> list[str]:
    return [m.group(1) for m in HEADING.finditer(read(doc))]


def test_nothing_cites_documents_outside_the_repository() -> None:
    found = [
        f"{where(path, text, m.start())}: {m.group(0)!r}"
        for path in repo_files()
        for text in [read(path)]
        for m in OUTSIDE.finditer(text)
    ]
    assert not found, "cite docs/ instead of outside documents:\n" + "\n".join(found)


def test_every_docs_mention_names_an_existing_file() -> None:
    missing = [
        f"{where(path, text, m.start())}: {m.group(1)}"
        for path in repo_files()
        for text in [read(path)]
        for m in DOC_MENTION.finditer(text)
        if not (ROOT / m.group(1)).is_file()
    ]
    assert not missing, "mentioned docs that do not exist:\n" + "\n".join(missing)


def test_every_section_citation_names_an_existing_heading() -> None:
    wrong = []
    for path in repo_files():
        text = read(path)
        for m in SECTION_CITATION.finditer(text):
            doc = ROOT / m.group(1)
            if not doc.is_file():
                continue  # reported by the test above
            # A citation may wrap inside a comment or docstring.
            section = " ".join(w for w in m.group(2).split() if w != "#")
            if not any(h.startswith(section) for h in headings(doc)):
                wrong.append(f"{where(path, text, m.start())}: {m.group(1)} has no {section!r}")
    assert not wrong, "cited sections that do not exist:\n" + "\n".join(wrong)


def test_relative_links_in_docs_resolve() -> None:
    broken = []
    for doc in sorted((ROOT / "docs").rglob("*.md")):
        text = read(doc)
        for m in MARKDOWN_LINK.finditer(text):
            target = m.group(1).split("#", 1)[0]
            if not target or re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # an anchor in the same page, or http:, mailto: ...
            if not (doc.parent / target).exists():
                broken.append(f"{where(doc, text, m.start())}: {m.group(1)}")
    assert not broken, "relative links in docs/ that lead nowhere:\n" + "\n".join(broken)


def test_the_checks_catch_what_they_are_for() -> None:
    assert OUTSIDE.search("see ../" + "shared" + "/design/x")
    assert OUTSIDE.search("(" + "BM13XX" + ".md)")
    assert OUTSIDE.search("INTERFACES" + " §3")
    assert not OUTSIDE.search("docs/bm13xx.md")
    docs = "docs" + "/"  # a plain path here would be checked as a reference itself
    assert DOC_MENTION.findall(f"see {docs}mqtt.md, and `{docs}decisions/a-b.md`.") == [
        f"{docs}mqtt.md",
        f"{docs}decisions/a-b.md",
    ]
    assert SECTION_CITATION.findall(f'({docs}mqtt.md, "set and result")') == [
        (f"{docs}mqtt.md", "set and result")
    ]
    assert SECTION_CITATION.findall(f'{docs}bm13xx.md ("Job\n    # frames")') == [
        (f"{docs}bm13xx.md", "Job\n    # frames")
    ]
    assert not SECTION_CITATION.findall(f'{docs}boards.md\n    ("bitaxe-ultra", 1)')
