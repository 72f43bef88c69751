"""Tools for the development sets under devsets/: pick articles, show them, resolve and check annotations.

The articles live in ../shared/corpus (their text is never copied into the project); an annotation names
its article by corpus file and id, records the SHA-256 of the annotated text, and gives every mention its
half-open code-point offsets into that text.

    python scripts/devset.py select                      # the articles of the development set, by batch
    python scripts/devset.py show news_zh_hant.jsonl ID  # an article with the offset of every line
    python scripts/devset.py resolve FILE                # fill start/end from text (+ nth), then check
    python scripts/devset.py check FILE ...              # validate annotation files
    python scripts/devset.py system news_zh_hant.jsonl ID --kind dates   # what the pipeline finds
    python scripts/devset.py diff FILE                   # annotation against the pipeline, per article
    python scripts/devset.py check-cases FILE ...        # validate case files (cases/<kind>/<category>.jsonl)

See devsets/GUIDELINES.md for what to annotate and how.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from datetime import date
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
KINDS = ("dates", "quantities", "entities")
FIELDS = {
    "dates": ("text", "start", "end", "kind", "start_date", "end_date", "granularity", "duration"),
    "quantities": ("text", "start", "end", "kind", "value", "low", "high", "unit", "approximate"),
    "entities": ("text", "start", "end", "label", "canonical"),
}
DATE_KINDS = {"date", "period", "duration", "relative"}
QUANTITY_KINDS = {"percent", "money", "count", "measure", "multiplier", "number"}
ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "PRODUCT"}
ISO_DURATION = re.compile(r"^P(?:\d+(?:\.\d+)?[YMWD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?$")


# -- the corpus -------------------------------------------------------------------------------------------
@cache
def corpus_rows(name: str) -> dict[str, dict]:
    """Return the records of a shared corpus file keyed by id."""
    with (SHARED / name).open(encoding="utf-8") as fh:
        return {row["id"]: row for row in map(json.loads, fh)}


def article_text(name: str, doc_id: str) -> str:
    """Return the text an annotation of this article refers to (the body with its reference list if any)."""
    row = corpus_rows(name)[doc_id]
    return row.get("text_with_references") or row["text"]


def article_published(name: str, doc_id: str) -> str | None:
    """Return the article's publication date (YYYY-MM-DD) when its metadata gives a whole one."""
    found = re.match(r"(\d{4}-\d{2}-\d{2})", corpus_rows(name)[doc_id].get("date") or "")
    return found.group(1) if found else None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- selection --------------------------------------------------------------------------------------------
# Indices the tests read (invariant tests over the first rows and a stride of 20): never in the dev set.
def _used_by_tests(name: str, index: int) -> bool:
    if index < 3000 and index % 20 == 0:
        return True
    return (name == "news_zh_hans.jsonl" and index < 300) or (name == "news_zh_hant.jsonl" and index < 60)


# (corpus, how to pick, how many, length bounds)
STRATA = [
    ("news_zh_hans.jsonl", lambda r: r.get("genre", "").startswith("news (<=1000"), 4, (300, 1000)),
    ("news_zh_hans.jsonl", lambda r: r.get("genre", "").startswith("TV news"), 4, (200, 900)),
    ("news_zh_hans.jsonl", lambda r: r.get("outlet") == "qq", 4, (800, 2500)),
    ("news_zh_hans.jsonl", lambda r: r.get("outlet") in {"sina", "jinwucj", "investing", "wallstreetcn",
                                                        "fx168", "c114", "jin10"}, 5, (300, 2000)),
    ("news_zh_hans.jsonl", lambda r: r.get("genre", "").startswith("news commentary"), 1, (2000, 4000)),
    ("news_zh_hant.jsonl", lambda r: r.get("genre", "").startswith("news (RTHK"), 6, (150, 600)),
    ("news_zh_hant.jsonl", lambda r: r.get("outlet") in {"stheadline", "hkej", "mingpao", "now"}, 6, (200, 1500)),
    ("news_zh_hant.jsonl", lambda r: r.get("genre", "").startswith("government press release"), 6, (400, 1300)),
    ("news_zh_hant.jsonl", lambda r: r.get("genre", "").startswith("encyclopedia"), 2, (400, 1500)),
    ("with_refs.jsonl", lambda r: r.get("outlet") == "bioon", 2, (800, 2500)),
    ("with_refs.jsonl", lambda r: r.get("outlet") == "qq", 2, (1500, 4500)),
    ("with_refs.jsonl", lambda r: r.get("outlet") == "statementdog", 3, (500, 1500)),
    ("with_refs.jsonl", lambda r: r.get("outlet") is None and "[1]" in (r.get("text") or ""), 2, (2000, 4500)),
]


