"""Score the pipeline on the development sets (devsets/): precision, recall and F1 with value, by category.

    python benchmarks/devset_eval.py                    # every kind: articles, case files, categories
    python benchmarks/devset_eval.py --kind dates --errors 40   # and the first 40 errors of each category

A mention counts as found when the span is exact and the value agrees:
- dates: start_date, end_date and duration (kind and granularity are reported apart);
- quantities: value, low, high (relative tolerance 1e-3) and unit (kind and `approximate` reported apart);
- entities: label (the canonical name is reported apart, as accuracy over the mentions found).
Span-only F1 is printed beside it. Categories of dates and quantities come from the mention itself (the same
function for expected and found mentions, so precision and recall are both per category); case files are
their own category (cases/<kind>/<category>.jsonl); entities are also scored by label and by region.
The articles come from ../shared/corpus (see devsets/GUIDELINES.md); the held-out judges of issue 15 and 16
(Duckling's ZH corpus, JioNLP's tests) are not used here or anywhere in the project.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import devset  # noqa: E402

DEVSETS = ROOT / "devsets"
KINDS = devset.KINDS


# -- categories -------------------------------------------------------------------------------------------
_HOLIDAY = re.compile(r"春节|春節|除夕|元宵|清明|端午|中秋|国庆|國慶|元旦|重阳|重陽|父亲节|父親節|母亲节|母親節|圣诞|聖誕|"
                      r"情人节|情人節|七夕|腊月|臘月|冬月|正月|农历|農曆|初[一二三四五六七八九十]|立春|立夏|立秋|立冬|"
                      r"夏至|冬至|春分|秋分|雨水|惊蛰|驚蟄|谷雨|穀雨|小满|小滿|芒种|芒種|小暑|大暑|处暑|處暑|白露|寒露|"
                      r"霜降|小雪|大雪|小寒|大寒|劳动节|勞動節|五一|十一|黄金周|黃金週|地球日|假期")
_FISCAL = re.compile(r"年度|财年|財年|民国|民國|^\d{3}年|[零〇一二三四五六七八九]{2}年$|\d{2}/\d{2}")
_RANGE = re.compile(r"[至到~～〜—–-]|——|--")
_NUMERIC = re.compile(r"^\d{4}[/.\-]\d{1,2}|^\d{8}$|^\d{1,2}[/·.]\d{1,2}$|\d[/·]\d")
_WEEKS_PARTS = re.compile(r"周|週|星期|礼拜|禮拜|旬|初|中|底|末|头|頭|世纪|世紀|年代|春|夏|秋|冬|季度|季|半年|上半|下半")
_RELATIVE_WINDOW = re.compile(r"^(?:上|下|前|后|後|未来|未來|过去|過去|最近|近|今后|今後|接下来|接下來)[一二两兩三四五六七八九十\d几幾]|"
                              r"[一二两兩三四五六七八九十\d几幾半多]+(?:个|個)?(?:天|日|周|週|星期|月|季度|年)(?:来|來|以来|以來|前|后|後)|"
                              r"前天|后天|後天|大前天|大后天|昨|明天|今天|今日|当天|當天|当年|當年|翌|次日|次年|同年|本周|本週|这周|"
                              r"上周|上週|下周|下週|上月|下月|本月|上个|下个|上個|下個|今年|去年|明年|前年|后年|近日|日前|最近")


def date_category(m: dict) -> str:
    """Return the category of a date mention (the case files' names)."""
    text = m["text"]
    if _HOLIDAY.search(text):
        return "holidays"
    if m["kind"] == "duration":
        return "durations"
    if _FISCAL.search(text):
        return "fiscal_regional"
    if _NUMERIC.search(text):
        return "numeric_formats"
    if _RANGE.search(text.strip("-")):
        return "ranges"
    if _RELATIVE_WINDOW.search(text):
        return "relative_windows"
    if _WEEKS_PARTS.search(text):
        return "weeks_parts"
    if not re.search(r"\d{4}|[〇零一二三四五六七八九]{4}|年", text) or m["kind"] == "relative":
        return "context"
    return "explicit"


_FINANCIAL = re.compile(r"[壹贰貳叁參参肆伍陆陸柒捌玖拾佰仟廿卅卌]")
_CN_NUMERAL = re.compile(r"[一二两兩三四五六七八九十百千万萬亿億零〇]")


def quantity_category(m: dict) -> str:
    """Return the category of a quantity mention (the case files' names)."""
    if m["kind"] == "money":
        return "money"
    if m["kind"] == "measure":
        return "measures"
    if _FINANCIAL.search(m["text"]) or (_CN_NUMERAL.search(m["text"]) and not re.search(r"\d", m["text"])):
        return "numerals"
    return "percent_count"


# -- matching ---------------------------------------------------------------------------------------------
def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-3, abs_tol=1e-9)


