"""Write the zh_extract spaCy pipeline package (src/zh_extract/), laid out as `spacy package` lays one out.

    python scripts/build_spacy_package.py           # write src/zh_extract/meta.json and its data folder
    python scripts/build_spacy_package.py --check   # exit 1 if the shipped package differs from a fresh build

The package holds only configuration (the tokenizer and components read the project's own data files), so a
change to `PIPES`, a factory's config or the project version needs a rebuild; tests/test_spacy_package.py
runs `--check`.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "src" / "zh_extract"
LANG, NAME = "zh", "extract"


def meta() -> dict:
    """Return the package's meta.json content."""
    from extract.analysis.nlp import PIPES

    return {
        "lang": LANG, "name": NAME, "version": version("zh-extract"),
        "description": "Chinese news in any script: jieba words with Universal POS, sentences, named entities "
                       "with canonical Simplified names, dates and quantities (zh-extract).",
        "author": "zh-extract", "license": "MIT", "spacy_version": ">=3.8.0,<3.9.0",
        "requirements": [f"zh-extract>={version('zh-extract')}"],
        "pipeline": [p.name for p in PIPES], "components": [p.name for p in PIPES], "disabled": [],
    }


def write(package_dir: Path) -> Path:
    """Write meta.json and the pipeline's data folder into `package_dir`; return the data folder."""
    from extract.analysis.nlp import new_package_nlp

    info = meta()
    data_dir = package_dir / f"{LANG}_{NAME}-{info['version']}"
    for old in package_dir.glob(f"{LANG}_{NAME}-*"):
        shutil.rmtree(old)
    nlp = new_package_nlp()
    nlp.meta.update(info)
    nlp.to_disk(data_dir)
    (package_dir / "meta.json").write_text(json.dumps(nlp.meta, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                                           encoding="utf-8")
    (data_dir / "meta.json").write_text(json.dumps(nlp.meta, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                                        encoding="utf-8")
    return data_dir


def differences(package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Return the files of the shipped package that differ from a fresh build (empty when up to date)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        write(fresh)
        out = []
        for path in sorted(fresh.rglob("*")):
            if path.is_file():
                shipped = package_dir / path.relative_to(fresh)
                if not shipped.is_file() or not filecmp.cmp(path, shipped, shallow=False):
                    out.append(str(path.relative_to(fresh)))
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with a fresh build instead of writing")
    args = parser.parse_args(argv)
    if args.check:
        stale = differences()
        if stale:
            print("src/zh_extract is out of date (run scripts/build_spacy_package.py): " + ", ".join(stale))
            return 1
        print("src/zh_extract is up to date")
        return 0
    print(f"wrote {write(PACKAGE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
