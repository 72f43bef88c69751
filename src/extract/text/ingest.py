"""Read articles from a corpus folder: plain text and Markdown, HTML, and JSON Lines with one article a line.

Every file becomes articles or failures, never an exception that stops a batch: `read_path` yields
`Article` records and `IngestFailure` records (which go to the `errors` table).
"""
from __future__ import annotations

import codecs
import hashlib
import io
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import charset_normalizer

from extract.errors import IngestError
from extract.text.encoding import chinese_reading

SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
# Encodings we accept from the statistical guess, the last resort; anything else is reported as undetectable.
# GB18030 and Big5 are not among them: `chinese_reading` has judged them already, on Chinese terms.
_GUESSED_ENCODINGS = {"hz", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "euc_tw", "iso2022_jp_2"}
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# Publication dates outside these are placeholders (0001-01-01, 9999-12-31): dropped with a warning row.
PUBLISHED_RANGE = (date(1800, 1, 1), date(2199, 12, 31))


@dataclass(frozen=True, slots=True)
class Article:
    """One article as read from the corpus, before any analysis.

    `text` is what the pipeline analyses: for records with a separate title, the title line then the body
    (`title_lines` = 1), so title mentions have offsets like everything else.
    """

    doc_id: str
    source: str
    text: str
    title: str | None = None
    title_lines: int = 0
    published: date | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None

    @property
    def content_sha256(self) -> str:
        """Return the SHA-256 of the text and metadata the pipeline analyses (changes when the article does)."""
        meta = json.dumps([self.title, self.published and self.published.isoformat(), self.url, self.outlet],
                          ensure_ascii=False)
        return hashlib.sha256((meta + "\n" + self.text).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class IngestFailure:
    """An input (file or JSONL line) that could not be read, with a message a person can act on."""

    source: str
    doc_id: str | None
    code: str
    message: str
    stage: str = "ingest"


@dataclass
class CorpusListing:
    """What a walk of the corpus found: the article files, and what it refused or could not list."""

    files: list[Path] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)  # symlinks leaving the corpus, unreadable folders
    unreadable: list[str] = field(default_factory=list)  # prefixes ("sub/", "" for the root) of unlisted folders


def discover(root: Path, *, follow_symlinks: bool = False) -> list[Path]:
    """Return the article files under `root`, sorted, skipping hidden files and README files (`walk_corpus`)."""
    return walk_corpus(root, follow_symlinks=follow_symlinks).files


def walk_corpus(root: Path, *, follow_symlinks: bool = False) -> CorpusListing:
    """Return the article files under `root` (sorted), with a failure for each folder or symlink not followed.

    Hidden (`.`, `_`) and README files are skipped. A symlink whose target lies outside the corpus folder is
    refused (`outside_corpus`) unless `follow_symlinks`; its target is never opened. Symlinks are taken after
    the real tree, and a file or folder reached twice is read once, under its first name: a link to a file
    of the corpus adds nothing, and a symlink loop ends. A folder that cannot be listed is an
    `unreadable_folder` failure, and its prefix is in `unreadable` (its articles are not gone).
    """
    walk = _Walk(root, Path(os.path.realpath(root)), follow_symlinks)
    folders, links = [(root, False)], []  # (folder, reached through a link)
    while folders or links:
        if folders:
            links.extend(walk.folder(*folders.pop(), folders))
        else:
            walk.link(links.pop(0), folders)
    walk.listing.files.sort()
    return walk.listing


