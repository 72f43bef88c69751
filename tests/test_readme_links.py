"""The README's and docs' relative links and images lead to files of the repository, so they work in a clone."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and ![alt](target), skipping code spans; a target ends at whitespace or the closing bracket.
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.I)


def relative_links(markdown: str) -> list[str]:
    """Return the relative link and image targets of a Markdown text, outside code blocks and spans."""
    prose = re.sub(r"```.*?```", "", markdown, flags=re.S)
    prose = re.sub(r"`[^`\n]*`", "", prose)
    return [target for target in _LINK.findall(prose) if not _EXTERNAL.match(target)]


def test_readme_links_finds_relative_targets_only():
    text = "[a](docs/A.md) ![b](img.png \"t\") [c](https://x.org) [d](#top) `[e](no.md)`\n```\n[f](g.md)\n```"
    assert relative_links(text) == ["docs/A.md", "img.png"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_readme_links_resolve_inside_the_repository(document):
    for target in relative_links(document.read_text(encoding="utf-8")):
        path = (document.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), f"{document.name}: {target} leaves the repository (breaks in a clone)"
        assert path.exists(), f"{document.name}: {target} does not exist"


def test_readme_shows_the_review_screenshots():
    targets = relative_links((ROOT / "README.md").read_text(encoding="utf-8"))
    for image in ("docs/review-index.png", "docs/review-article.png"):
        assert image in targets
        assert (ROOT / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
