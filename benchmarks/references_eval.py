"""Score the reference-list parser (and inline citations) on ../shared/corpus/with_refs.jsonl; print figures.

Run:  PYTHONPATH=src .venv/bin/python benchmarks/references_eval.py [--shared ../shared] [--show N]

Figures printed:
- articles whose entry count is exactly right (the dataset's `references` holds one entry per line);
- why the count differs where it does (credit and footer lines the dataset keeps; a title wrapped onto
  two lines);
- entries whose raw text equals the dataset's entry at the same place in the list (whitespace-trimmed);
- titles equal to `references_struct[].anchor` (one enclosing 《》 removed from both) where the dataset has it,
  and publishers against its `publisher_guess`;
- for articles with `citation_spans`: precision of the (reference, sentence) links (a link is right when its
  sentence overlaps a passage cited from that entry) and recall of the cited passages (found when a sentence
  overlapping it is linked to its entry), first with the inline markers as printed, then with the markers
  blanked out (the similarity scorer alone, at several anchor thresholds). Without markers the truth is only
  where the script put its marker, so a sentence elsewhere that does draw on the source counts as wrong:
  that precision is a lower bound.
Traditional articles are converted with OpenCC t2s first (same length, so offsets hold).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import opencc

from extract.extractors.references import find_reference_section, parse_reference_list


def _norm_title(title: str) -> str:
    title = title.strip()
    if title.startswith("《") and title.endswith("》") and title.count("《") == 1:
        title = title[1:-1]
    return title.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--show", type=int, default=0, help="print up to N mismatching articles")
    ap.add_argument("--no-citations", action="store_true")
    ap.add_argument("--thresholds", type=float, nargs="*", default=[0.2, 0.3, 0.4, 0.5, 0.6],
                    help="anchor thresholds to score the marker-free citations at (default: a sweep)")
    args = ap.parse_args()
    rows = [json.loads(line) for line in open(Path(args.shared) / "corpus" / "with_refs.jsonl", encoding="utf-8")]
    t2s = opencc.OpenCC("t2s")

    causes: dict[str, int] = {}
    n_art = n_count_ok = n_found = 0
    n_gold_entries = n_raw_ok = 0
    n_title_gold = n_title_ok = 0
    publisher = {"same": 0, "different": 0, "missed": 0, "extra": 0}
    shown = 0
    t0 = time.perf_counter()
    parsed = []
    for row in rows:
        text = row["text_with_references"]
        simp = t2s.convert(text) if row.get("lang", "").startswith("zh-Hant") else text
        assert len(simp) == len(text)
        refs = parse_reference_list(simp)
        parsed.append((row, simp, refs))
        gold = row["references"]
        n_art += 1
        n_found += bool(refs)
        n_gold_entries += len(gold)
        ok = len(refs) == len(gold)
        n_count_ok += ok
        raw = [text[r.start:r.end] for r in refs]
        if not ok:
            cause = _mismatch_cause([x.strip() for x in raw], [x.strip() for x in gold])
            causes[cause] = causes.get(cause, 0) + 1
        # position by position: an entry counts when the entry at its place in the list has the same raw text
        raw_ok = [k < len(raw) and raw[k].strip() == gold[k].strip() for k in range(len(gold))]
        n_raw_ok += sum(raw_ok)
        struct = row.get("references_struct") or []
        for k, item in enumerate(struct):
            if k < len(refs) and (item.get("publisher_guess") or refs[k].publisher):
                want, got = item.get("publisher_guess"), refs[k].publisher
                publisher["same" if want == got else "missed" if got is None else "extra" if want is None
                          else "different"] += 1
            n_title_gold += 1
            if k < len(refs) and _norm_title(simp[refs[k].title_start:refs[k].title_end]) == _norm_title(
                    t2s.convert(item["anchor"])):
                n_title_ok += 1
        if (not ok or not all(raw_ok)) and shown < args.show:
            shown += 1
            print(f"--- {row['id']}: found {len(refs)}, dataset {len(gold)}")
            for k in range(max(len(raw), len(gold))):
                a = raw[k] if k < len(raw) else None
                b = gold[k] if k < len(gold) else None
                if a is None or b is None or a.strip() != b.strip():
                    print(f"   ours {a!r}\n   gold {b!r}")
    elapsed = time.perf_counter() - t0
    print(f"articles: {n_art}, with a list found: {n_found}")
    print(f"entry count exactly right: {n_count_ok}/{n_art} = {n_count_ok / n_art:.1%}")
    for cause, n in sorted(causes.items()):
        print(f"   count differs, {cause}: {n}")
    explained = sum(n for cause, n in causes.items() if cause != "other")
    print(f"entry count right or the difference explained above: {n_count_ok + explained}/{n_art} = "
          f"{(n_count_ok + explained) / n_art:.1%}")
    print(f"entries whose raw text matches: {n_raw_ok}/{n_gold_entries} = {n_raw_ok / n_gold_entries:.1%}")
    print(f"titles matching the dataset's anchor: {n_title_ok}/{n_title_gold} = "
          f"{n_title_ok / max(n_title_gold, 1):.1%}")
    print("publishers against the dataset's publisher_guess: " + ", ".join(f"{k} {v}" for k, v in publisher.items()))
    print(f"parse time: {elapsed:.2f} s for {n_art} articles")
    if not args.no_citations:
        _citation_figures(parsed, args.thresholds)
    return 0


def _mismatch_cause(ours: list[str], gold: list[str]) -> str:
    """Say why our entries differ from the dataset's (which takes every line after the heading as an entry)."""
    from extract.extractors.references import _ends_list

    k = len(ours)
    if ours == gold[:k] and k < len(gold) and _ends_list(gold[k]):
        return "the dataset keeps the credit or footer lines after the list as entries"
    joined, pos = [], 0
    for entry in ours:
        n_lines = entry.count("\n") + 1
        joined.append("\n".join(gold[pos:pos + n_lines]))
        pos += n_lines
    if joined == ours and pos == len(gold):
        return "a title wrapped onto its own line is one entry here, two in the dataset"
    return "other"