@dataclass
class _Walk:
    root: Path
    real_root: Path
    follow_symlinks: bool
    listing: CorpusListing = field(default_factory=CorpusListing)
    seen: set[tuple[int, int]] = field(default_factory=set)  # (device, inode) of the files and folders taken

    def folder(self, folder: Path, linked: bool, folders: list[tuple[Path, bool]]) -> list[Path]:
        """List one folder: queue its subfolders, take its article files; return its symlinks for later."""
        try:
            identity = _identity(os.stat(folder))
            if identity in self.seen:
                return []
            self.seen.add(identity)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:
            return []  # removed while the corpus was walked: it is gone
        except OSError as exc:
            self._unreadable(folder, exc)
            return []
        links = []
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            path = folder / entry.name
            if entry.is_symlink():
                links.append(path)
            elif entry.is_dir(follow_symlinks=False):
                folders.append((path, linked))
            elif _is_article_name(entry.name) and entry.is_file(follow_symlinks=False):
                self._take(path, _entry_status(entry), linked)
        return links

    def link(self, path: Path, folders: list[tuple[Path, bool]]) -> None:
        """Take a symlink's target when it is inside the corpus (or links are followed), else refuse it."""
        target = Path(os.path.realpath(path))
        is_article = _is_article_name(path.name)
        if not self.follow_symlinks and not target.is_relative_to(self.real_root):
            if not is_article and not os.path.isdir(path):
                return  # not an article even if it were followed
            source = source_name(path, self.root)
            self.listing.failures.append(IngestFailure(
                source, escape_id(source) if is_article else None, "outside_corpus",
                f"{source}: a symbolic link to {target}, outside the corpus folder: not read (zh-extract run "
                "--follow-symlinks follows such links)"))
            return
        try:
            status = os.stat(path)
        except OSError:
            return  # a dangling link or a loop: nothing to read
        if stat.S_ISDIR(status.st_mode):
            folders.append((path, True))
        elif is_article and stat.S_ISREG(status.st_mode):
            self._take(path, status, True)

    def _take(self, path: Path, status: os.stat_result | None, linked: bool) -> None:
        """Take an article file: always when in the real tree (hard links too), once when reached by a link."""
        identity = None if status is None else _identity(status)  # None: gone since listed, read_path reports it
        if linked and identity in self.seen:
            return
        self.seen.add(identity)
        self.listing.files.append(path)

    def _unreadable(self, folder: Path, exc: OSError) -> None:
        rel = source_name(folder, self.root)
        prefix = "" if rel == "." else rel + "/"
        self.listing.unreadable.append(prefix)
        self.listing.failures.append(IngestFailure(
            prefix or "./", None, "unreadable_folder",
            f"{prefix or 'the corpus folder'}: the folder cannot be listed ({exc.strerror or exc}); the articles "
            "published from it are kept as they are until it can be read again"))


