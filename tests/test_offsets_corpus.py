"""The offset contract on real text: every token and sentence maps back to its original span exactly."""
from __future__ import annotations

import json
from collections import Counter

import opencc
import pytest

from extract.analysis.nlp import segmenter
from extract.errors import EmptyTextError
from extract.text import structure
from extract.text.normalize import normalize
from extract.text.segment import merge_across


def _articles(shared_dir, name):
    with open(shared_dir / "corpus" / name, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            text = record.get("text_with_references") or record["text"]
            yield record["id"], text


def _check(text: str, configs: Counter, converters: dict) -> None:
    try:
        norm = normalize(text)
    except EmptyTextError:  # a record with no Chinese at all: the pipeline reports it, nothing to map
        configs["no_chinese"] += 1
        return
    configs[norm.config] += 1
    convert = converters.setdefault(norm.config, opencc.OpenCC(norm.config) if norm.config != "none" else None)
    tokens = merge_across(segmenter().tokens(norm.simplified), norm.is_boundary)
    lines = structure.lines(norm.simplified)
    spans = [(t.start, t.end) for t in tokens] + [(s.start, s.end) for s in structure.sentences(norm.simplified, lines)]
    for s, e in spans:
        a, b = norm.to_original(s, e)
        assert 0 <= a <= b <= len(text)
        assert norm.to_simplified(a, b) == (s, e), (text[a:b], norm.simplified[s:e])
        if convert is not None:
            converted = convert.convert(text[a:b])
            # Converting a span on its own (OpenCC, then our kept names such as 昇腾) gives the in-context
            # conversion, except where a character converts differently alone than inside the phrase around
            # it (乾 alone → 干, in 乾隆 → 乾): those are counted and must stay rare.
            if converted != norm.simplified[s:e] and \
                    normalize(text[a:b], variant=norm.variant).simplified != norm.simplified[s:e]:
                _check.mismatches += 1
        else:
            assert text[a:b] == norm.simplified[s:e]
    _check.spans += len(spans)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["news_zh_hant.jsonl", "news_zh_hans.jsonl", "with_refs.jsonl"])
def test_offsets_corpus_tokens_and_sentences_map_back(shared_dir, name):
    _check.mismatches = _check.spans = 0
    configs: Counter = Counter()
    converters: dict = {}
    for _, text in _articles(shared_dir, name):
        _check(text, configs, converters)
    if name == "news_zh_hant.jsonl":
        assert {"t2s", "tw2sp", "hk2s"} <= set(configs), configs
    # Standalone conversion differs only for isolated single characters, a vanishing share of spans.
    assert _check.mismatches <= 0.001 * _check.spans, (_check.mismatches, _check.spans)


def test_offsets_seed_article(seed_text):
    _check.mismatches = _check.spans = 0
    _check(seed_text, Counter(), {})
    assert _check.mismatches == 0
