"""The spaCy components: built by registered factories from their config, listed once in PIPES."""
from __future__ import annotations

import pytest
from spacy.tokens import Doc

from extract.analysis.nlp import PIPES, analysis_pipes, build_nlp
from extract.errors import ExtractError
from extract.settings import Settings


def test_nlp_analysis_pipes_follow_the_settings():
    assert [name for name, _, _ in analysis_pipes(Settings())] == ["quantities", "dates", "entities"]
    assert [name for name, _, _ in analysis_pipes(Settings(dates=False, entities=False))] == ["quantities"]
    assert {p.factory for p in PIPES} >= {"zh_extract_quantities", "zh_extract_dates", "zh_extract_entities"}


def test_nlp_entity_model_is_the_component_config_not_a_doc_value():
    nlp = build_nlp(Settings(entity_model="off"))
    assert nlp.get_pipe_config("entities")["model"] == "off"
    assert not Doc.has_extension("entity_model")
    doc = nlp.make_doc("英伟达的黄仁勋说。")
    doc = nlp.get_pipe("entities")(doc)
    assert not [e for e in doc._.entities if e.method.startswith("model:")]
    assert ("英伟达", "ORG") in {(e.text, e.label) for e in doc._.entities}


def test_nlp_unknown_entity_model_is_refused_by_the_factory():
    with pytest.raises(ExtractError, match="entity_model must be one of"):
        build_nlp(Settings(entity_model="cues"))


def test_tables_registry_holds_schema_order_and_builder_of_every_table():
    from extract.io.tables import DOCUMENT_TABLES, REGISTRY, SCHEMAS, TABLES, sort_key

    assert TABLES == ("documents", "sentences", "tokens", "entities", "quantities", "dates", "references",
                      "citations", "conflicts", "errors")
    assert DOCUMENT_TABLES == TABLES[:-1]
    assert all(REGISTRY[name].rows is not None for name in DOCUMENT_TABLES) and REGISTRY["errors"].rows is None
    assert sort_key("tokens") == [("doc_id", "ascending"), ("sent_idx", "ascending"), ("tok_idx", "ascending")]
    assert sort_key("citations") == [("doc_id", "ascending"), ("ref_idx", "ascending"), ("sent_idx", "ascending")]
    assert sort_key("errors") == []
    assert SCHEMAS["entities"].names == ["doc_id", "sent_idx", "start", "end", "text", "text_simplified", "label",
                                         "canonical", "method"]
    assert {n for n, spec in REGISTRY.items() if spec.spans} == {"sentences", "tokens", "entities", "quantities",
                                                                  "dates", "references"}
