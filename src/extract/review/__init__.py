"""Review pages: a static, self-contained HTML site that shows a person what the pipeline found.

`review_tables(outputs)` reads the output tables; `write_site(tables, out)` writes `index.html` and one page
per article under `out/docs/`. No page references a file, a network address or a CDN: CSS and script are inline.
"""
from __future__ import annotations

__all__ = ["review_tables", "write_site", "page_name"]

_HOMES = {"review_tables": "extract.review.tables", "write_site": "extract.review.site",
          "page_name": "extract.review.site"}


def __getattr__(name: str):
    # Loaded on first use: the terminal uses extract.review.format without pandas, jinja2 or the site code.
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'extract.review' has no attribute {name!r}")