def _entry_status(entry: os.DirEntry) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _is_article_name(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES and not name.lower().startswith("readme")


def file_fingerprint(path: Path) -> str:
    """Return the SHA-256 of a file's bytes (the incremental runs compare it)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decode(data: bytes, *, source: str) -> str:
    """Return `data` decoded: UTF-8 (BOM or not), else GB18030 or Big5, else UTF-16 and others; CRLF becomes LF.

    GB18030 and Big5 are chosen by strict decoding and the share of common characters (`chinese_reading`);
    charset_normalizer's statistical guess is the last resort.

    Raises IngestError with code empty_file, binary_file, truncated_utf8 or unknown_encoding.
    """
    if not data.strip():
        raise IngestError("the file is empty", source=source, code="empty_file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        return _clean(text, source)
    try:
        return _clean(data.decode("utf-8-sig"), source)
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if b"\x00" in data[:8192]:
        raise IngestError("the file is binary (it contains NUL bytes), not text", source=source, code="binary_file")
    if utf8_error.start >= len(data) - 3 and utf8_error.reason == "unexpected end of data":
        raise IngestError(f"the file ends in the middle of a UTF-8 character (byte {utf8_error.start} of "
                          f"{len(data)}): it is truncated", source=source, code="truncated_utf8")
    reading = chinese_reading(data)
    if reading is not None:
        return _clean(reading[1], source)
    encoding = _guessed_encoding(data, source)
    try:
        return _clean(data.decode(encoding), source)
    except UnicodeDecodeError as exc:
        raise IngestError(f"the file is not valid {encoding}: {exc.reason} at byte {exc.start}",
                          source=source, code="unknown_encoding") from exc


def _clean(text: str, source: str | None = None) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\t")
    if controls > 0.05 * min(len(text), 4096):
        raise IngestError("the file is binary (control characters), not text", source=source, code="binary_file")
    return text


def parse_date(value) -> date | None:
    """Return a date from metadata ('2025-02-11', '2025-02-11 20:45:48', ISO datetimes), else None."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    for candidate in (value[:10], value):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def source_name(path: Path, root: Path) -> str:
    """Return the path of a corpus file relative to the corpus, as it is written to the tables.

    A name that is not UTF-8 (Linux allows any bytes) has its undecodable bytes shown as `\\xff` escapes, so
    that the name can still be reported; `read_path` refuses such a file (`bad_file_name`).
    """
    rel = path.relative_to(root).as_posix()
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return rel


def escape_id(part: str) -> str:
    """Return `part` with the characters doc_ids use as separators (`%`, `#`, `@`) %-escaped.

    doc_id = escaped source, then for a JSONL record `#` and its escaped id (or `#@L<line>` without one), and
    `@L<line>` after a repeated id: with the separators escaped, two different inputs never share a doc_id.
    """
    return part.replace("%", "%25").replace("#", "%23").replace("@", "%40")


def read_path(path: Path, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article | IngestFailure]:
    """Yield the articles in one corpus file, and a failure for each article or file that cannot be read."""
    source = source_name(path, root)
    if source != path.relative_to(root).as_posix():
        yield IngestFailure(source, None, "bad_file_name", f"{source}: the file name is not valid UTF-8 "
                            "(rename the file)")
        return
    doc_id = escape_id(source)
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if suffix == ".jsonl":
            yield from _read_jsonl(path, source, max_bytes=max_bytes)
            return
        if size > max_bytes:  # checked before reading: a file over the limit is never read
            yield IngestFailure(source, doc_id, "too_large", f"{source}: the file is {size:,} bytes, over the "
                                f"limit of {max_bytes:,} bytes for one article (raise max_bytes to process it)")
            return
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat
    except FileNotFoundError:
        yield IngestFailure(source, None, "vanished", f"{source}: the file disappeared before it could be read")
        return
    except PermissionError:
        yield IngestFailure(source, None, "unreadable", f"{source}: the file cannot be read (permission denied)")
        return
    except OSError as exc:
        yield IngestFailure(source, None, "unreadable", f"{source}: the file cannot be read: {exc.strerror or exc}")
        return
    if len(data) > max_bytes:
        yield IngestFailure(source, doc_id, "too_large", f"{source}: the file is over the limit of {max_bytes:,} "
                            "bytes for one article (raise max_bytes to process it)")
        return
    try:
        text = decode(data, source=source)
    except IngestError as exc:
        yield IngestFailure(source, doc_id, exc.code, f"{source}: {exc.detail}")
        return
    if suffix in (".html", ".htm"):
        yield from _read_html(text, source, doc_id)
        return
    title_lines = 0
    title = None
    first = text.lstrip("\n").split("\n", 1)[0]
    if suffix == ".md" and first.startswith("# "):
        title, title_lines = first[2:].strip(), 1
    yield Article(doc_id=doc_id, source=source, text=text, title=title, title_lines=title_lines)


def _read_html(html: str, source: str, doc_id: str) -> Iterator[Article | IngestFailure]:
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True)
    body = getattr(doc, "text", None) if doc is not None else None
    if not body or not body.strip():
        yield IngestFailure(source, doc_id, "no_main_text", f"{source}: no article text found in the HTML")
        return
    title = (doc.title or "").strip() or None
    text = f"{title}\n{body}" if title else body
    yield Article(doc_id=doc_id, source=source, text=text, title=title, title_lines=1 if title else 0,
                  published=parse_date(doc.date), url=doc.url, outlet=doc.sitename, author=doc.author)


def _jsonl_lines(path: Path, source: str, max_bytes: int) -> Iterator[tuple[int, str | None]]:
    """Yield (line number, line) of a JSONL file read as a stream; None for a line over `max_bytes`.

    Only one line is held at a time, and a line over the limit is skipped without being held whole. Raises
    IngestError when the file is empty, binary or in an unknown encoding.
    """
    with path.open("rb") as raw:
        head = raw.read(1 << 16)
        raw.seek(0)
        encoding = _stream_encoding(head, source)
        with io.TextIOWrapper(raw, encoding=encoding, newline=None) as fh:
            lineno = 0
            while True:
                line = fh.readline(max_bytes + 1)
                if not line:
                    return
                lineno += 1
                if len(line) > max_bytes or len(line.encode("utf-8", "surrogatepass")) > max_bytes + 1:
                    while line and not line.endswith("\n"):
                        line = fh.readline(max_bytes + 1)
                    yield lineno, None
                    continue
                yield lineno, line.rstrip("\n")


def _stream_encoding(head: bytes, source: str) -> str:
    """Return the codec to read a JSONL file with, judged on its first bytes (UTF-8 unless shown otherwise)."""
    if not head.strip():
        raise IngestError("the file is empty", source=source, code="empty_file")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    if b"\x00" in head[:8192]:
        raise IngestError("the file is binary (it contains NUL bytes), not text", source=source, code="binary_file")
    reading = chinese_reading(head, final=False)  # the head may end inside a character
    return reading[0] if reading is not None else _guessed_encoding(head, source)


