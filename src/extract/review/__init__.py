"""Review pages: a static, self-contained HTML site that shows a person what the pipeline found.

`review_tables(outputs)` reads the output tables; `write_site(tables, out)` writes `index.html` and one page
per article under `out/docs/`. No page references a file, a network address or a CDN: CSS and script are inline.
"""
from __future__ import annotations

__all__ = ["review_tables", "write_site", "page_name"]


def __getattr__(name: str):
    # Loaded on first use: the terminal borrows `extract.review.format` for a run summary, which needs
    # neither pandas nor the templates the site modules import.
    if name in ("page_name", "write_site"):
        from extract.review import site

        return getattr(site, name)
    if name == "review_tables":
        from extract.review.tables import review_tables

        return review_tables
    raise AttributeError(f"module 'extract.review' has no attribute {name!r}")
