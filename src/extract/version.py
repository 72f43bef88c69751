"""The pipeline version: outputs made by another version are reprocessed by incremental runs.

It is the package version plus a digest of the package's code and data files, so editing a lexicon or a
pattern file is enough to have the next incremental run reprocess every article.
"""
from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    _PACKAGE_VERSION = version("zh-extract")
except PackageNotFoundError:  # running from a source tree that is not installed
    _PACKAGE_VERSION = "0.0.0"


def _code_digest() -> str:
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        # Model weights are large; their meta.json and training.json (settings, scores) stand for them.
        if "models" in path.relative_to(root).parts and path.name not in ("meta.json", "training.json"):
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


PIPELINE_VERSION = f"{_PACKAGE_VERSION}+{_code_digest()}"
