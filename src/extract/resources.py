"""The one loader of the package's data files: each file is read once, checked against its declared schema.

`data/schemas.yaml` declares the shape of every data file (dateparser's `languages/validation.py` is the
model): a file without a schema, a missing or unknown key, a value of the wrong type or a pattern that does
not compile is refused with a DataFileError that names the file and the key or line. Code reads data only
through `load(...)`.

Schema types: `str`, `int`, `float` (an int is accepted), `bool`, `regex` (a string that compiles),
`[T]` (a list of T), `{T}` (a mapping of string keys to T), `T|U` (either), a mapping of keys to types
(a key ending in `?` may be absent), and a one-item YAML list holding such a mapping (a list of mappings). A TSV file declares `columns:` (a trailing name ending in `?` may be
absent); `#` lines and blank lines are comments.
"""
from __future__ import annotations

import fnmatch
import re
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from extract.errors import DataFileError

DATA_DIR = Path(str(resources.files("extract") / "data"))
# libyaml's parser where PyYAML was built with it: the same values as yaml.safe_load (the same constructor),
# several times faster at every start.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SCHEMA_FILE = "schemas.yaml"


def data_path(relative: str) -> Path:
    """Return the path of a packaged data file, raising DataFileError where it is missing."""
    path = DATA_DIR / relative
    if not path.is_file():
        raise DataFileError(f"packaged data file {path} is missing")
    return path


@cache
def load(relative: str):
    """Return the content of data file `relative` (e.g. "dates/grammar.yaml"), checked against its schema.

    YAML files give their parsed value; TSV files a tuple of rows, each a tuple with one string per declared
    column (an absent optional column is "").
    """
    schema = schema_for(relative)
    path = data_path(relative)
    if relative.endswith(".tsv"):
        return _read_tsv(path, relative, schema)
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise DataFileError(f"{relative} is not valid YAML: {exc}") from exc
    _check(data, schema, relative, "")
    return data


def data_files() -> list[str]:
    """Return every data file of the package (relative paths), the schema file excepted."""
    return sorted(p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*")
                  if p.is_file() and p.suffix in (".yaml", ".tsv") and p.name != SCHEMA_FILE)


@cache
def _schemas() -> dict:
    with (DATA_DIR / SCHEMA_FILE).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)


def schema_for(relative: str):
    """Return the declared schema of a data file (exact path first, then the first matching glob)."""
    schemas = _schemas()
    if relative in schemas:
        return schemas[relative]
    for pattern, schema in schemas.items():
        if fnmatch.fnmatch(relative, pattern):
            return schema
    raise DataFileError(f"{relative}: no schema is declared in data/{SCHEMA_FILE}")


def _read_tsv(path: Path, relative: str, schema: dict) -> tuple[tuple[str, ...], ...]:
    columns = schema["columns"]
    required = sum(1 for c in columns if not c.endswith("?"))
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if not required <= len(fields) <= len(columns):
                raise DataFileError(f"{relative}:{lineno}: expected {required}-{len(columns)} tab-separated "
                                    f"fields ({', '.join(columns)}), got {len(fields)}")
            rows.append(tuple(fields) + ("",) * (len(columns) - len(fields)))
    return tuple(rows)


_SCALARS = {"str": str, "int": int, "bool": bool}


def _check(value, schema, relative: str, where: str) -> None:
    """Raise DataFileError naming `relative` and the key path where `value` does not fit `schema`."""
    if isinstance(schema, dict):
        _check_mapping(value, schema, relative, where)
    elif isinstance(schema, list):  # a list of mappings, written as a one-item list in the schema file
        if not isinstance(value, list):
            _fail(relative, where, f"expected a list, got {type(value).__name__}")
        for i, item in enumerate(value):
            _check(item, schema[0], relative, f"{where}[{i}]")
    elif "|" in schema and not schema.startswith(("[", "{")):
        problems = []
        for option in schema.split("|"):
            try:
                _check(value, option, relative, where)
                return
            except DataFileError as exc:
                problems.append(str(exc))
        raise DataFileError(problems[-1])
    elif schema.startswith("[") and schema.endswith("]"):
        if not isinstance(value, list):
            _fail(relative, where, f"expected a list, got {type(value).__name__}")
        for i, item in enumerate(value):
            _check(item, schema[1:-1], relative, f"{where}[{i}]")
    elif schema.startswith("{") and schema.endswith("}"):
        if not isinstance(value, dict):
            _fail(relative, where, f"expected a mapping, got {type(value).__name__}")
        for key, item in value.items():
            _check(item, schema[1:-1], relative, f"{where}.{key}" if where else str(key))
    elif schema == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(relative, where, f"expected a number, got {value!r}")
    elif schema == "regex":
        if not isinstance(value, str):
            _fail(relative, where, f"expected a pattern, got {value!r}")
        try:
            re.compile(value)
        except re.error as exc:
            _fail(relative, where, f"pattern does not compile: {exc}")
    elif schema in _SCALARS:
        if not isinstance(value, _SCALARS[schema]) or (schema == "int" and isinstance(value, bool)):
            _fail(relative, where, f"expected {schema}, got {value!r}")
    else:
        raise DataFileError(f"data/{SCHEMA_FILE}: unknown type {schema!r} (for {relative} {where})")


def _check_mapping(value, schema: dict, relative: str, where: str) -> None:
    if not isinstance(value, dict):
        _fail(relative, where, f"expected a mapping, got {type(value).__name__}")
    declared = {key.rstrip("?"): (key.endswith("?"), spec) for key, spec in schema.items()}
    for key in value:
        if key not in declared:
            _fail(relative, where, f"unknown key {key!r} (declared: {', '.join(declared)})")
    for key, (optional, spec) in declared.items():
        path = f"{where}.{key}" if where else key
        if key not in value:
            if not optional:
                _fail(relative, path, "missing")
            continue
        _check(value[key], spec, relative, path)


def compile_pattern(pattern: str, relative: str, where: str) -> re.Pattern:
    """Compile a pattern read from data file `relative` (at `where`); a bad one is a DataFileError naming both."""
    from extract.cache import compiled

    try:
        return compiled(pattern)  # the program is kept in the user cache folder: see extract.cache
    except re.error as exc:
        raise DataFileError(f"{relative}: {where}: pattern does not compile: {exc}") from exc


def _fail(relative: str, where: str, message: str):
    raise DataFileError(f"{relative}: {where or 'top level'}: {message}")
