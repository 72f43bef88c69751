"""Tests of extract.ner.crf: features, exact and pruned Viterbi decoding, span reading, the shipped model."""
from __future__ import annotations

import itertools

import numpy
import pytest

from extract.extractors.entities import word_tokens
from extract.ner import crf as ner_crf
from extract.ner.crf import CRFModel, char_features, default_word_info

LABELS = ("O", "B-LOC", "B-ORG", "B-PERSON", "I-LOC", "I-ORG", "I-PERSON")


def _model(transitions: numpy.ndarray) -> CRFModel:
    return CRFModel.from_weights(LABELS, numpy.zeros(0), numpy.zeros((0, len(LABELS))), transitions)


def _brute_force(emissions: numpy.ndarray, transitions: numpy.ndarray) -> list[int]:
    """The best label sequence by enumeration (crfsuite's score: no start or end transitions)."""
    best, best_path = -numpy.inf, None
    for path in itertools.product(range(emissions.shape[1]), repeat=len(emissions)):
        score = sum(emissions[i, y] for i, y in enumerate(path))
        score += sum(transitions[a, b] for a, b in zip(path, path[1:]))
        if score > best:
            best, best_path = score, list(path)
    return best_path


def test_emissions_sum_the_weights_of_the_buckets_that_carry_any():
    labels = ("O", "B-PERSON", "I-PERSON")
    # Buckets at word edges of the bitmap (63, 64), far apart (4,000,000) and given out of order.
    buckets = numpy.array([4_000_000, 64, 63, 5])
    state = numpy.array([[1, 2, 3], [10, 20, 30], [100, 200, 300], [0.5, 0, -0.5]])
    model = CRFModel.from_weights(labels, buckets, state, numpy.zeros((3, 3)))
    features = numpy.array([[63, 7, 5, 64],
                            [4_000_000, 62, 65, 5]], dtype=numpy.uint32)
    expected = numpy.array([[101, 202, 303], [0, 0, 0], [0.5, 0, -0.5], [10.5, 20, 29.5]], dtype=numpy.float32)
    assert numpy.array_equal(model.emissions(features), expected)
    with pytest.raises(ner_crf.NERCRFError):
        CRFModel.from_weights(labels, numpy.array([5, 5]), numpy.zeros((2, 3)), numpy.zeros((3, 3)))


def test_emissions_are_the_sums_of_rows_in_template_order_on_long_texts():
    # Long enough for the rows asked for ahead; a dense table of rows and numpy's float32 sums, template by
    # template, are the reference: the same floats, bit for bit.
    rng = numpy.random.default_rng(16)
    labels = ("O", "B-LOC", "B-MISC", "B-ORG", "B-PERSON", "I-LOC", "I-MISC", "I-ORG", "I-PERSON")
    buckets = numpy.unique(rng.integers(0, 1 << ner_crf.BUCKET_BITS, size=5000))
    state = rng.normal(0, 1, (len(buckets), len(labels))).astype(numpy.float16)
    model = CRFModel.from_weights(labels, buckets, state, numpy.zeros((9, 9)))
    row_of = dict(zip(buckets.tolist(), state.astype(numpy.float32)))
    # Half the features carry weights, half do not.
    features = numpy.where(rng.random((25, 300)) < 0.5, rng.choice(buckets, (25, 300)),
                           rng.integers(0, 1 << ner_crf.BUCKET_BITS, (25, 300))).astype(numpy.uint32)
    expected = numpy.zeros((300, len(labels)), dtype=numpy.float32)
    for template in features:
        expected += numpy.array([row_of.get(b, numpy.zeros(len(labels), numpy.float32)) for b in template.tolist()])
    assert numpy.array_equal(model.emissions(features), expected)


def test_decode_is_exact_viterbi_without_margin():
    rng = numpy.random.default_rng(7)
    transitions = rng.normal(0, 2, (3, 3))
    labels = ("O", "B-PERSON", "I-PERSON")
    model = CRFModel.from_weights(labels, numpy.zeros(0), numpy.zeros((0, 3)), transitions)
    for trial in range(60):
        n = int(rng.integers(1, 8))
        emissions = rng.normal(0, 3, (n, 3)).astype(numpy.float32)
        # Some characters far on the O side: they must be fixed to O without changing the result.
        emissions[rng.random(n) < 0.4, 0] += 40
        got = model.decode(emissions).tolist()
        assert got == _brute_force(emissions, model.transitions), (trial, emissions)


