"""Review pages: a static, self-contained HTML site that shows a person what the pipeline found.

`review_tables(outputs)` reads the output tables; `write_site(tables, out)` writes `index.html` and one page
per article under `out/docs/`. No page references a file, a network address or a CDN: CSS and script are inline.
"""
from __future__ import annotations

from extract.review.site import page_name, write_site
from extract.review.tables import review_tables

__all__ = ["review_tables", "write_site", "page_name"]
