"""Write the review site: an index of articles with charts, and one page per article. Static, self-contained."""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pandas as pd

from extract.review import article as page
from extract.review.charts import Chart, bar_chart, column_chart
from extract.review.format import date_text, is_missing

COUNTED_TABLES = ("sentences", "entities", "quantities", "dates", "references", "citations", "conflicts")
_TOP_NAMES = 15
_MAX_MONTHS = 36
_DATE_TAILS = 0.05


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("extract.review", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["json_script"] = _json_script
    return env


def _json_script(value) -> str:
    """Return JSON safe inside a <script> element (no `</script>` can end it early)."""
    from markupsafe import Markup

    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


def page_name(doc_id: str) -> str:
    """Return the file name of a document's page: readable, safe on every file system, unique by a digest."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", doc_id).strip("-")[:60] or "doc"
    return f"{stem}-{hashlib.sha1(doc_id.encode('utf-8')).hexdigest()[:8]}.html"


def index_rows(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Return one row per article for the index: metadata and counts per table, articles with conflicts first."""
    counts = {name: tables[name].groupby("doc_id").size() if len(tables[name]) else pd.Series(dtype=int)
              for name in COUNTED_TABLES}
    rows = []
    for _, doc in tables["documents"].iterrows():
        doc_id = doc["doc_id"]
        title = doc["title"] if not is_missing(doc["title"]) and doc["title"] else doc_id
        rows.append({"doc_id": doc_id, "href": f"docs/{page_name(doc_id)}", "title": title,
                     "outlet": "" if is_missing(doc.get("outlet")) else doc.get("outlet"),
                     "published": date_text(doc["published"]), "variant": doc["variant"],
                     "counts": {name: int(counts[name].get(doc_id, 0)) for name in COUNTED_TABLES}})
    rows.sort(key=lambda r: (-r["counts"]["conflicts"], r["title"]))
    return rows


def index_charts(tables: dict[str, pd.DataFrame]) -> list[Chart]:
    """Return the index's charts: entities by label, frequent canonical names, dates over time, quantities by kind."""
    entities, quantities = tables["entities"], tables["quantities"]
    by_label = Counter(entities["label"].dropna()) if len(entities) else Counter()
    names = Counter(zip(entities["canonical"], entities["label"])) if len(entities) else Counter()
    kinds = Counter(quantities["kind"].dropna()) if len(quantities) else Counter()
    unit, bars = dates_over_time(tables["dates"])
    return [
        bar_chart("Entities by label", by_label.most_common()),
        bar_chart(f"Most frequent names (top {_TOP_NAMES})",
                  [(f"{name} ({label})", n) for (name, label), n in names.most_common(_TOP_NAMES)]),
        column_chart(f"Dates mentioned, by {unit} of their start", bars),
        bar_chart("Quantities by kind", kinds.most_common()),
    ]


def dates_over_time(dates: pd.DataFrame) -> tuple[str, list[tuple[str, int]]]:
    """Return counts of dated mentions per month (per year over more than three years), gaps included.

    Over a long span, the few mentions far from the rest (a history's 1823, a plan's 2050) would stretch the
    axis over centuries: those outside the middle 90% are counted in a 'before' and an 'after' bar instead.
    """
    if not len(dates):
        return "month", []
    starts = pd.to_datetime(dates["start_date"].dropna(), errors="coerce").dropna()
    if starts.empty:
        return "month", []
    low, high = starts.min(), starts.max()
    if (high.to_period("M") - low.to_period("M")).n >= _MAX_MONTHS:
        low, high = starts.quantile(_DATE_TAILS), starts.quantile(1 - _DATE_TAILS)
    middle = starts[(starts >= low) & (starts <= high)]
    months = middle.dt.to_period("M")
    unit = "year" if (months.max() - months.min()).n >= _MAX_MONTHS else "month"
    if unit == "year":
        keys, span = middle.dt.year.astype(str), [str(y) for y in range(middle.dt.year.min(), middle.dt.year.max() + 1)]
    else:
        keys, span = months.astype(str), [str(p) for p in pd.period_range(months.min(), months.max(), freq="M")]
    counts = keys.value_counts()
    bars = [(key, int(counts.get(key, 0))) for key in span]
    earlier, later = int((starts < low).sum()), int((starts > high).sum())
    return unit, (([(f"before {span[0]}", earlier)] if earlier else []) + bars
                  + ([(f"after {span[-1]}", later)] if later else []))


def write_site(tables: dict[str, pd.DataFrame], out: str | Path, *, doc_ids: list[str] | None = None) -> list[Path]:
    """Write the site under `out` and return the files written.

    Without `doc_ids`, the index and every article's page; with them, only those articles' pages.
    Raises KeyError naming a requested document that the tables do not hold.
    """
    out = Path(out)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    documents = tables["documents"].set_index("doc_id", drop=False)
    missing = [d for d in doc_ids or () if d not in documents.index]
    if missing:
        raise KeyError(f"no document {missing[0]!r} in the tables")
    written = []
    if doc_ids is None:
        written.append(_write(out / "index.html", _render_index(tables)))
    wanted = doc_ids if doc_ids is not None else list(documents.index)
    for doc_id, own in _per_document(tables, wanted):
        written.append(_write(out / "docs" / page_name(doc_id), render_article(own, documents.loc[doc_id])))
    return written


def _per_document(tables: dict[str, pd.DataFrame], doc_ids: list[str]):
    """Yield (doc_id, its rows of every table), splitting each table once rather than once per document."""
    groups = {name: dict(tuple(frame.groupby("doc_id", sort=False))) if len(frame) else {}
              for name, frame in tables.items() if "doc_id" in frame.columns}
    empty = {name: frame.iloc[0:0] for name, frame in tables.items()}
    for doc_id in doc_ids:
        yield doc_id, {name: groups.get(name, {}).get(doc_id, empty[name]) for name in tables}


def _write(path: Path, html: str) -> Path:
    path.write_text(html, encoding="utf-8")
    return path


def _render_index(tables: dict[str, pd.DataFrame]) -> str:
    return _environment().get_template("index.html.j2").render(
        rows=index_rows(tables), charts=index_charts(tables), tables=COUNTED_TABLES,
        assets=_assets())


def render_article(tables: dict[str, pd.DataFrame], doc) -> str:
    """Return the HTML page of one document (a row of `documents`)."""
    doc_id = doc["doc_id"]
    references = page.reference_items(tables, doc_id)
    unplaced = [page.conflict_item(c) for _, c in page.rows_of(tables["conflicts"], doc_id).iterrows()]
    return _environment().get_template("article.html.j2").render(
        doc=_doc_header(doc), body=page.article_html(tables, doc_id, doc["text"]),
        legend=page.legend_counts(tables, doc_id), references=references, conflicts=unplaced,
        citations={str(r["ref_idx"]): [c["sent_idx"] for c in r["citations"]] for r in references},
        assets=_assets())


def _doc_header(doc) -> dict:
    def text(column):
        value = doc.get(column)
        return "" if is_missing(value) else str(value)

    return {"doc_id": doc["doc_id"], "title": text("title") or doc["doc_id"], "author": text("author"),
            "outlet": text("outlet"), "url": text("url"), "source": text("source"),
            "published": date_text(doc["published"]), "published_basis": text("published_basis"),
            "variant": text("variant"), "conversion": text("conversion"), "n_chars": int(doc["n_chars"])}


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    """Return the stylesheet and script inlined into every page (no file, network or CDN is referenced)."""
    from importlib.resources import files

    folder = files("extract.review") / "static"
    return {"css": (folder / "review.css").read_text(encoding="utf-8"),
            "index_js": (folder / "index.js").read_text(encoding="utf-8"),
            "article_js": (folder / "article.js").read_text(encoding="utf-8")}