def _viterbi(emissions: numpy.ndarray, transitions: numpy.ndarray) -> list[int]:
    """Plain Viterbi over the whole sequence, position by position."""
    score = emissions[0].astype(numpy.float64)
    back = []
    for row in emissions[1:]:
        candidates = score[:, None] + transitions
        back.append(candidates.argmax(axis=0))
        score = candidates.max(axis=0) + row
    path = [int(score.argmax())]
    for pointers in reversed(back):
        path.append(int(pointers[path[-1]]))
    return path[::-1]


def test_decode_of_many_stretches_at_once_equals_plain_viterbi():
    rng = numpy.random.default_rng(3)
    model = _model(rng.normal(0, 1, (7, 7)))
    for trial in range(20):
        emissions = rng.normal(0, 2, (300, 7)).astype(numpy.float32)
        emissions[rng.random(300) < 0.6, 0] += 30  # closed O characters cut the text into many stretches
        assert model.decode(emissions).tolist() == _viterbi(emissions, model.transitions), trial


def test_decode_with_fixed_outside_characters_decodes_the_stretches_between_them():
    rng = numpy.random.default_rng(5)
    model = _model(rng.normal(0, 1, (7, 7)))
    emissions = rng.normal(0, 2, (60, 7)).astype(numpy.float32)
    fixed = numpy.zeros(60, dtype=bool)
    fixed[[0, 7, 8, 30, 59]] = True
    got = model.decode(emissions, fixed_outside=fixed).tolist()
    assert [got[i] for i in (0, 7, 8, 30, 59)] == [0] * 5
    # Between fixed characters, the best path given O on both sides: plain Viterbi with O forced there.
    forced = emissions.copy()
    forced[fixed, 1:] = -1e6
    assert got == _viterbi(forced, model.transitions)


def test_spans_read_bio_and_start_a_span_at_a_stray_inside_label():
    model = _model(numpy.zeros((7, 7)))
    ids = [LABELS.index(x) for x in ("B-PERSON", "I-PERSON", "O", "I-LOC", "I-LOC", "B-ORG", "B-ORG", "I-LOC")]
    assert model.spans(numpy.array(ids)) == [(0, 2, "PERSON"), (3, 5, "LOC"), (5, 6, "ORG"), (6, 7, "ORG"),
                                             (7, 8, "LOC")]


def test_char_features_are_one_row_per_character_and_deterministic():
    text = "国务院总理李强在北京会见了Microsoft总裁，2024年。"
    tokens = word_tokens(text)
    first = char_features(text, tokens, default_word_info())
    again = char_features(text, tokens, default_word_info())
    assert first.shape == (25, len(text)) and first.dtype == numpy.uint32
    assert (first == again).all()
    assert int(first.max()) < 1 << ner_crf.BUCKET_BITS
    # Same character and context, same buckets; the bias column is one bucket everywhere.
    assert len(set(first[0].tolist())) == 1
    # Fullwidth and upper case read as ASCII lower case, every digit as 0.
    a = char_features("ＡＢ１２", word_tokens("ＡＢ１２"), default_word_info())
    b = char_features("ab90", word_tokens("ab90"), default_word_info())
    assert (a[1:6] == b[1:6]).all()


def test_char_features_reject_tokens_that_do_not_cover_the_text():
    with pytest.raises(ValueError, match="do not cover"):
        char_features("北京大学", [("北京", 0, 2)], default_word_info())


def test_shipped_crf_model_finds_people_places_and_organisations():
    text = "国务院总理李强在北京会见了世界银行行长彭安杰，双方讨论了越南的发展。"
    spans = {(text[s:e], label) for s, e, label in ner_crf.predict_spans(text, word_tokens(text))}
    assert {("李强", "PERSON"), ("北京", "LOC"), ("世界银行", "ORG"), ("越南", "LOC")} <= spans
    assert not any(label == "MISC" for _, label in spans)


def test_shipped_crf_model_is_small_and_decodes_clause_by_clause_as_exactly():
    model = ner_crf.load_crf_model()
    assert ner_crf.MODEL_PATH.stat().st_size < 40e6
    text = ("新华社北京12月9日电 国家统计局9日发布数据，11月份全国居民消费价格同比上涨0.2%。"
            "国家统计局城市司首席统计师董莉娟解读称，受季节性因素影响，鲜菜价格有所上涨。")
    emissions = model.emissions(char_features(text, word_tokens(text), default_word_info(), ner_crf.gazetteer_automaton()))
    marks = ner_crf.clause_marks(text)
    assert marks.sum() == text.count("，") + text.count("。") + text.count("：")
    assert model.decode(emissions).tolist() == model.decode(emissions, fixed_outside=marks).tolist()
