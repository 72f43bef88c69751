"""Named entities: golden cases (tests/cases/entities.jsonl), offsets, rules data, and the seed article."""
from __future__ import annotations

import json
from pathlib import Path

import opencc
import pytest

from extract.extractors.entities import Entity, _matches, entity_rules, find_entities

CASES = Path(__file__).parent / "cases" / "entities"


def test_entities_rules_data_loads_and_compiles():
    rules = entity_rules()
    assert "公司" in rules.org_suffixes and "总统" in rules.person_titles
    assert rules.product_code.search("H200") and not rules.product_code_stop.match("H200")
    assert rules.product_code_stop.match("Q2") and rules.not_entity.match("28nm")



def test_entities_scan_cues_are_words_of_the_patterns_they_gate():
    # A cue lets a text skip a pattern's scan: it must name one of the rules' patterns and be written in it
    # (a cue the pattern does not hold would skip texts the pattern matches).
    rules = entity_rules()
    assert rules.scan_cues
    for name, cues in rules.scan_cues.items():
        pattern = getattr(rules, name)
        assert hasattr(pattern, "finditer") and cues, name
        assert all(cue in pattern.pattern for cue in cues), name


def test_entities_scan_cues_stand_in_every_case_text_their_pattern_matches():
    # The cues are a necessary condition: every case text a gated pattern matches holds one of them.
    rules = entity_rules()
    texts = [json.loads(line)["text"] for path in sorted(CASES.glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for name, cues in rules.scan_cues.items():
        matched = [text for text in texts if getattr(rules, name).search(text)]
        assert all(any(cue in text for cue in cues) for text in matched), name


def test_entities_matches_scan_only_texts_holding_a_cue():
    rules = entity_rules()
    assert [m.group(1) for m in _matches("据说小枫（化名）今年十岁", "person_pseudonym", rules)] == ["说小枫"]
    assert list(_matches("小枫今年十岁", "person_pseudonym", rules)) == []
    # A pattern without cues is scanned as ever.
    assert [m.group() for m in _matches("甲，乙，", "clause_breaks", rules)] == ["，", "，"]

def _check_well_formed(text: str, found: list[Entity]) -> None:
    rules = entity_rules()
    previous_end = 0
    for ent in found:
        assert text[ent.start:ent.end] == ent.text
        assert ent.start >= previous_end, ent
        previous_end = ent.end
        assert ent.label in {"PERSON", "ORG", "GPE", "LOC", "PRODUCT"}
        assert ent.text not in rules.generic_nouns
        assert ent.canonical


def test_entities_offsets_are_sorted_non_overlapping_and_exact():
    text = "新华社北京电 美国总统特朗普表示，英伟达H200将获准出口。\n清华大学计算机系教授翟季冬说。"
    found = find_entities(text, model="off")
    _check_well_formed(text, found)
    assert [e.text for e in found] == ["新华社", "北京", "美国", "特朗普", "英伟达", "H200", "清华大学计算机系", "翟季冬"]


def test_entities_given_tokens_match_computed_tokens():
    from extract.extractors.entities import word_tokens

    text = "阿里云与腾讯云扩大采购，华为昇腾910B供不应求。"
    assert find_entities(text, tokens=word_tokens(text), model="off") == find_entities(text, model="off")


def test_entities_empty_text_gives_nothing():
    assert find_entities("") == []


# Every organisation and product of the seed article's body and reference list, checked by hand,
# as (text in the Simplified conversion, label, canonical name).
SEED_EXPECTED = {
    ("新华社", "ORG", "新华社"), ("特朗普", "PERSON", "特朗普"), ("英伟达", "ORG", "英伟达"),
    ("H200", "PRODUCT", "H200"), ("AMD", "ORG", "超威半导体"), ("英特尔", "ORG", "英特尔"),
    ("美国政府", "ORG", "美国政府"), ("阿里云", "ORG", "阿里云"), ("腾讯云", "ORG", "腾讯云"),
    ("百度智能云", "ORG", "百度智能云"), ("Llama2", "PRODUCT", "Llama2"), ("CUDA", "PRODUCT", "CUDA"),
    ("商汤科技", "ORG", "商汤科技"), ("智谱AI", "ORG", "智谱"), ("百川智能", "ORG", "百川智能"),
    ("招商银行", "ORG", "招商银行"), ("平安集团", "ORG", "中国平安"), ("联影医疗", "ORG", "联影医疗"),
    ("国家超级计算中心", "ORG", "国家超级计算中心"), ("中芯国际", "ORG", "中芯国际"), ("华虹公司", "ORG", "华虹半导体"),
    ("比亚迪", "ORG", "比亚迪"), ("宁德时代", "ORG", "宁德时代"), ("华虹", "ORG", "华虹集团"),
    ("粤芯半导体", "ORG", "粤芯半导体"), ("ASML", "ORG", "阿斯麦"), ("Qorvo", "ORG", "Qorvo"),
    ("Skyworks", "ORG", "思佳讯"), ("华为", "ORG", "华为"), ("寒武纪", "ORG", "寒武纪"),
    ("思元590", "PRODUCT", "思元590"), ("字节跳动", "ORG", "字节跳动"), ("上海微电子", "ORG", "上海微电子"),
    ("华虹集团", "ORG", "华虹集团"), ("国家网信办", "ORG", "国家互联网信息办公室"),
    ("清华大学计算机系", "ORG", "清华大学计算机系"), ("翟季冬", "PERSON", "翟季冬"), ("央视网", "ORG", "央视网"),
    ("黄仁勋", "PERSON", "黄仁勋"), ("每日经济新闻", "ORG", "每日经济新闻"), ("腾讯网", "ORG", "腾讯网"),
    ("电子工程专辑", "ORG", "电子工程专辑"), ("GLM-4.5-Air", "PRODUCT", "GLM-4.5-Air"), ("今日头条", "ORG", "今日头条"),
    ("东方财富证券", "ORG", "东方财富证券"), ("齐鲁晚报", "ORG", "齐鲁晚报"), ("中国电子报", "ORG", "中国电子报"),
    ("新浪财经", "ORG", "新浪财经"), ("士兰微", "ORG", "士兰微"), ("中证网", "ORG", "中证网"),
    ("科创板日报", "ORG", "科创板日报"), ("证券时报网", "ORG", "证券时报网"), ("集微咨询", "ORG", "集微咨询"),
    ("美国", "GPE", "美国"), ("中国", "GPE", "中国"), ("上海", "GPE", "上海市"), ("无锡", "GPE", "无锡市"),
    ("日本", "GPE", "日本"), ("粤港澳大湾区", "LOC", "粤港澳大湾区"), ("推想医疗", "ORG", "推想医疗"),
    ("浙江见闻录半导体", "ORG", "浙江见闻录半导体"), ("BigModel", "PRODUCT", "BigModel"),
    ("昇腾910B", "PRODUCT", "昇腾910B"),
    # Found by their context, no lexicon entry: a coined word after an organisation's name before a number
    # (陕西电子|芯业|时代|8英寸), a company event (江苏时代芯存|重整失败 in reference ④, then every other mention;
    # 引入华芯杰创|重整), a list beside a product (智谱清言、z.ai和…BigModel).
    ("陜西电子芯业时代", "ORG", "陜西电子芯业时代"), ("江苏时代芯存", "ORG", "江苏时代芯存"),
    ("华芯杰创", "ORG", "华芯杰创"), ("智谱清言", "PRODUCT", "智谱清言"), ("z.ai", "PRODUCT", "z.ai"),
}


@pytest.mark.parametrize("model", ["crf", "off"])
def test_entities_seed_article_orgs_and_products(seed_text, model):
    from extract.text.normalize import normalize

    text = normalize(seed_text).simplified
    found = find_entities(text, model=model)
    _check_well_formed(text, found)
    got = {(e.text, e.label, e.canonical) for e in found}
    assert SEED_EXPECTED - got == set()
    assert not {e.text for e in found} & {"芯片", "晶圆厂", "28nm", "14nm", "图源"}


def test_entities_plain_t2s_spelling_of_a_brand_keeps_its_canonical_name():
    # Plain OpenCC t2s turns 昇騰 into 升腾: the mention is as converted, the canonical name the lexicon's.
    text = opencc.OpenCC("t2s").convert("華為昇騰910B供不應求")
    got = {(e.text, e.label, e.canonical) for e in find_entities(text, model="off")}
    assert got == {("华为", "ORG", "华为"), ("升腾910B", "PRODUCT", "昇腾910B")}


def test_entities_shared_corpus_well_formed(shared_dir):
    path = shared_dir / "corpus" / "news_zh_hans.jsonl"
    with path.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for _, line in zip(range(40), fh)]
    labels = set()
    for text in texts:
        found = find_entities(text, model="off")
        _check_well_formed(text, found)
        labels.update(e.label for e in found)
    assert {"PERSON", "ORG", "GPE"} <= labels


def _fake_model(monkeypatch, spans_for):
    """Stand in for the trained spaCy model: `spans_for(text)` gives its (start, end, label) spans of one text.

    The CRF model is switched off, so that only the stand-in's spans reach the merge.
    """
    from extract.extractors import entities

    monkeypatch.setattr(entities, "_crf_model", lambda: None)
    seen = []

    def predict(texts):
        seen.extend(texts)
        return [spans_for(t) for t in texts]

    monkeypatch.setattr(entities, "_model_predict", lambda: predict)
    return seen


def _spans_of(names: dict[str, str]):
    def spans_for(text):
        out = []
        for name, label in names.items():
            i = text.find(name)
            if i >= 0:
                out.append((i, i + len(name), label))
        return out
    return spans_for


def test_entities_model_fills_gaps_with_lexicon_canonical_names(monkeypatch):
    text = "记者从辉达获悉，张晓峰与王建明昨日抵达深圳。"
    _fake_model(monkeypatch, _spans_of({"辉达": "ORG", "张晓峰": "PER", "王建明": "PER", "深圳": "LOC"}))
    found = find_entities(text, model="cnn")
    got = {(e.text, e.label, e.canonical, e.method) for e in found}
    assert ("辉达", "ORG", "英伟达", "lexicon") in got          # the lexicon came first
    assert ("张晓峰", "PERSON", "张晓峰", "model:cnn") in got
    assert ("深圳", "GPE", "深圳市", "lexicon") in got
    _check_well_formed(text, found)


def test_entities_model_hit_matching_an_alias_takes_its_canonical_name(monkeypatch):
    from extract.extractors import entities

    text = "他说中芯将扩产。"
    _fake_model(monkeypatch, lambda t: [(t.find("中芯"), t.find("中芯") + 2, "ORG")] if "中芯" in t else [])
    monkeypatch.setattr(entities, "lexicon_entities", lambda *args: [])   # as if the lexicon had missed it
    found = find_entities(text, model="cnn")
    assert [(e.text, e.canonical, e.label, e.method) for e in found] == [("中芯", "中芯国际", "ORG", "model:cnn")]


def test_entities_model_handle_is_a_name_whose_canonical_drops_the_at_sign(monkeypatch):
    text = "演员@钟汉良 转发了这条消息。"
    _fake_model(monkeypatch, _spans_of({"@钟汉良": "PER"}))
    got = [(e.text, e.label, e.canonical) for e in find_entities(text, model="cnn")]
    assert got == [("@钟汉良", "PERSON", "钟汉良")]


def test_entities_model_spans_that_are_not_names_are_dropped(monkeypatch):
    text = "公司发布新品：芯片28nm工艺，全面量产。Notice: the AI content"  # Latin headings and generic acronyms
    _fake_model(monkeypatch, _spans_of({"芯片": "ORG", "28nm": "ORG", "公司发布新品：芯片": "ORG", "Notice": "ORG",
                                        "AI": "ORG"}))
    assert find_entities(text, model="cnn") == []


def test_entities_cnn_model_reads_sentence_by_sentence(monkeypatch):
    text = ("今天天气很好，我们一起去公园散步。" * 3) + "据悉，冯晓楠与塔布里兹已抵达。"
    seen = _fake_model(monkeypatch, _spans_of({"冯晓楠": "PER"}))
    found = find_entities(text, model="cnn")
    assert seen == ["今天天气很好，我们一起去公园散步"] * 3 + ["据悉，冯晓楠与塔布里兹已抵达"]
    assert [(e.text, e.method) for e in found] == [("冯晓楠", "model:cnn")]
    # Without a model, a rule guesses the surname-led unknown word.
    assert [(e.text, e.method) for e in find_entities(text, model="off")] == [("冯晓楠", "rule:unknown_name")]


def test_entities_rejects_an_unknown_model():
    with pytest.raises(ValueError, match="crf, cnn, off"):
        find_entities("北京", model="all")


def test_entities_without_model_files_fall_back_to_lexicon_and_rules(monkeypatch):
    from extract.extractors import entities
    from extract.ner import cnn as ner_model
    from extract.ner import crf as ner_crf

    def cnn_missing(*args, **kwargs):
        raise ner_model.NERModelMissingError("no model here")

    def crf_missing(*args, **kwargs):
        raise ner_crf.NERCRFError("no model here")

    entities._model_predict.cache_clear()
    entities._crf_model.cache_clear()
    monkeypatch.setattr(ner_model, "load_model", cnn_missing)
    monkeypatch.setattr(ner_crf, "load_crf_model", crf_missing)
    try:
        for model in ("crf", "cnn"):
            found = find_entities("英伟达在美国。冯晓楠当天到场。", model=model)
            # The lexicon, and the rule for unknown names that stands in for a model.
            assert [(e.text, e.method) for e in found] == [("英伟达", "lexicon"), ("美国", "lexicon"),
                                                           ("冯晓楠", "rule:unknown_name")], model
    finally:
        entities._model_predict.cache_clear()
        entities._crf_model.cache_clear()


def test_entities_model_one_character_names_need_a_known_abbreviation(monkeypatch):
    text = "中美双方就此交换意见，江说。"
    _fake_model(monkeypatch, lambda t: [(0, 1, "LOC"), (1, 2, "LOC")] if t.startswith("中美") else [(0, 1, "PER")])
    got = [(e.text, e.label, e.canonical) for e in find_entities(text, model="cnn")]
    assert got == [("中", "GPE", "中国"), ("美", "GPE", "美国")]


def test_entities_model_one_character_country_abbreviations(monkeypatch):
    # 墨 and 以 are no lexicon aliases (以 is a common word) but stand for countries in such pairs; 巴 stands for
    # several; 奥 inside 奥运会 is a piece of a word.
    text = "中墨两国发表声明，敦促巴以停火。奥运会开幕。"
    _fake_model(monkeypatch, lambda t: [(i, i + 1, "LOC") for i, ch in enumerate(t) if ch in "中墨巴以奥"])
    got = [(e.text, e.label, e.canonical) for e in find_entities(text, model="cnn")]
    assert got == [("中", "GPE", "中国"), ("墨", "GPE", "墨西哥"), ("巴", "GPE", "巴"), ("以", "GPE", "以色列")]


def test_entities_model_name_around_lexicon_names_replaces_them(monkeypatch):
    text = "北京大学附属医院今天开诊。"
    _fake_model(monkeypatch, lambda t: [(0, 8, "ORG")] if t.startswith("北京大学附属医院") else [])
    got = [(e.text, e.label, e.method) for e in find_entities(text, model="cnn")]
    assert got == [("北京大学附属医院", "ORG", "model:cnn")]


def test_entities_model_name_of_an_organisation_then_a_place_keeps_both(monkeypatch):
    text = "英特尔中国今天发布新品。"
    _fake_model(monkeypatch, _spans_of({"英特尔中国": "ORG"}))
    got = [(e.text, e.label, e.canonical, e.method) for e in find_entities(text, model="cnn")]
    assert got == [("英特尔", "ORG", "英特尔", "lexicon"), ("中国", "GPE", "中国", "lexicon")]


@pytest.mark.parametrize("text, name, expected", [
    ("会议在纽约曼哈顿召开。", "纽约曼哈顿", [("纽约", "GPE", "纽约"), ("曼哈顿", "GPE", "曼哈顿")]),
    ("代表团访问了中国上海。", "中国上海", [("中国", "GPE", "中国"), ("上海", "GPE", "上海市")]),
])
def test_entities_model_name_of_two_places_keeps_both(monkeypatch, text, name, expected):
    _fake_model(monkeypatch, _spans_of({name: "LOC"}))
    got = [(e.text, e.label, e.canonical) for e in find_entities(text, model="cnn")]
    assert got == expected


@pytest.mark.parametrize("text, name, expected", [
    ("飞鸿能源董事会昨日开会。", "飞鸿能源董事会", "飞鸿能源"),
    ("飞鸿科技发言人回应称。", "飞鸿科技发言人", "飞鸿科技"),
    ("全体理事会成员出席。", "理事会", "理事会"),   # a name that is only an organ stays whole
])
def test_entities_model_organisation_ends_before_its_members_and_board(monkeypatch, text, name, expected):
    _fake_model(monkeypatch, _spans_of({name: "ORG"}))
    got = [e.text for e in find_entities(text, model="cnn") if e.label == "ORG"]
    assert got == ([expected] if expected not in entity_rules().generic_nouns else [])


def test_entities_model_one_character_person_before_a_title(monkeypatch):
    text = "王先生和李主席握手。"
    _fake_model(monkeypatch, _spans_of({"王": "PER", "李": "PER"}))
    assert [(e.text, e.label) for e in find_entities(text, model="cnn")] == [("王", "PERSON"), ("李", "PERSON")]


def test_entities_model_full_person_name_replaces_a_rule_cut(monkeypatch):
    # The title rule stops at transliteration_max_chars (马丁·加西亚); the model's full name is the better mention.
    name = "马丁·加西亚·罗德里格斯"
    text = f"总统{name}今天抵达。"
    _fake_model(monkeypatch, _spans_of({name: "PER"}))
    assert [(e.text, e.label, e.method) for e in find_entities(text, model="cnn")] == [(name, "PERSON", "model:cnn")]


def test_entities_model_place_reading_wins_over_an_ambiguous_suffix(monkeypatch):
    text = "活动在华茂中心举行。"
    assert [(e.text, e.label) for e in find_entities(text, model="off")] == [("华茂中心", "ORG")]
    _fake_model(monkeypatch, _spans_of({"华茂中心": "LOC"}))
    assert [(e.text, e.label, e.method) for e in find_entities(text, model="cnn")] == [("华茂中心", "LOC", "model:cnn")]


def test_entities_model_reading_a_city_as_an_organisation_makes_it_a_club(monkeypatch):
    # A foreign city read as an organisation is a team named after it; a country, a province or state, or a
    # Chinese city read so is its government, which stays GPE.
    text = "利物浦2比0击败米兰，俄罗斯、上海与安大略省均表示祝贺。"
    _fake_model(monkeypatch, _spans_of({"利物浦": "ORG", "米兰": "LOC", "俄罗斯": "ORG", "上海": "ORG",
                                        "安大略省": "ORG"}))
    got = [(e.text, e.label, e.canonical, e.method) for e in find_entities(text, model="cnn")]
    assert got == [("利物浦", "ORG", "利物浦", "model:cnn"), ("米兰", "GPE", "米兰", "lexicon"),
                   ("俄罗斯", "GPE", "俄罗斯", "lexicon"), ("上海", "GPE", "上海市", "lexicon"),
                   ("安大略省", "GPE", "安大略", "lexicon")]


def test_entities_model_lower_case_word_is_a_name_only_in_a_lower_cased_text(monkeypatch):
    _fake_model(monkeypatch, _spans_of({"bwin": "ORG", "snai": "ORG"}))
    got = [(e.text, e.label) for e in find_entities("据悉bwin与snai达成合作。", model="cnn")]
    assert got == [("bwin", "ORG"), ("snai", "ORG")]
    # Where the text capitalises (here VIP), a lower-case word is an ordinary word.
    got = [(e.text, e.label) for e in find_entities("据悉VIP球迷说bwin与snai达成合作。", model="cnn")]
    assert got == []


def test_entities_model_company_name_may_hold_its_region_in_brackets(monkeypatch):
    names = {"韩国友利银行（中国）有限公司": "ORG", "海辉软件(国际)集团公司": "ORG", "他说（中国）很好": "ORG",
             "昆明（翠湖）有限公司": "ORG"}
    _fake_model(monkeypatch, _spans_of(names))
    text = "韩国友利银行（中国）有限公司与海辉软件(国际)集团公司签约。他说（中国）很好。昆明（翠湖）有限公司"
    got = [e.text for e in find_entities(text, model="cnn") if e.method == "model:cnn"]
    # Brackets hold a place or a scope word, and the name ends in a legal form or suffix; no clause is a name.
    assert got == ["韩国友利银行（中国）有限公司", "海辉软件(国际)集团公司"]


def test_entities_model_description_ending_in_a_generic_noun_is_no_name(monkeypatch):
    # Ordinary words or places before 晶圆厂 or 制造业 describe; a coined word (华茂) names. 银行 ends names of
    # ordinary words (农商|银行), so it is no description head.
    names = {"存储器晶圆厂": "ORG", "英寸晶圆厂": "ORG", "中国晶圆制造业": "ORG", "华茂晶圆厂": "ORG",
             "农商银行": "ORG"}
    _fake_model(monkeypatch, _spans_of(names))
    text = "新建的存储器晶圆厂和12英寸晶圆厂推动中国晶圆制造业；华茂晶圆厂获农商银行支持。"
    got = [(e.text, e.method) for e in find_entities(text, model="cnn")]
    assert ("华茂晶圆厂", "model:cnn") in got and ("中国", "lexicon") in got
    assert not {"存储器晶圆厂", "英寸晶圆厂", "中国晶圆制造业"} & {text for text, _ in got}
    assert ("农商银行", "model:cnn") in got


def test_entities_model_name_cut_at_a_joiner_is_dropped(monkeypatch):
    _fake_model(monkeypatch, _spans_of({"卡米拉·": "PER"}))
    assert find_entities("据报道卡米拉·萨瓦多斯今日发言。", model="cnn") == []


# Names found by their context (invented names, so that no lexicon entry can help).
def test_entities_org_before_company_event():
    found = find_entities("2023年引入瑞科昂泰重整后，债权人会议通过了方案。", model="off")
    assert ("瑞科昂泰", "ORG", "rule:org_event") in {(e.text, e.label, e.method) for e in found}


def test_entities_org_before_company_event_takes_its_province_and_spreads():
    text = "浙江朗芯微存重整失败。\n据悉，浙江朗芯微存300mm产线已停工。"
    got = [(e.start, e.text, e.label, e.method) for e in find_entities(text, model="off")]
    assert (0, "浙江朗芯微存", "ORG", "rule:org_event") in got
    assert (15, "浙江朗芯微存", "ORG", "rule:repeat") in got
    assert not any(e[1] == "浙江" for e in got)


def test_entities_company_event_needs_an_unknown_word_and_no_modifier():
    # Ordinary words before the event (公司, 债务) and an adverb-like modifier (大裁员) make no name.
    for text in ("该公司债务重整方案获批。", "这家银行宣布破产清算。", "朗芯微大裁员引发关注。"):
        assert not [e for e in find_entities(text, model="off") if e.method == "rule:org_event"], text


def test_entities_products_listed_beside_a_product():
    text = "他称百度朗言、q.ai和百度开放平台BigModel都出现了故障。"
    got = {(e.text, e.label) for e in find_entities(text, model="off")}
    assert {("百度朗言", "PRODUCT"), ("q.ai", "PRODUCT"), ("BigModel", "PRODUCT")} <= got
    # The brand inside a product's name is no separate mention.
    assert ("百度", "ORG") in got and sum(1 for t, _ in got if t == "百度") == 1


def test_entities_coined_word_after_an_organisation_joins_it_only_before_a_number():
    got = {e.text for e in find_entities("陕西电子芯朗时代8英寸产线已试生产。", model="off")}
    assert "陕西电子芯朗时代" in got
    got = {e.text for e in find_entities("国金证券研报表示，行业景气回升。", model="off")}
    assert "国金证券研报" not in got


def test_entities_surname_led_word_after_a_number_is_a_count():
    assert [e.text for e in find_entities("共组织1000余人参加救援。", model="off") if e.label == "PERSON"] == []


def test_entities_unknown_word_needs_name_characters_after_its_surname():
    # 高|管, 智|算, 居|前 begin with a surname but their other characters are rarely in given names.
    for text in ("公司高管表示，将继续增持。", "多个智算项目落地。", "涨幅居前的板块有三个。"):
        assert [e.text for e in find_entities(text, model="off") if e.label == "PERSON"] == [], text
    got = [e.text for e in find_entities("冯晓楠当天到场。", model="off") if e.label == "PERSON"]
    assert got == ["冯晓楠"]


@pytest.mark.parametrize("model", ["crf", "off"])
def test_entities_historical_states_are_places_with_government(model):
    # data/lexicon/historical_states.tsv: dynasties and empires are states (GPE), under one canonical name.
    text = "东汉时，罗马帝国的使者经安息国来到汉朝；后来奥斯曼帝国取代了东罗马帝国。"
    got = [(e.text, e.label, e.canonical) for e in find_entities(text, model=model)]
    assert got == [("东汉", "GPE", "东汉"), ("罗马帝国", "GPE", "罗马帝国"), ("安息国", "GPE", "安息帝国"),
                   ("汉朝", "GPE", "汉朝"), ("奥斯曼帝国", "GPE", "奥斯曼帝国"), ("东罗马帝国", "GPE", "拜占庭帝国")]


@pytest.mark.parametrize("text, expected", [
    ("分析师 Catherine Lim 和 Trini Tan 预计，需求将回升。",
     [("Catherine Lim", "Catherine Lim"), ("Trini Tan", "Trini Tan")]),
    ("首席运营官 Yuval Boger 表示，估值合理。Boger 还说，公司将扩张。”Yuval Boger 说。",
     [("Yuval Boger", "Yuval Boger"), ("Boger", "Yuval Boger"), ("Yuval Boger", "Yuval Boger")]),
    ("副馆长Kenneth S. Allen出席。", [("Kenneth S. Allen", "Kenneth S. Allen")]),
    ("Open Data 表示，Google Cloud 将跟进。", []),    # a speech verb alone makes no person
])
def test_entities_latin_person_names_after_a_title_or_before_a_speech_verb(text, expected):
    got = [(e.text, e.canonical) for e in find_entities(text, model="off") if e.label == "PERSON"]
    assert got == expected


def test_entities_bracketed_original_takes_the_name_it_follows():
    text = "物理学家马克斯·泰格马克（Max Tegmark）发表了演讲。"
    got = [(e.text, e.label, e.canonical) for e in find_entities(text) if e.label == "PERSON"]
    assert got == [("马克斯·泰格马克", "PERSON", "马克斯·泰格马克"), ("Max Tegmark", "PERSON", "马克斯·泰格马克")]


@pytest.mark.parametrize("text, expected", [
    ("推动中秘两国友好。", [("中", "中国"), ("秘", "秘鲁")]),
    ("中泰合作不断深化。", [("中", "中国"), ("泰", "泰国")]),
    ("京港合作不断深化。", []),            # two Chinese divisions: a region's pair, no country
    ("秘书关系很好。", []),               # 秘书 is a word, not two abbreviations
])
def test_entities_country_pair_before_a_word_of_relations(text, expected):
    got = [(e.text, e.canonical) for e in find_entities(text, model="off") if e.label == "GPE"]
    assert got == expected


@pytest.mark.parametrize("text, expected", [
    ("量子计算初创公司 QuEra 宣布融资。QuEra 表示将扩张。", [("QuEra", "rule:org_noun"), ("QuEra", "rule:repeat")]),
    ("爱立信在合资企业Aduna中发挥作用。", [("爱立信", "lexicon"), ("Aduna", "rule:org_noun")]),
    ("分析师机构 IDC 预计需求回升。", [("IDC", "rule:org_noun")]),
    ("该公司 CEO 表示，公司 AI 部门扩张。", []),        # a title and a generic noun are no names
])
def test_entities_latin_name_after_a_noun_for_a_kind_of_organisation(text, expected):
    got = [(e.text, e.method) for e in find_entities(text, model="off") if e.label == "ORG"]
    assert got == expected


@pytest.mark.parametrize("text, expected", [
    ("首款搭载 Snapdragon 8 Elite 的手机。", "Snapdragon 8 Elite"),
    ("苹果发布iPhone 16 Pro Max。", "iPhone 16 Pro Max"),
    ("苹果发布iPhone 16。", "iPhone 16"),
])
def test_entities_product_code_takes_the_tier_after_it(text, expected):
    assert [e.text for e in find_entities(text, model="off") if e.label == "PRODUCT"] == [expected]


def test_entities_model_place_or_organisation_over_a_title_is_dropped(monkeypatch):
    text = "香港车手司徒永信夺冠。"
    _fake_model(monkeypatch, _spans_of({"香港车手司徒永信": "ORG"}))
    got = [(e.text, e.label) for e in find_entities(text, model="cnn")]
    assert got[0] == ("香港", "GPE") and all(e[0] != "香港车手司徒永信" for e in got)


def test_entities_spacecraft_ordinal_and_international_bodies():
    text = "神舟十七号乘组返回。推动金砖+东盟合作，海合会和拉共体参加。"
    got = [(e.text, e.label, e.canonical) for e in find_entities(text)]
    assert got == [("神舟十七号", "PRODUCT", "神舟十七号"), ("金砖", "ORG", "金砖国家"),
                   ("东盟", "ORG", "东南亚国家联盟"), ("海合会", "ORG", "海湾阿拉伯国家合作委员会"),
                   ("拉共体", "ORG", "拉丁美洲和加勒比国家共同体")]


@pytest.mark.parametrize("text, expected", [
    ("台南市政府研考会举办活动。", [("台南市政府研考会", "ORG", "台南市政府研究发展考核委员会")]),
    ("大台南地区降雨。", [("大台南", "GPE", "台南市")]),
])
def test_entities_taiwan_government_department_and_municipality_forms(text, expected):
    assert [(e.text, e.label, e.canonical) for e in find_entities(text, region="taiwan")] == expected


def test_entities_model_span_over_a_space_between_han_is_no_name(monkeypatch):
    text = "台南市政府研考会 研青科举办活动。"
    _fake_model(monkeypatch, _spans_of({"台南市政府研考会 研青科": "ORG"}))
    assert all(" " not in e.text for e in find_entities(text, model="cnn", region="taiwan"))


@pytest.mark.parametrize("name, raw, expected", [
    ("维津贾姆港", "GPE", "LOC"), ("香园围口岸", "LOC", "LOC"), ("恩施大峡谷", "LOC", "LOC"),
    ("北部都会区", "LOC", "LOC"), ("锡那罗亚州", "LOC", "GPE"),
    ("墨西哥城", "LOC", "GPE"),   # a lexicon city keeps its label
])
def test_entities_model_place_ending_in_a_facility_or_landform_is_loc(monkeypatch, name, raw, expected):
    text = f"记者前往{name}采访。"
    _fake_model(monkeypatch, _spans_of({name: raw}))
    assert [(e.text, e.label) for e in find_entities(text, model="cnn")] == [(name, expected)]


def test_entities_lexicon_person_takes_the_given_name_before_it():
    text = "学者和埃隆·马斯克在内。马斯克说，比尔·盖茨也来了。"
    got = [(e.text, e.canonical) for e in find_entities(text, model="off") if e.label == "PERSON"]
    assert got == [("埃隆·马斯克", "埃隆·马斯克"), ("马斯克", "埃隆·马斯克"), ("比尔·盖茨", "比尔·盖茨")]


@pytest.mark.parametrize("text, region, expected", [
    ("中央组织部和中央纪委联合发文。", "mainland",
     [("中央组织部", "中国共产党中央委员会组织部"), ("中央纪委", "中国共产党中央纪律检查委员会")]),
    ("市建局与旅发局今日公布计划，教育局亦有回应。", "hong_kong",
     [("市建局", "市区重建局"), ("旅发局", "香港旅游发展局"), ("教育局", "教育局")]),
    ("台电与中油宣布调整价格，核安会表示关注。", "taiwan",
     [("台电", "台湾电力公司"), ("中油", "台湾中油"), ("核安会", "核能安全委员会")]),
])
def test_entities_public_bodies_by_region_take_full_names(text, region, expected):
    got = [(e.text, e.canonical) for e in find_entities(text, region=region) if e.label == "ORG"]
    assert got == expected


@pytest.mark.parametrize("code", ["（SH688165）", "（SH688165，前收盘价34元）", "（股票代码：ELF）", "（2330）"])
def test_entities_name_before_a_stock_code_is_a_listed_company(monkeypatch, code):
    text = f"机器人企业埃夫特{code}股价下跌。埃夫特表示将回购。"
    _fake_model(monkeypatch, _spans_of({"埃夫特": "PER"}))
    got = {(e.text, e.label) for e in find_entities(text, model="cnn")}
    assert got == {("埃夫特", "ORG")}


def test_entities_year_in_brackets_is_no_stock_code(monkeypatch):
    text = "作家埃夫特（2024）写道。"
    _fake_model(monkeypatch, _spans_of({"埃夫特": "PER"}))
    assert [(e.text, e.label) for e in find_entities(text, model="cnn")] == [("埃夫特", "PERSON")]
