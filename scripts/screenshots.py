"""Take the README's screenshots of the review site with Debian's chromium (the browser the tests drive).

    python scripts/screenshots.py --site review --out docs

writes docs/review-index.png (the index) and docs/review-article.png (the seed article's page with its
second reference selected, so that its citing sentences and evidence show). Needs `make review` first and
chromium (`bash scripts/setup_browser.sh`); Playwright never downloads a browser here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
SEED = "h200-china-chips.txt"
VIEWPORT = {"width": 1200, "height": 760}


def take_screenshots(site: Path, out: Path, *, doc_id: str = SEED, reference: int = 2) -> list[Path]:
    """Write the two screenshots and return their paths."""
    from playwright.sync_api import sync_playwright

    from extract.review import page_name

    site, out = site.resolve(), out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    shots = [out / "review-index.png", out / "review-article.png"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        page.goto((site / "index.html").as_uri())
        page.screenshot(path=str(shots[0]))
        page.goto((site / "docs" / page_name(doc_id)).as_uri())
        page.click(f'#references .ref[data-ref="{reference}"]')
        page.wait_for_timeout(1000)  # the page scrolls smoothly to the first citing sentence
        page.screenshot(path=str(shots[1]))
        browser.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("review"))
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--doc", default=SEED, help="the article whose page is shot")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"screenshots: {args.site}/index.html is missing: run `make review` first", file=sys.stderr)
        return 2
    for path in take_screenshots(args.site, args.out, doc_id=args.doc):
        print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