def select(seed: int = 15) -> list[tuple[str, str]]:
    """Return the (corpus, id) pairs of the development set, reproducibly."""
    rng = random.Random(seed)
    chosen = []
    for name, wanted, count, (low, high) in STRATA:
        rows = list(corpus_rows(name).values())
        pool = [r["id"] for i, r in enumerate(rows)
                if not _used_by_tests(name, i) and wanted(r)
                and low <= len(r.get("text_with_references") or r["text"]) <= high
                and (article_published(name, r["id"]) or r.get("genre", "").startswith("encyclopedia")
                     or name == "with_refs.jsonl")]
        chosen += [(name, doc_id) for doc_id in rng.sample(pool, count)]
    return chosen


# -- annotation files -------------------------------------------------------------------------------------
def read_records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_records(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def kind_of(path: Path, record: dict) -> str:
    kind = record.get("kind") or path.name.split("-")[0]
    if kind not in KINDS:
        raise SystemExit(f"{path}: cannot tell the kind of annotation (file name must start with one of {KINDS})")
    return kind


def resolve(path: Path) -> list[str]:
    """Fill in start/end of mentions given by text (and nth, 1-based); return the problems found."""
    records = read_records(path)
    problems = []
    for rec in records:
        text = article_text(rec["corpus"], rec["id"])
        rec.setdefault("field", "text_with_references" if "text_with_references" in corpus_rows(rec["corpus"])[
            rec["id"]] else "text")
        rec["sha256"] = sha256(text)
        rec.setdefault("published", article_published(rec["corpus"], rec["id"]))
        for m in rec["mentions"]:
            if "start" in m and "end" in m:
                continue
            nth = int(m.pop("nth", 1))
            pos = -1
            for _ in range(nth):
                pos = text.find(m["text"], pos + 1)
                if pos < 0:
                    break
            if pos < 0:
                problems.append(f"{rec['id']}: {m['text']!r} occurrence {nth} not found")
                continue
            m["start"], m["end"] = pos, pos + len(m["text"])
        rec["mentions"].sort(key=lambda m: (m.get("start", -1), m.get("end", -1)))
    write_records(path, records)
    return problems + check(path)


def check(path: Path) -> list[str]:
    """Return the problems of an annotation file (empty when it is well formed)."""
    problems = []
    for rec in read_records(path):
        kind = kind_of(path, rec)
        where = f"{path.name}: {rec.get('id')}"
        try:
            text = article_text(rec["corpus"], rec["id"])
        except KeyError:
            problems.append(f"{where}: no such article in {rec.get('corpus')}")
            continue
        if rec.get("sha256") != sha256(text):
            problems.append(f"{where}: sha256 differs from the article's text")
        spans = []
        for m in rec["mentions"]:
            if "start" not in m:
                problems.append(f"{where}: {m.get('text')!r} has no offsets (run resolve)")
                continue
            if text[m["start"]:m["end"]] != m["text"]:
                problems.append(f"{where}: [{m['start']}, {m['end']}) is {text[m['start']:m['end']]!r}, "
                                f"not {m['text']!r}")
            problems += [f"{where}: {m['text']!r}: {p}" for p in _field_problems(kind, m)]
            spans.append((m["start"], m["end"], m["text"]))
        spans.sort()
        for (a1, b1, t1), (a2, b2, t2) in zip(spans, spans[1:]):
            if a2 < b1:
                problems.append(f"{where}: {t1!r} [{a1},{b1}) overlaps {t2!r} [{a2},{b2})")
    return problems


def check_cases(path: Path) -> list[str]:
    """Return the problems of a case file: every expected text found in its text, every field valid."""
    kind = path.parent.name
    if kind not in KINDS:
        return [f"{path}: a case file lives in cases/<kind>/ with kind one of {KINDS}"]
    problems = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc})")
                continue
            if not isinstance(case.get("text"), str) or not isinstance(case.get("expect"), list):
                problems.append(f"{where}: needs text and expect")
                continue
            if case.get("published") is not None:
                try:
                    date.fromisoformat(case["published"])
                except ValueError:
                    problems.append(f"{where}: published {case['published']!r} is not YYYY-MM-DD")
            for m in case["expect"]:
                nth = int(m.get("nth", 1))
                if case["text"].count(m.get("text", "\0")) < nth:
                    problems.append(f"{where}: {m.get('text')!r} (occurrence {nth}) is not in the text")
                problems += [f"{where}: {m.get('text')!r}: {p}" for p in _field_problems(kind, m)
                             if not p.startswith("missing field start") and not p.startswith("missing field end")]
            for s in case.get("absent", []):
                if not isinstance(s, str) or s not in case["text"]:
                    problems.append(f"{where}: absent {s!r} is not in the text")
    return problems


