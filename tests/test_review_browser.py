"""The review pages in a real browser: headless Chromium (Debian's package) driven by Playwright.

Where Chromium or Playwright is missing these tests skip with the reason; in CI (CI=true) they fail instead,
because CI installs Chromium through scripts/setup_browser.sh.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from extract.review import page_name, write_site
from extract.review.article import rows_of

CHROMIUM = Path("/usr/bin/chromium")
SEED = "h200-china-chips.txt"
KINDS = {"entities": "entity", "quantities": "quantity", "dates": "date"}


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return f"{CHROMIUM} is missing: run `bash scripts/setup_browser.sh` as root"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing_browser()
    if reason:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(seed_analysis, tmp_path_factory) -> Path:
    """The seed article's site, with a second, conflict-free article in the index to sort and filter."""
    tables = {name: frame.copy() for name, frame in seed_analysis.items()}
    other = seed_analysis["documents"].copy()
    other["doc_id"], other["title"], other["variant"] = "second.txt", "第二篇文章", "zh-Hans"
    tables["documents"] = pd.concat([seed_analysis["documents"], other], ignore_index=True)
    out = tmp_path_factory.mktemp("review-site")
    write_site(tables, out)
    return out


class _Page:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, browser, url: str):
        self.errors: list[str] = []
        self.page = browser.new_page()
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(url)


@pytest.fixture()
def article(browser, site):
    page = _Page(browser, (site / "docs" / page_name(SEED)).as_uri())
    yield page
    page.page.close()


@pytest.fixture()
def index(browser, site):
    page = _Page(browser, (site / "index.html").as_uri())
    yield page
    page.page.close()


def _sent_ids(page, selector: str) -> set[int]:
    return {int(v) for v in page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.sent)")}


@pytest.mark.parametrize("table", list(KINDS))
def test_review_browser_highlights_one_element_per_row(article, seed_analysis, table):
    rows = rows_of(seed_analysis[table], SEED)
    page = article.page
    heads = page.eval_on_selector_all(
        f'#text [data-table="{table}"]:not([data-cont])',
        "els => els.map(e => [Number(e.dataset.row), Number(e.dataset.start), Number(e.dataset.end)])")
    assert len(heads) == len(rows) > 0
    assert heads == [[i, s, e] for i, (s, e) in enumerate(zip(rows["start"], rows["end"]))]
    texts = page.evaluate(f"""() => {{
        const out = {{}};
        document.querySelectorAll('#text [data-table="{table}"]').forEach(e => {{
            out[e.dataset.row] = (out[e.dataset.row] || '') + e.textContent; }});
        return out; }}""")
    assert [texts[str(i)] for i in range(len(rows))] == rows["text"].tolist()
    assert page.locator(f'#legend [data-kind="{KINDS[table]}"] .count').inner_text() == str(len(rows))
    assert article.errors == []


def test_review_browser_reference_click_highlights_exactly_its_citing_sentences(article, seed_analysis):
    citations = rows_of(seed_analysis["citations"], SEED)
    page = article.page
    refs = rows_of(seed_analysis["references"], SEED)["ref_idx"].tolist()
    assert len(citations) > 0 and len(refs) > 0
    for ref in refs:
        citing = set(citations.loc[citations["ref_idx"] == ref, "sent_idx"].astype(int))
        page.click(f'#references .ref[data-ref="{ref}"]')
        assert _sent_ids(page, "#text .sent.cited-active") == citing, f"reference {ref}"
        evidence = page.locator(f'#references .ref[data-ref="{ref}"] .evidence')
        assert evidence.is_visible()
        assert _sent_ids(page, f'#references .ref[data-ref="{ref}"] .evidence .cite[data-sent]') == citing
        assert page.locator("#references .ref.active").count() == 1
    page.click(f'#references .ref[data-ref="{refs[-1]}"]')  # a second click clears the selection
    assert page.locator("#text .sent.cited-active").count() == 0
    assert article.errors == []


def test_review_browser_conflicts_are_flagged_in_text_and_list(article, seed_analysis):
    conflicts = rows_of(seed_analysis["conflicts"], SEED)
    page = article.page
    assert len(conflicts) > 0
    assert _sent_ids(page, "#text .sent.conflict") == set(conflicts["sent_idx"].dropna().astype(int))
    flagged = page.eval_on_selector_all("#references .ref.has-conflict", "els => els.map(e => Number(e.dataset.ref))")
    assert set(flagged) == set(conflicts["ref_idx"].astype(int))
    first = page.locator("#text .sent.conflict").first
    assert conflicts.iloc[0]["detail"] in page.content()
    assert first.get_attribute("data-conflict")


@pytest.mark.parametrize("kind", list(KINDS.values()))
def test_review_browser_legend_toggles_each_kind(article, kind):
    page = article.page
    background = "(sel) => getComputedStyle(document.querySelector(sel)).backgroundColor"
    others = [k for k in KINDS.values() if k != kind]
    before = {k: page.evaluate(background, f"#text .m-{k}") for k in KINDS.values()}
    assert all(color != "rgba(0, 0, 0, 0)" for color in before.values())
    button = page.locator(f'#legend .toggle[data-kind="{kind}"]')
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    assert page.evaluate(background, f"#text .m-{kind}") == "rgba(0, 0, 0, 0)"
    assert [page.evaluate(background, f"#text .m-{k}") for k in others] == [before[k] for k in others]
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert page.evaluate(background, f"#text .m-{kind}") == before[kind]
    assert article.errors == []


def test_review_browser_hover_shows_canonical_value_and_range(article, seed_analysis):
    page = article.page
    entity = rows_of(seed_analysis["entities"], SEED).iloc[0]
    title = page.get_attribute('#text [data-table="entities"][data-row="0"]', "title")
    assert entity["canonical"] in title and entity["label"] in title
    quantity_titles = page.eval_on_selector_all('#text [data-table="quantities"]:not([data-cont])', "els => els.map(e => e.title)")
    assert not any("e+" in t for t in quantity_titles)
    dated = rows_of(seed_analysis["dates"], SEED).dropna(subset=["start_date"])
    i = int(dated.index[0])
    assert str(dated.iloc[0]["start_date"]) in page.get_attribute(f'#text [data-table="dates"][data-row="{i}"]', "title")


def test_review_browser_index_sorts_filters_and_links(index, seed_analysis):
    page = index.page
    docs = lambda: page.eval_on_selector_all("#articles tbody tr:not([hidden])", "els => els.map(e => e.dataset.doc)")
    assert docs() == [SEED, "second.txt"]  # conflicts first
    assert page.locator(f'#articles tr[data-doc="{SEED}"] td[data-table="entities"]').inner_text() == \
        str(len(seed_analysis["entities"]))
    page.click("#articles th:has-text('entities')")  # ascending: the article with no rows first
    assert docs() == ["second.txt", SEED]
    page.click("#articles th:has-text('entities')")
    assert docs() == [SEED, "second.txt"]
    page.fill("#filter", "zh-Hans")
    assert docs() == ["second.txt"]
    assert page.locator("#shown").inner_text() == "1"
    page.fill("#filter", "")
    assert len(docs()) == 2
    assert page.locator("svg.chart").count() == 4
    page.click(f'#articles tr[data-doc="{SEED}"] a')
    assert page.locator("#text .sent").count() == len(rows_of(seed_analysis["sentences"], SEED))
    assert index.errors == []


def test_review_browser_missing_chromium_is_named(monkeypatch, tmp_path):
    import sys

    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    reason = _missing_browser()
    assert reason is not None and "setup_browser.sh" in reason
