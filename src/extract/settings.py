"""The analysis settings: one typed object with defaults; the flow's parameters and the CLI map onto it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Settings:
    """Analysis settings; the flow's parameters map onto these."""

    cache_dir: str | None = None  # where jieba keeps its dictionary cache (None: jieba's default)
    entities: bool = True
    # Which statistical NER model fills what the lexicon and rules leave (extract.extractors.entities.MODELS): "crf"
    # (default: reads the whole text; with the rules about as fast as jieba), "cnn" (the spaCy model, sentence by
    # sentence: about a twentieth of jieba's speed and no better) or "off" (lexicon and rules only).
    entity_model: str = "crf"
    quantities: bool = True
    dates: bool = True
    references: bool = True
