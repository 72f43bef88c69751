"""Read articles from a corpus folder: plain text and Markdown, HTML, and JSON Lines with one article a line.

Every file becomes articles or failures, never an exception that stops a batch: `read_path` yields
`Article` records and `IngestFailure` records (which go to the `errors` table).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import charset_normalizer

from extract.errors import IngestError

SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
# Encodings we accept from detection for Chinese text; anything else is reported as undetectable.
_CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "hz", "utf_16", "utf_16_le",
                      "utf_16_be", "utf_32", "euc_tw", "iso2022_jp_2"}
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


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


def discover(root: Path) -> list[Path]:
    """Return the article files under `root`, sorted, skipping hidden files and README files."""
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES and not path.name.lower().startswith("readme"):
            out.append(path)
    return out


def file_fingerprint(path: Path) -> str:
    """Return the SHA-256 of a file's bytes (the incremental runs compare it)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decode(data: bytes, *, source: str) -> str:
    """Return `data` decoded: UTF-8 (BOM or not), else GB18030, Big5 or UTF-16 by detection; CRLF becomes LF.

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
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding not in _CHINESE_ENCODINGS:
        found = best.encoding if best is not None else "none"
        raise IngestError(f"the encoding could not be detected (not UTF-8, GB18030 or Big5; best guess {found})",
                          source=source, code="unknown_encoding")
    # GB2312/GBK are subsets of GB18030: decode with the superset so rare characters survive.
    encoding = "gb18030" if best.encoding in {"gb2312", "gbk"} else best.encoding
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


def read_path(path: Path, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article | IngestFailure]:
    """Yield the articles in one corpus file, and a failure for each article or file that cannot be read."""
    source = path.relative_to(root).as_posix()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        yield IngestFailure(source, None, "vanished", f"{source}: the file disappeared before it could be read")
        return
    except PermissionError:
        yield IngestFailure(source, None, "unreadable", f"{source}: the file cannot be read (permission denied)")
        return
    except OSError as exc:
        yield IngestFailure(source, None, "unreadable", f"{source}: the file cannot be read: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _read_jsonl(data, source, max_bytes=max_bytes)
        return
    if len(data) > max_bytes:
        yield IngestFailure(source, source, "too_large", f"{source}: the file is {len(data):,} bytes, over the "
                            f"limit of {max_bytes:,} bytes for one article (raise max_bytes to process it)")
        return
    try:
        text = decode(data, source=source)
    except IngestError as exc:
        yield IngestFailure(source, source, exc.code, f"{source}: {exc.detail}")
        return
    if suffix in (".html", ".htm"):
        yield from _read_html(text, source)
        return
    title_lines = 0
    title = None
    first = text.lstrip("\n").split("\n", 1)[0]
    if suffix == ".md" and first.startswith("# "):
        title, title_lines = first[2:].strip(), 1
    yield Article(doc_id=source, source=source, text=text, title=title, title_lines=title_lines)


def _read_html(html: str, source: str) -> Iterator[Article | IngestFailure]:
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True)
    body = getattr(doc, "text", None) if doc is not None else None
    if not body or not body.strip():
        yield IngestFailure(source, source, "no_main_text", f"{source}: no article text found in the HTML")
        return
    title = (doc.title or "").strip() or None
    text = f"{title}\n{body}" if title else body
    yield Article(doc_id=source, source=source, text=text, title=title, title_lines=1 if title else 0,
                  published=parse_date(doc.date), url=doc.url, outlet=doc.sitename, author=doc.author)


def _read_jsonl(data: bytes, source: str, *, max_bytes: int) -> Iterator[Article | IngestFailure]:
    try:
        content = decode(data, source=source)
    except IngestError as exc:
        yield IngestFailure(source, None, exc.code, f"{source}: {exc.detail}")
        return
    seen: set[str] = set()
    for lineno, line in enumerate(content.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{source} line {lineno}"
        if len(line.encode("utf-8")) > max_bytes:
            yield IngestFailure(source, None, "too_large", f"{where}: the record is over the limit of "
                                f"{max_bytes:,} bytes for one article")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield IngestFailure(source, None, "bad_json", f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield IngestFailure(source, None, "bad_json", f"{where}: expected a JSON object, got {type(record).__name__}")
            continue
        rid = record.get("id")
        doc_id = f"{source}#{rid}" if rid not in (None, "") else f"{source}#L{lineno}"
        if doc_id in seen:
            doc_id = f"{doc_id}@L{lineno}"
        seen.add(doc_id)
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            yield IngestFailure(source, doc_id, "no_text", f"{where}: the record has no 'text'")
            continue
        body = body.replace("\r\n", "\n")
        title = record.get("title") if isinstance(record.get("title"), str) and record["title"].strip() else None
        text = f"{title.strip()}\n{body}" if title else body
        yield Article(doc_id=doc_id, source=source, text=text, title=title.strip() if title else None,
                      title_lines=1 if title else 0, published=parse_date(record.get("date")),
                      url=record.get("url") or None, outlet=record.get("outlet") or None,
                      author=record.get("author") or None)
