"""The zh_extract spaCy pipeline package: spacy.load("zh_extract"), Docs over text in any script, round trips."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from importlib.metadata import entry_points

import pytest
import spacy
from spacy import displacy

from tests.conftest import ROOT

SPACY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "PRODUCT", "DATE", "MONEY", "PERCENT", "QUANTITY", "CARDINAL"}
TRADITIONAL = "據新華社報道，美國總統特朗普表示，已允許英偉達向中國出口H200晶片，出口利潤中需有25%上繳美國政府。" \
              "2025年12月8日，營收達到30億美元。"


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("zh_extract")


@pytest.fixture(scope="module")
def doc(nlp):
    return nlp(TRADITIONAL)


def _ents(doc) -> list[tuple[str, str, str | None]]:
    return [(e.text, e.label_, e._.canonical) for e in doc.ents]


def test_spacy_package_factories_and_tokenizer_are_entry_points():
    factories = {ep.name: ep.value for ep in entry_points(group="spacy_factories")}
    tokenizers = {ep.name: ep.value for ep in entry_points(group="spacy_tokenizers")}
    assert factories["zh_extract_entities"] == "extract.analysis.nlp:make_entities"
    assert {"zh_extract_sentences", "zh_extract_quantities", "zh_extract_dates", "zh_extract_ents"} <= set(factories)
    assert tokenizers["zh_extract.jieba_tokenizer.v2"] == "extract.analysis.nlp:create_jieba_tokenizer"


def test_spacy_package_keeps_traditional_text_and_finds_its_entities(doc):
    assert doc.text == TRADITIONAL
    ents = _ents(doc)
    assert ("英偉達", "ORG", "英伟达") in ents
    assert ("美國", "GPE", "美国") in ents and ("特朗普", "PERSON", "特朗普") in ents
    assert ("25%", "PERCENT", None) in ents and ("30億美元", "MONEY", None) in ents
    assert ("2025年12月8日", "DATE", None) in ents
    assert not [e for e in doc.ents if e.label_ == "PERSON" and "允許" in e.text]
    assert {e.label_ for e in doc.ents} <= SPACY_LABELS


def test_spacy_package_sentences_pos_and_span_groups(doc):
    assert [s.text for s in doc.sents] == [
        "據新華社報道，美國總統特朗普表示，已允許英偉達向中國出口H200晶片，出口利潤中需有25%上繳美國政府。",
        "2025年12月8日，營收達到30億美元。"]
    pos = {t.text: t.pos_ for t in doc}
    assert (pos["允許"], pos["英偉達"], pos["，"], pos["表示"]) == ("VERB", "PROPN", "PUNCT", "VERB")
    assert [s.text for s in doc.spans["dates"]] == ["2025年12月8日"]
    assert [(s.text, s.label_) for s in doc.spans["quantities"]] == [("25%", "percent"), ("30億美元", "money")]
    assert {e.canonical for e in doc._.entities} >= {"英伟达", "新华社", "美国政府"}


def test_spacy_package_tokens_cover_the_text_in_every_script(nlp):
    for text in ("輝達的記憶體晶片在臺灣生產。", "英伟达的内存芯片在台湾生产。", "  \n空白 與 English words\n"):
        doc = nlp(text)
        assert doc.text == text
        assert all(doc.text[t.idx:t.idx + len(t)] == t.text for t in doc)
    assert nlp("").text == ""


def test_spacy_package_round_trips_through_to_disk(nlp, doc, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    again = spacy.load(tmp_path / "pipeline")(TRADITIONAL)
    assert again.to_json() == doc.to_json()
    assert _ents(again) == _ents(doc)
    assert {k: [(s.start, s.end, s.label_) for s in g] for k, g in again.spans.items()} == \
        {k: [(s.start, s.end, s.label_) for s in g] for k, g in doc.spans.items()}


def test_spacy_package_displacy_renders_the_entities(doc):
    html = displacy.render(doc, style="ent")
    assert html.count("<mark") == len(doc.ents) > 5
    assert "英偉達" in html and "ORG" in html and "MONEY" in html


def test_spacy_package_entities_agree_with_the_analysis_on_the_seed(nlp, seed_text):
    import extract

    rows = extract.analyze(seed_text)["entities"]
    analysed = set(zip(rows["start"], rows["end"], rows["label"], rows["canonical"]))
    ents = {(e.start_char, e.end_char, e.label_, e._.canonical) for e in nlp(seed_text).ents
            if e.label_ in ("PERSON", "ORG", "GPE", "LOC", "PRODUCT")}
    assert len(ents) > 50
    assert ents <= analysed


def test_spacy_package_is_up_to_date():
    spec = importlib.util.spec_from_file_location("build_spacy_package", ROOT / "scripts" / "build_spacy_package.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.differences() == []


@pytest.mark.slow
def test_spacy_package_loads_by_name_in_a_fresh_interpreter():
    # A fresh process imports nothing of ours: spaCy must find the factories through the entry points.
    code = ("import json, spacy; doc = spacy.load('zh_extract')('已允許英偉達出口晶片。'); "
            "print(json.dumps([(e.text, e.label_, e._.canonical) for e in doc.ents], ensure_ascii=False))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True,
                         cwd="/")
    assert json.loads(out.stdout) == [["英偉達", "ORG", "英伟达"]]


def test_spacy_package_doc_records_survive_to_bytes_and_docbin(nlp, doc):
    from spacy.tokens import Doc, DocBin

    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert again.text == doc.text and _ents(again) == _ents(doc)
    assert again._.entities == doc._.entities and again._.dates == doc._.dates
    assert again._.quantities == doc._.quantities and again._.normalized == doc._.normalized
    assert again._.published == doc._.published
    (back,) = DocBin(store_user_data=True, docs=[doc]).get_docs(nlp.vocab)
    assert list(back._.dates) == list(doc._.dates)  # DocBin reads lists back as tuples