def _sentences(text: str, end: int) -> list[tuple[int, int, int]]:
    """Split text[:end] into (start, end, line index) sentences on 。！？!? and line breaks.

    The benchmark's own simple splitter, so that it runs without the pipeline; a line is a paragraph.
    """
    spans = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text[:end])]
    line = 0
    for m in re.finditer(r"[^\n。！？!?]+[。！？!?]*", text[:end]):
        if m.group().strip():
            while line + 1 < len(line_starts) and line_starts[line + 1] <= m.start():
                line += 1
            spans.append((m.start(), m.end(), line))
    return spans


def _citation_figures(parsed, thresholds: list[float]) -> None:
    from extract import reconcile

    t0 = time.perf_counter()
    prepared = []
    for row, simp, refs in parsed:
        spans = row.get("citation_spans")
        if not spans:
            continue
        section = find_reference_section(simp)
        body_end = section[0] if section else len(simp)
        # the markers blanked out (same length, so offsets hold), for the similarity scorer alone
        bare = re.sub(r"\[\d{1,3}\]", lambda m: " " * len(m.group()), simp[:body_end])
        sents = _sentences(simp, body_end)
        marked = [reconcile.passage_from_text(i, s, e, simp[s:e], paragraph=line)
                  for i, (s, e, line) in enumerate(sents)]
        unmarked = [reconcile.passage_from_text(i, s, e, bare[s:e], paragraph=line)
                    for i, (s, e, line) in enumerate(sents)]
        ref_passages = [(r, reconcile.passage_from_text(r.ref_idx, r.title_start, r.title_end,
                                                         simp[r.title_start:r.title_end], section="references"))
                        for r in refs]
        gold = set()
        span_sents = []
        for span in spans:
            ids = [i for i, (s, e, _) in enumerate(sents) if s < span["end"] and span["start"] < e]
            span_sents.append((span["n"], ids))
            gold.update((span["n"], i) for i in ids)
        number_of = {r.ref_idx: r.number for r in refs}
        prepared.append((marked, unmarked, ref_passages, gold, number_of, span_sents))
    print(f"citation set-up (segmenting and extracting {len(prepared)} articles): {time.perf_counter() - t0:.1f} s")

    def score(found_sets):
        """Span recall (a cited passage counts as found when a sentence overlapping it is linked to its entry)
        and pair precision (a link is right when its sentence overlaps a passage cited from that entry)."""
        tp = fp = spans_found = spans_total = 0
        for found, (_, _, _, gold, _, span_sents) in zip(found_sets, prepared):
            tp += len(found & gold)
            fp += len(found - gold)
            for n, sent_ids in span_sents:
                spans_total += 1
                spans_found += any((n, i) in found for i in sent_ids)
        return tp / max(tp + fp, 1), spans_found / max(spans_total, 1), tp, fp, spans_total - spans_found

    t0 = time.perf_counter()
    found = [{(number_of[c.ref_idx], c.sent_idx) for c in reconcile.citations(marked, refs_p)}
             for marked, _, refs_p, _, number_of, _ in prepared]
    t_marked = time.perf_counter() - t0
    p, r, tp, fp, fn = score(found)
    print(f"citations with inline markers: precision {p:.1%}, recall {r:.1%} "
          f"(right links {tp}, wrong links {fp}, passages missed {fn}; scoring {t_marked:.1f} s)")
    for threshold in thresholds:
        t0 = time.perf_counter()
        found = [{(number_of[c.ref_idx], c.sent_idx)
                  for c in reconcile.citations(unmarked, refs_p, threshold=threshold, use_markers=False)}
                 for _, unmarked, refs_p, _, number_of, _ in prepared]
        elapsed = time.perf_counter() - t0
        p, r, tp, fp, fn = score(found)
        print(f"citations without markers, threshold {threshold:.2f}: precision {p:.1%}, recall {r:.1%} "
              f"(right links {tp}, wrong links {fp}, passages missed {fn}; scoring {elapsed:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
