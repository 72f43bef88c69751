"""The analysis settings: one typed object with defaults; the flow's parameters and the CLI map onto it."""
from __future__ import annotations

from dataclasses import dataclass

# The statistical NER models (extract.extractors.entities reads this tuple): declared here so that checking
# settings (a run with nothing to do does only that) need not import the entity recogniser and its lexicon.
ENTITY_MODELS = ("crf", "cnn", "off")


@dataclass(frozen=True, slots=True)
class Settings:
    """Analysis settings; the flow's parameters map onto these."""

    cache_dir: str | None = None  # where jieba keeps its dictionary cache (None: the user cache folder)
    entities: bool = True
    # Which statistical NER model fills what the lexicon and rules leave (ENTITY_MODELS): "crf"
    # (default: reads the whole text; with the rules about as fast as jieba), "cnn" (the spaCy model, sentence by
    # sentence: about a twentieth of jieba's speed and no better) or "off" (lexicon and rules only).
    entity_model: str = "crf"
    quantities: bool = True
    dates: bool = True
    references: bool = True
    # The most seconds one article may take in a corpus run (extract.io.corpus); past it the article becomes an
    # `errors` row (code timeout) and the run goes on. 0 or None: no limit. `extract.analyze` has no budget.
    article_seconds: float | None = 300.0

    def __post_init__(self):
        """Refuse settings that cannot work, with one message naming each (a usage error, not a failed input)."""
        from extract.errors import SettingsError  # imported here: settings is the first module the package loads

        problems = []
        if self.entity_model not in ENTITY_MODELS:
            problems.append(f"entity_model must be one of {', '.join(ENTITY_MODELS)}, not {self.entity_model!r}")
        seconds = self.article_seconds
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or not 0 <= seconds < float("inf")):
            problems.append(f"article_seconds must be a number of seconds >= 0 (0: no limit), not {seconds!r}")
        if problems:
            raise SettingsError("; ".join(problems))
