"""The zh_extract spaCy pipeline package: `spacy.load("zh_extract")`, as `zh_core_web_sm` is loaded.

The pipeline keeps the text exactly as given (any Chinese script) and sets `doc.ents`, `doc.sents`,
`token.pos_`, `doc.spans` and `doc._`; its tokenizer and components are registered with spaCy through the
project's entry points (`spacy_tokenizers`, `spacy_factories`). The folder beside this file is written by
`scripts/build_spacy_package.py`; a test checks that it is up to date.
"""
from __future__ import annotations

from pathlib import Path

from spacy.util import get_model_meta, load_model_from_init_py

__version__ = get_model_meta(Path(__file__).parent)["version"]


def load(**overrides):
    """Return the zh_extract pipeline (keyword arguments as for `spacy.load`)."""
    return load_model_from_init_py(__file__, **overrides)