def _guessed_encoding(data: bytes, source: str) -> str:
    """Return charset_normalizer's guess for `data` when it is an encoding we read, else raise unknown_encoding."""
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding not in _GUESSED_ENCODINGS:
        found = best.encoding if best is not None else "none"
        raise IngestError(f"the encoding could not be detected (not UTF-8, GB18030 or Big5; best guess {found})",
                          source=source, code="unknown_encoding")
    return best.encoding


def _surrogate_fields(record: dict) -> list[str]:
    """Return the names of the record's fields whose text holds a lone surrogate (a `\\ud800` escape)."""
    bad = []
    for key, value in record.items():
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            bad.append(key)
    return bad


def _published_in_range(value, where: str, source: str, doc_id: str) -> tuple[date | None, list[IngestFailure]]:
    """Return the record's publication date, or None with a `date_out_of_range` warning when implausible."""
    published = parse_date(value)
    if published is None or PUBLISHED_RANGE[0] <= published <= PUBLISHED_RANGE[1]:
        return published, []
    return None, [IngestFailure(source, doc_id, "date_out_of_range", f"{where}: the date {published.isoformat()} "
                                f"is outside {PUBLISHED_RANGE[0].year}-{PUBLISHED_RANGE[1].year}; the article is "
                                "analysed without a publication date")]


def _read_jsonl(path: Path, source: str, *, max_bytes: int) -> Iterator[Article | IngestFailure]:
    try:
        yield from _jsonl_records(path, source, max_bytes)
    except IngestError as exc:  # raised before the first record: the file as a whole is unreadable
        yield IngestFailure(source, None, exc.code, f"{source}: {exc.detail}")


def _jsonl_records(path: Path, source: str, max_bytes: int) -> Iterator[Article | IngestFailure]:
    prefix = escape_id(source)
    first_line: dict[str, int] = {}
    try:
        for lineno, line in _jsonl_lines(path, source, max_bytes):
            yield from _jsonl_record(line, lineno, source, prefix, first_line, max_bytes)
    except UnicodeDecodeError as exc:
        yield IngestFailure(source, None, "unknown_encoding", f"{source}: the file stops decoding part way "
                            f"({exc.encoding}: {exc.reason}); the lines after it were not read")


def _jsonl_record(line: str | None, lineno: int, source: str, prefix: str, first_line: dict[str, int],
                  max_bytes: int) -> Iterator[Article | IngestFailure]:
    """Yield the article of one JSONL line, or its failure, and warnings (duplicate id, date out of range)."""
    where = f"{source} line {lineno}"
    if line is None:
        yield IngestFailure(source, None, "too_large", f"{where}: the record is over the limit of "
                            f"{max_bytes:,} bytes for one article")
        return
    if not line.strip():
        return
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        yield IngestFailure(source, None, "bad_json", f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
        return
    if not isinstance(record, dict):
        yield IngestFailure(source, None, "bad_json", f"{where}: expected a JSON object, got {type(record).__name__}")
        return
    bad = _surrogate_fields(record)
    if bad:
        yield IngestFailure(source, f"{prefix}#@L{lineno}", "invalid_unicode", f"{where}: field "
                            f"{', '.join(repr(b) for b in bad)} holds a lone surrogate (an unpaired \\ud800-\\udfff "
                            "escape), which is not text")
        return
    rid = record.get("id")
    doc_id = f"{prefix}#{escape_id(str(rid))}" if rid not in (None, "") else f"{prefix}#@L{lineno}"
    if doc_id in first_line:
        yield IngestFailure(source, f"{doc_id}@L{lineno}", "duplicate_id", f"{where}: the id {rid!r} was "
                            f"already used on line {first_line[doc_id]}; this record is {doc_id}@L{lineno}")
        doc_id = f"{doc_id}@L{lineno}"
    first_line.setdefault(doc_id, lineno)
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        yield IngestFailure(source, doc_id, "no_text", f"{where}: the record has no 'text'")
        return
    body = body.replace("\r\n", "\n")
    title = record.get("title") if isinstance(record.get("title"), str) and record["title"].strip() else None
    text = f"{title.strip()}\n{body}" if title else body
    published, warnings = _published_in_range(record.get("date"), where, source, doc_id)
    yield from warnings
    yield Article(doc_id=doc_id, source=source, text=text, title=title.strip() if title else None,
                  title_lines=1 if title else 0, published=published,
                  url=_text_field(record.get("url")), outlet=_text_field(record.get("outlet")),
                  author=_text_field(record.get("author")))


def _text_field(value) -> str | None:
    """Return a metadata field as text, or None (a number or list where text belongs is dropped)."""
    return value if isinstance(value, str) and value else None
