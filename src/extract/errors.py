"""Exceptions raised by the library, each naming the stage and what is wrong."""
from __future__ import annotations

# The `errors` codes of problems that do not stop an article: its rows are still published, and a run whose
# only problems are these exits 0. Every other code means the input (file, record or article) failed.
WARNING_CODES = frozenset({
    "references_unparsed",  # a reference list was found but an entry (or every entry) could not be parsed
    "duplicate_id",         # a JSONL id used twice in one file: the later record gets `@L<line>` in its doc_id
    "date_out_of_range",    # a JSONL `date` outside 1800-2199: analysed without a publication date
})

# The `errors` codes of inputs their own content refuses: with the same bytes and pipeline version they fail the
# same way again, so an unchanged file that failed only with these is not read again (`zh-extract run --full`
# does). Every other failure is retried: a permission, a file that vanished, a size over the run's --max-bytes,
# a timeout, a crash or a bug (internal_error, the write checks), which a fix or a quieter machine may cure.
CONTENT_CODES = frozenset({
    "empty_file", "binary_file", "truncated_utf8", "unknown_encoding", "bad_file_name",  # the file's bytes
    "bad_json", "invalid_unicode", "no_text",  # a JSONL record
    "no_main_text", "no_chinese", "empty_text",  # no text to analyse
})


class ExtractError(Exception):
    """Base class: a text or file that could not be processed.

    `stage` says where in the pipeline it failed, `code` is a stable machine-readable name for the problem
    (written to the `errors` table), and `source` names the file or record when there is one.
    """

    stage = "extract"
    code = "error"

    def __init_subclass__(cls, *, stage: str | None = None, code: str | None = None, **kwargs):
        # A subclass declares its stage and code on its `class` line, so each error is its name, its stage and
        # code, and its docstring; a subclass that gives neither inherits its parent's.
        super().__init_subclass__(**kwargs)
        if stage:
            cls.stage = stage
        if code:
            cls.code = code

    def __init__(self, message: str, *, source: str | None = None, code: str | None = None,
                 stage: str | None = None):
        self.source = source
        if code:
            self.code = code
        if stage:
            self.stage = stage
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{message}")
        self.detail = message


class IngestError(ExtractError, stage="ingest"):
    """The input could not be read or decoded into an article."""


class NormalizeError(ExtractError, stage="normalize"):
    """The text could not be converted to Simplified Chinese."""


class EmptyTextError(ExtractError, stage="normalize", code="no_chinese"):
    """The article has no text to analyse, or no Chinese in it."""


class SettingsError(ExtractError, stage="settings", code="bad_setting"):
    """A setting has a value the pipeline cannot work with (a usage error: `zh-extract` exits 2)."""


class DataFileError(ExtractError, stage="data", code="bad_data_file"):
    """A packaged data file (lexicon, patterns) is missing or malformed."""


class OutputError(ExtractError, stage="write"):
    """The outputs could not be written, or a table failed validation."""


class LockedError(OutputError, code="locked"):
    """Another run holds the outputs lock."""


class DamagedOutputsError(OutputError, code="damaged_outputs"):
    """The outputs' tables are damaged (an unreadable log, missing data files) and need a person's decision."""
