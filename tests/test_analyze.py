"""The library API `extract.analyze`: contract columns, the offset contract, errors."""
from __future__ import annotations

from datetime import date

import pytest

import extract

CONTRACT_COLUMNS = {
    "documents": ["doc_id", "source", "content_sha256", "title", "author", "published", "published_basis", "variant",
                  "conversion", "text", "text_simplified", "n_chars", "pipeline_version", "processed_at"],
    "sentences": ["doc_id", "sent_idx", "start", "end", "section", "text", "text_simplified"],
    "tokens": ["doc_id", "sent_idx", "tok_idx", "start", "end", "text", "text_simplified", "pos"],
    "entities": ["doc_id", "sent_idx", "start", "end", "text", "text_simplified", "label", "canonical", "method"],
    "quantities": ["doc_id", "sent_idx", "start", "end", "text", "kind", "value", "low", "high", "unit", "approximate"],
    "dates": ["doc_id", "sent_idx", "start", "end", "text", "kind", "start_date", "end_date", "granularity", "duration",
              "anchor"],
    "references": ["doc_id", "ref_idx", "marker", "start", "end", "title", "publisher", "published", "raw"],
    "citations": ["doc_id", "ref_idx", "sent_idx", "score", "evidence"],
    "conflicts": ["doc_id", "ref_idx", "sent_idx", "kind", "article_text", "reference_text", "detail"],
}
MENTION_TABLES = ("sentences", "tokens", "entities", "quantities", "dates")


@pytest.fixture(scope="module")
def seed_tables(seed_text):
    return extract.analyze(seed_text, source="h200-china-chips.txt")


def test_analyze_returns_contract_columns(seed_tables):
    assert set(seed_tables) == set(CONTRACT_COLUMNS)
    for name, columns in CONTRACT_COLUMNS.items():
        missing = [c for c in columns if c not in seed_tables[name].columns]
        assert not missing, (name, missing)


def test_analyze_seed_document_row(seed_tables, seed_text):
    doc = seed_tables["documents"].iloc[0]
    assert doc["doc_id"] == "h200-china-chips.txt"
    assert doc["variant"] == "zh-Hant" and doc["conversion"] == "t2s"
    assert doc["text"] == seed_text and doc["n_chars"] == len(seed_text)
    assert doc["author"] == "竹未晞"
    assert doc["text_simplified"].startswith("竹未晞/文\n据新华社报道")


def test_analyze_seed_sections(seed_tables):
    sections = seed_tables["sentences"].groupby("section").size().to_dict()
    assert sections["byline"] == 1 and sections["heading"] == 4 and sections["references"] == 16
    assert sections["boilerplate"] >= 2 and sections["caption"] == 5
    assert sections["body"] > 60


@pytest.mark.parametrize("table", MENTION_TABLES)
def test_analyze_offsets_slice_the_original(seed_tables, table):
    text = seed_tables["documents"].iloc[0]["text"]
    simplified = seed_tables["documents"].iloc[0]["text_simplified"]
    frame = seed_tables[table]
    assert len(frame) > 0
    for row in frame.itertuples():
        assert text[row.start:row.end] == row.text
        assert len(row.text) == len(row.text_simplified) or row.text_simplified in simplified


def test_analyze_offsets_where_conversion_changes_length():
    text = "臺灣記憶體大廠今年營收成長三成，輝達伺服器訂單超過50萬臺。"
    tables = extract.analyze(text, published=date(2025, 3, 1))
    doc = tables["documents"].iloc[0]
    assert doc["conversion"] == "tw2sp" and doc["text_simplified"].startswith("台湾内存大厂")
    for table in MENTION_TABLES:
        for row in tables[table].itertuples():
            assert text[row.start:row.end] == row.text
    quantities = tables["quantities"].set_index("text")
    assert quantities.loc["三成", "value"] == 30 and quantities.loc["三成", "unit"] == "%"
    assert quantities.loc["超過50萬臺", "value"] == 500000 and quantities.loc["超過50萬臺", "approximate"]
    tokens = tables["tokens"].set_index("text")
    assert tokens.loc["記憶體", "text_simplified"] == "内存"


def test_analyze_published_anchors_relative_dates():
    tables = extract.analyze("今年第二季度营收增长。去年同期下降。", published=date(2025, 12, 10))
    dates = tables["dates"].set_index("text")
    assert str(dates.loc["今年第二季度", "start_date"]) == "2025-04-01"
    # 去年同期: the quarter just named, a year earlier (issue 15), itself anchored through 今年 on the date
    assert str(dates.loc["去年同期", "start_date"]) == "2024-04-01"
    assert str(dates.loc["去年同期", "end_date"]) == "2024-06-30"
    assert tables["documents"].iloc[0]["published_basis"] == "metadata"


@pytest.mark.parametrize("text, words", [("", "empty"), ("   ", "empty"), ("No Chinese here at all.", "no Chinese")])
def test_analyze_rejects_unusable_text(text, words):
    with pytest.raises(extract.ExtractError, match=words):
        extract.analyze(text, source="x.txt")


def test_analyze_entity_model_setting_says_what_the_model_reads(seed_text):
    from extract.analysis.article import analyze_article
    from extract.errors import ExtractError as Error
    from extract.settings import Settings
    from extract.text.ingest import Article

    article = Article("seed", "seed.txt", seed_text)
    methods = {scope: {e["method"] for e in analyze_article(article, Settings(entity_model=scope)).rows["entities"]}
               for scope in ("off", "crf", "cnn")}
    assert not any(m.startswith("model") for m in methods["off"]) and "lexicon" in methods["off"]
    # By default the CRF reads the whole text; "cnn" puts the spaCy model in its place.
    assert "model:crf" in methods["crf"] and "model:cnn" not in methods["crf"]
    assert "model:cnn" in methods["cnn"] and "model:crf" not in methods["cnn"]
    with pytest.raises(Error, match="entity_model"):
        analyze_article(article, Settings(entity_model="cues"))


def test_analyze_freezes_the_libraries_it_imported(seed_text):
    # pandas, imported by the first frames, must leave the garbage collector's full passes like the models
    # (a full pass walked its 50,000 objects: a fortieth of the analysis of short articles).
    import gc
    import sys

    from extract.analysis import article

    extract.analyze(seed_text)
    assert "pandas" in sys.modules
    assert article._frozen_at_modules[0] == len(sys.modules)
    assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    extract.analyze(seed_text)   # nothing new imported: nothing more frozen
    assert gc.get_freeze_count() == frozen
