"""Where the start of `zh-extract analyze` goes: CPU seconds and resident memory added by each stage, in order.

The stages are those of the command, which imports neither pandas nor Prefect (`extract.analyze_file_rows`).

    python benchmarks/start_stages.py [FILE]      # default: the seed article

Run it twice: the first start on a machine builds the caches of the user cache folder (see extract/cache.py);
the second is what a user meets every time. CPU seconds (`time.process_time`) move less than wall time on a
shared machine. `benchmarks/throughput.py --only start` measures the command itself.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


class Stages:
    """Print the CPU seconds and the resident memory each `lap` adds since the previous one."""

    def __init__(self):
        self.process = psutil.Process()
        self.cpu, self.rss = time.process_time(), self.process.memory_info().rss

    def lap(self, name: str) -> None:
        cpu, rss = time.process_time(), self.process.memory_info().rss
        print(f"{name:<44} {cpu - self.cpu:5.2f} s CPU  +{(rss - self.rss) / 2**20:4.0f} MB "
              f"(resident {rss / 2**20:4.0f} MB)", flush=True)
        self.cpu, self.rss = cpu, rss


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "corpus" / "h200-china-chips.txt"
    stages = Stages()
    import extract
    import pipeline.terminal
    stages.lap("import extract and the terminal")
    import spacy  # noqa: F401
    stages.lap("import spaCy")
    import pyarrow  # noqa: F401
    stages.lap("import pyarrow (the tables' schemas)")
    import extract.analysis.article  # noqa: F401
    stages.lap("import the analysis (jieba, ...)")
    import extract.ner.crf  # noqa: F401
    stages.lap("import numba and the CRF")
    from extract.analysis.nlp import segmenter
    segmenter(None)
    stages.lap("segmenter (jieba's state, the lexicon)")
    from extract.extractors.dates.grammar import grammar as date_grammar
    date_grammar()
    stages.lap("date grammar")
    from extract.extractors.quantities.grammar import grammar as quantity_grammar
    quantity_grammar()
    stages.lap("quantity grammar")
    tables = extract.analyze_file_rows(path)
    stages.lap("first analysis (CRF, numba's kernels, ...)")
    tables = extract.analyze_file_rows(path)
    stages.lap("second analysis")
    from io import StringIO

    from rich.console import Console
    Console(file=StringIO()).print(pipeline.terminal.analysis_view(tables))
    stages.lap("the terminal view")
    print(f"pandas imported: {'pandas' in sys.modules}; peak RSS "
          f"{__import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
