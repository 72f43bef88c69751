"""Tests of extract.ner.cnn: its data file, tokenizer, corpus reader and the shipped trained model."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extract.ner import cnn as ner_model
from extract.ner.cnn import (
    CharWordTokenizer,
    CorpusSentence,
    NERModelMissingError,
    load_model,
    model_settings,
    predict_spans,
    read_corpus,
)

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "cases" / "ner_model.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def test_ner_model_settings_load_and_compile():
    settings = model_settings()
    re.compile(settings["token_pattern"])
    re.compile(settings["sentence_ends"])
    assert settings["labels"] == ["PERSON", "ORG", "LOC"]
    allowed = {*settings["labels"], "missing"}
    for corpus, label_map in settings["label_map"].items():
        assert set(label_map.values()) <= allowed, corpus


def test_ner_model_tokenizer_splits_characters_and_keeps_offsets():
    from spacy.vocab import Vocab

    text = "英伟达H200芯片  在 GPT4o发布后，ＡＢＣ上涨\n三成。"
    doc = CharWordTokenizer(Vocab())(text)
    assert doc.text == text
    assert all(text[t.idx:t.idx + len(t.text)] == t.text for t in doc)
    words = [t.text for t in doc]
    assert words[:6] == ["英", "伟", "达", "H", "200", "芯"]
    assert "GPT" in words and "4" in words and "o" in words and "ＡＢＣ" in words
    assert all(t.norm != 0 and t.tag != 0 and t.lemma != 0 for t in doc if not t.is_space)


def test_ner_model_split_never_cuts_inside_an_entity():
    text = "甲公司。乙在北京！丙说：“好。”完"
    sentence = CorpusSentence(text, ((0, 3, "ORG"), (6, 8, "LOC")), ((12, 16),))
    pieces = ner_model._split_at_sentence_ends(sentence, max_chars=4)
    assert "".join(p.text for p in pieces) == text
    found = [p.text[s:e] for p in pieces for s, e, _ in p.spans]
    assert found == ["甲公司", "北京"]
    assert [p.text[s:e] for p in pieces for s, e in p.missing] == ["“好。”"]


def test_ner_model_read_corpus_maps_labels(shared_dir):
    sentences = read_corpus(shared_dir / "ner" / "boson" / "test.jsonl", "boson", max_chars=200)
    labels = {label for s in sentences for *_, label in s.spans}
    assert labels == {"PERSON", "ORG", "LOC"}
    assert sum(len(s.missing) for s in sentences) > 0  # product names are neither entities nor "no entity"
    assert all(0 <= start < end <= len(s.text) for s in sentences for start, end, _ in s.spans)


def test_ner_model_missing_model_names_the_path(tmp_path):
    with pytest.raises(NERModelMissingError, match=re.escape(str(tmp_path))):
        load_model(tmp_path)


def test_ner_model_loads_offline_from_the_package():
    nlp = load_model()
    assert set(nlp.get_pipe("ner").labels) == {"PERSON", "ORG", "LOC"}


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:12] for c in CASES])
def test_ner_model_finds_obvious_entities(case):
    found = set(predict_spans([case["text"]])[0])
    missing = [tuple(span) for span in case["expected"] if tuple(span) not in found]
    assert not missing, f"missed {missing}; found {sorted(found)}"


def test_ner_model_predicts_nothing_for_empty_texts():
    assert predict_spans(["", "   ", "\n"]) == [[], [], []]


def test_ner_model_spans_are_offsets_into_the_text():
    texts = ["据新华社报道，张伟在深圳参观了腾讯公司。", "Apple 公司CEO库克 访问 北京"]
    for text, spans in zip(texts, predict_spans(texts)):
        for start, end, label in spans:
            assert 0 <= start < end <= len(text)
            assert text[start:end].strip() == text[start:end]
            assert label in {"PERSON", "ORG", "LOC"}


def test_gazetteer_marks_give_the_lexicon_label_and_position_per_character():
    from extract.ner.cnn import _gazetteer_marks

    text = "英伟达在上海"
    assert _gazetteer_marks(text) == ["ORG-B", "ORG-I", "ORG-E", "", "GPE-B", "GPE-E"]


def test_gazetteer_tokenizer_changes_only_the_tag_feature():
    import spacy

    from extract.ner.cnn import CharWordTokenizer

    vocab = spacy.blank("zh").vocab
    text = "英伟达在上海发布新品"
    plain, marked = CharWordTokenizer(vocab)(text), CharWordTokenizer(vocab, gazetteer=True)(text)
    assert [t.text for t in plain] == [t.text for t in marked]
    assert [t.norm for t in plain] == [t.norm for t in marked] and [t.lemma for t in plain] == [t.lemma for t in marked]
    # characters the lexicon covers get another TAG; the rest keep theirs
    changed = [plain[i].tag != marked[i].tag for i in range(len(text))]
    assert changed == [True, True, True, False, True, True, False, False, False, False]