def value_agrees(kind: str, gold: dict, found: dict) -> bool:
    if kind == "dates":
        return all(gold[f] == found[f] for f in ("start_date", "end_date", "duration"))
    if kind == "quantities":
        return all(_close(gold[f], found[f]) for f in ("value", "low", "high")) and gold["unit"] == found["unit"]
    return gold["label"] == found["label"]


@dataclass
class Score:
    tp: int = 0
    span_tp: int = 0
    gold: int = 0
    found: int = 0
    side_ok: int = 0     # kind/granularity, approximate or canonical agreement among value matches
    side_total: int = 0
    errors: list = field(default_factory=list)

    def add(self, other: Score) -> None:
        for f in ("tp", "span_tp", "gold", "found", "side_ok", "side_total"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.errors += other.errors

    @staticmethod
    def _f1(tp, gold, found):
        p = tp / found if found else 1.0
        r = tp / gold if gold else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def row(self) -> tuple[float, float, float, float, float]:
        p, r, f = self._f1(self.tp, self.gold, self.found)
        span_f = self._f1(self.span_tp, self.gold, self.found)[2]
        side = self.side_ok / self.side_total if self.side_total else float("nan")
        return p, r, f, span_f, side


def side_agrees(kind: str, gold: dict, found: dict) -> bool:
    if kind == "dates":
        return gold["kind"] == found["kind"]
    if kind == "quantities":
        return gold["kind"] == found["kind"] and bool(gold["approximate"]) == bool(found["approximate"])
    return gold["canonical"] == found["canonical"]


def score(kind: str, gold: list[dict], found: list[dict], where: str, category=None) -> dict[str, Score]:
    """Return Scores keyed by category ("all" included) for one text.

    A found mention at an expected span counts in the expected mention's category; any other found mention
    in its own.
    """
    scores: dict[str, Score] = defaultdict(Score)
    by_span = {(m["start"], m["end"]): m for m in found}
    matched = set()
    for g in gold:
        f = by_span.get((g["start"], g["end"]))
        for c in filter(None, ("all", category(g) if category else None)):
            s = scores[c]
            s.gold += 1
            if f is None:
                s.errors.append(f"{where}: MISSED {g['text']!r} {_brief(kind, g)}")
                continue
            s.found += 1
            s.span_tp += 1
            if value_agrees(kind, g, f):
                s.tp += 1
                s.side_total += 1
                s.side_ok += side_agrees(kind, g, f)
            else:
                s.errors.append(f"{where}: VALUE {g['text']!r} gold={_brief(kind, g)} found={_brief(kind, f)}")
        if f is not None:
            matched.add((g["start"], g["end"]))
    for f in found:
        if (f["start"], f["end"]) in matched:
            continue
        for c in filter(None, ("all", category(f) if category else None)):
            scores[c].found += 1
            scores[c].errors.append(f"{where}: EXTRA {f['text']!r} {_brief(kind, f)}")
    return scores


def _brief(kind: str, m: dict) -> str:
    return json.dumps({k: m[k] for k in devset.FIELDS[kind] if k not in ("text", "start", "end")},
                      ensure_ascii=False)


# -- running the pipeline ---------------------------------------------------------------------------------
_CACHE: dict[tuple[str, str | None], dict] = {}


def analyzed(text: str, published: str | None) -> dict:
    """Return extract.analyze's tables for a text (once per text and date)."""
    import extract

    key = (text, published)
    if key not in _CACHE:
        _CACHE[key] = extract.analyze(text, published=date.fromisoformat(published) if published else None)
    return _CACHE[key]


def found_mentions(kind: str, text: str, published: str | None) -> list[dict]:
    frame = analyzed(text, published)[kind]
    return [{f: devset._plain(row.get(f)) for f in devset.FIELDS[kind]} for row in frame.to_dict("records")]


REGIONS = {"news_zh_hans.jsonl": "mainland", "with_refs.jsonl": None}


def region_of(corpus: str, doc_id: str) -> str:
    row = devset.corpus_rows(corpus)[doc_id]
    if corpus == "news_zh_hant.jsonl":
        genre = row.get("genre") or ""
        return "taiwan" if ("Tainan" in genre or "zh-TW" in genre) else "hong_kong"
    if row.get("outlet") == "statementdog":
        return "taiwan"
    return "mainland"


def article_scores(kind: str) -> tuple[dict[str, Score], int]:
    category = {"dates": date_category, "quantities": quantity_category}.get(kind)
    total: dict[str, Score] = defaultdict(Score)
    n = 0
    for path in sorted((DEVSETS / "articles").glob(f"{kind}-*.jsonl")):
        for rec in devset.read_records(path):
            text = devset.article_text(rec["corpus"], rec["id"])
            if devset.sha256(text) != rec["sha256"]:
                raise SystemExit(f"{path.name}: {rec['id']}: the article's text changed since it was annotated")
            found = found_mentions(kind, text, rec.get("published"))
            where = f"{rec['id']}"
            cat = category
            if kind == "entities":
                region = region_of(rec["corpus"], rec["id"])
                cat = lambda m, region=region: f"label:{m['label']}"  # noqa: E731
                for c, s in score(kind, rec["mentions"], found, where).items():
                    total[f"region:{region}"].add(s)
            for c, s in score(kind, rec["mentions"], found, where, cat).items():
                total[c].add(s)
            n += 1
    return total, n


def case_scores(kind: str) -> dict[str, Score]:
    total: dict[str, Score] = {}
    for path in sorted((DEVSETS / "cases" / kind).glob("*.jsonl")):
        file_score = Score()
        for lineno, case in enumerate(devset.read_records(path), 1):
            gold = []
            for m in case["expect"]:
                pos, nth = -1, int(m.get("nth", 1))
                for _ in range(nth):
                    pos = case["text"].find(m["text"], pos + 1)
                gold.append({**m, "start": pos, "end": pos + len(m["text"])})
            found = found_mentions(kind, case["text"], case.get("published"))
            where = f"{path.stem}:{lineno}"
            file_score.add(score(kind, gold, found, where)["all"])
            for s in case.get("absent", []):
                if any(_inside(case["text"], s, f) for f in found):
                    file_score.errors.append(f"{where}: ABSENT {s!r} is (part of) a mention")
        total[path.stem] = file_score
    return total


def _inside(text: str, needle: str, m: dict) -> bool:
    """Return whether an occurrence of `needle` lies within mention `m` (it is the mention or part of it)."""
    start = text.find(needle)
    while start >= 0:
        if m["start"] <= start and start + len(needle) <= m["end"]:
            return True
        start = text.find(needle, start + 1)
    return False


SIDE = {"dates": "kind", "quantities": "kind+approx", "entities": "canonical"}


def report(kind: str, errors: int) -> list[str]:
    lines = [f"== {kind}", f"{'':<28}{'gold':>6}{'found':>7}{'P':>7}{'R':>7}{'F1':>7}{'span F1':>9}"
                              f"{SIDE[kind]:>13}"]

    def line(name: str, s: Score) -> str:
        p, r, f, span_f, side = s.row()
        return f"{name:<28}{s.gold:>6}{s.found:>7}{p:>7.3f}{r:>7.3f}{f:>7.3f}{span_f:>9.3f}{side:>13.3f}"

    arts, n = article_scores(kind)
    cases = case_scores(kind)
    lines.append(f"articles ({n})")
    for name in ["all"] + sorted(k for k in arts if k != "all"):
        lines.append(line("  " + name, arts[name]))
    lines.append("case files")
    case_all = Score()
    for name, s in cases.items():
        case_all.add(s)
        lines.append(line("  " + name, s))
    lines.append(line("  all cases", case_all))
    combined = Score()
    combined.add(arts["all"])
    combined.add(case_all)
    lines.append(line("development set (articles + cases)", combined))
    if kind != "entities":
        lines.append("by category (articles and case files together)")
        for name in sorted((set(arts) | set(cases)) - {"all"}):
            s = Score()
            if name in arts:
                s.add(arts[name])
            if name in cases:
                s.add(cases[name])
            lines.append(line("  " + name, s))
    if errors:
        buckets = {**{f"articles/{k}": v for k, v in arts.items() if k != "all"},
                   **{f"cases/{k}": v for k, v in cases.items()}}
        for name, s in sorted(buckets.items()):
            if s.errors:
                lines.append(f"-- errors: {name} ({len(s.errors)})")
                lines += ["   " + e for e in s.errors[:errors]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=KINDS, action="append")
    parser.add_argument("--errors", type=int, default=0, help="print up to N errors per category")
    args = parser.parse_args(argv)
    for kind in args.kind or KINDS:
        print("\n".join(report(kind, args.errors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
