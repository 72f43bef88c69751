"""Locate and load the package's data files (loaded once, cached)."""
from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from extract.errors import DataFileError

DATA_DIR = Path(str(resources.files("extract") / "data"))


def data_path(*parts: str) -> Path:
    """Return the path of a packaged data file, raising DataFileError where it is missing."""
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        raise DataFileError(f"packaged data file {path} is missing")
    return path


@cache
def load_yaml(*parts: str):
    """Return the parsed content of a packaged YAML file."""
    path = data_path(*parts)
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path} is not valid YAML: {exc}") from exc


@cache
def load_tsv(*parts: str, columns: int) -> tuple[tuple[str, ...], ...]:
    """Return the rows of a packaged TSV file (comments '#' and blank lines skipped), each with `columns` fields."""
    path = data_path(*parts)
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != columns:
                raise DataFileError(f"{path}:{lineno}: expected {columns} tab-separated fields, got {len(fields)}")
            rows.append(tuple(fields))
    return tuple(rows)