def _field_problems(kind: str, m: dict) -> list[str]:
    out = [f"missing field {f}" for f in FIELDS[kind] if f not in m]
    if out:
        return out
    if kind == "dates":
        if m["kind"] not in DATE_KINDS:
            out.append(f"kind {m['kind']!r} is not one of {sorted(DATE_KINDS)}")
        for f in ("start_date", "end_date"):
            if m[f] is not None:
                try:
                    date.fromisoformat(m[f])
                except (TypeError, ValueError):
                    out.append(f"{f} {m[f]!r} is not YYYY-MM-DD")
        if m["start_date"] and m["end_date"] and m["start_date"] > m["end_date"]:
            out.append("start_date after end_date")
        if m["duration"] is not None and not all(ISO_DURATION.match(p) for p in m["duration"].split("/")):
            out.append(f"duration {m['duration']!r} is not ISO 8601")
    elif kind == "quantities":
        if m["kind"] not in QUANTITY_KINDS:
            out.append(f"kind {m['kind']!r} is not one of {sorted(QUANTITY_KINDS)}")
        if m["value"] is not None and not (m["low"] == m["value"] == m["high"]):
            out.append("a point needs low == value == high")
        if m["value"] is None and (m["low"] is None and m["high"] is None):
            out.append("a range needs low or high")
        if m["kind"] == "money" and not (isinstance(m["unit"], str) and re.fullmatch(r"[A-Z]{3}", m["unit"])):
            out.append("money needs an ISO 4217 unit")
        if not isinstance(m["approximate"], bool):
            out.append("approximate must be true or false")
    else:
        if m["label"] not in ENTITY_LABELS:
            out.append(f"label {m['label']!r} is not one of {sorted(ENTITY_LABELS)}")
        if not m["canonical"]:
            out.append("canonical is empty")
    return out


# -- the pipeline's view ----------------------------------------------------------------------------------
def system_mentions(name: str, doc_id: str, kind: str) -> list[dict]:
    """Return what `extract.analyze` finds in the article, in the annotation's fields."""
    import extract

    published = article_published(name, doc_id)
    tables = extract.analyze(article_text(name, doc_id),
                             published=date.fromisoformat(published) if published else None)
    frame = tables[kind]
    out = []
    for row in frame.to_dict("records"):
        m = {f: _plain(row.get(f)) for f in FIELDS[kind]}
        out.append(m)
    return out


def _plain(value):
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return value.item()
    return value


def diff(path: Path) -> str:
    lines = []
    for rec in read_records(path):
        kind = kind_of(path, rec)
        gold = {(m["start"], m["end"]): m for m in rec["mentions"]}
        found = {(m["start"], m["end"]): m for m in system_mentions(rec["corpus"], rec["id"], kind)}
        lines.append(f"== {rec['corpus']} {rec['id']} (published {rec.get('published')})")
        for span in sorted(set(gold) | set(found)):
            g, s = gold.get(span), found.get(span)
            if g and s and all(g[f] == s[f] for f in FIELDS[kind] if f not in ("start", "end")):
                continue
            tag = "MISSED" if s is None else "EXTRA " if g is None else "VALUE "
            lines.append(f"  {tag} {span} gold={_brief(kind, g)} system={_brief(kind, s)}")
    return "\n".join(lines)


def _brief(kind: str, m: dict | None) -> str:
    if m is None:
        return "-"
    return json.dumps({f: m[f] for f in FIELDS[kind] if f not in ("start", "end")}, ensure_ascii=False)


def show(name: str, doc_id: str) -> str:
    row = corpus_rows(name)[doc_id]
    text = article_text(name, doc_id)
    head = (f"corpus {name}  id {doc_id}\npublished {article_published(name, doc_id)}  "
            f"outlet {row.get('outlet')}  genre {row.get('genre')}  lang {row.get('lang')}  "
            f"chars {len(text)}\ntitle {row.get('title')}\n" + "-" * 80)
    lines, pos = [head], 0
    for line in text.split("\n"):
        lines.append(f"[{pos:>5}] {line}")
        pos += len(line) + 1
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("select")
    for name in ("show", "system"):
        p = sub.add_parser(name)
        p.add_argument("corpus")
        p.add_argument("id")
        if name == "system":
            p.add_argument("--kind", choices=KINDS, required=True)
    for name in ("resolve", "check", "diff", "check-cases"):
        sub.add_parser(name).add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "select":
        for n, (name, doc_id) in enumerate(select()):
            print(f"{n:>2}\t{name}\t{doc_id}\t{len(article_text(name, doc_id))}")
    elif args.command == "show":
        print(show(args.corpus, args.id))
    elif args.command == "system":
        for m in system_mentions(args.corpus, args.id, args.kind):
            print(json.dumps(m, ensure_ascii=False))
    elif args.command == "diff":
        for path in args.files:
            print(diff(path))
    else:
        problems = []
        for path in args.files:
            command = {"resolve": resolve, "check": check, "check-cases": check_cases}[args.command]
            problems += command(path)
        print("\n".join(problems) or "ok")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
