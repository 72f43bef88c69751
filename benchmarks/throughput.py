"""Speed of what users run, as a share of OpenCC + jieba on the same texts, and peak memory.

    python benchmarks/throughput.py [--only news,api,run,memory,start,dask] [--repeat 3]
                                    [--run-articles 1000] [--memory-sizes 300,3000] [--dask-articles 500]

Sections (`--only` picks some; all by default):

- `news`: the first 500 articles of `news_zh_hant.jsonl` through `analyze_article`, stage by stage (OpenCC,
  jieba, normalize, each extractor, the whole analysis), the ratio interleaved by 25 articles.
- `api`: the public `extract.analyze` (DataFrames included) and `analyze_article` (the rows path) on 200
  random short articles of the two news corpora and on 40 random long articles of `with_refs.jsonl`
  (`text_with_references`, ~4.7k characters, their reference list included).
- `run`: `zh-extract run` end to end (a fresh process, Prefect included) over a mixed corpus of
  `--run-articles` articles (45% Traditional news, 45% Simplified news, 10% long articles with references),
  against single-process OpenCC + jieba on the same texts; wall time and peak memory of the process tree.
- `memory`: peak memory of `zh-extract run` over `--memory-sizes` mixed articles (flat is the aim).
- `start`: `zh-extract analyze corpus/h200-china-chips.txt` (wall, peak RSS; first and later starts) and a
  `zh-extract run` with nothing to do.
- `dask`: `zh-extract run --runner dask` over `--dask-articles` mixed articles with 1 and then 2 Dask workers:
  wall time, and the rate of the analysis once every worker has loaded its models (articles per second
  between the first and the last batch done, from the flow's progress log), and the ratio 2 workers / 1
  (near-linear: about 1.8 with two idle cores). Not in the default sections: it needs idle cores to mean much.

The floor, OpenCC (t2s) + `jieba.lcut` in this process, is timed in turns with the measured code on chunks of
articles, so that the machine's drift (20-40% within minutes on a shared VM) weighs on both sides alike.
A share is floor time / measured time: 1.0 would be as fast as OpenCC + jieba.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
SEED = ROOT / "corpus" / "h200-china-chips.txt"
SECTIONS = ("news", "api", "run", "memory", "start", "dask")
DEFAULT_SECTIONS = SECTIONS[:-1]


# -- corpora -------------------------------------------------------------------------------------------------
def _records(name: str) -> list[dict]:
    with (SHARED / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def short_texts(n: int, seed: int = 0) -> list[str]:
    """Return `n` random articles of the two news corpora (Traditional and Simplified)."""
    texts = [r["text"] for r in _records("news_zh_hant.jsonl") + _records("news_zh_hans.jsonl")]
    return random.Random(seed).sample(texts, n)


def long_texts(n: int, seed: int = 0) -> list[str]:
    """Return `n` random articles of with_refs.jsonl, their reference list included."""
    texts = [r["text_with_references"] for r in _records("with_refs.jsonl")]
    return random.Random(seed).sample(texts, n)


def mixed_records(n: int, seed: int = 0) -> list[dict]:
    """Return `n` JSONL records: 45% Traditional news, 45% Simplified news, 10% long articles with references."""
    rng = random.Random(seed)
    pools = [(0.45, _records("news_zh_hant.jsonl"), "text"), (0.45, _records("news_zh_hans.jsonl"), "text"),
             (0.10, _records("with_refs.jsonl"), "text_with_references")]
    out = []
    for share, pool, field in pools:
        k = round(n * share) if field != "text_with_references" else n - len(out)
        for i, rec in enumerate(rng.choices(pool, k=k)):
            out.append({"id": f"{field[:5]}{len(out)}-{i}", "text": rec[field], "date": rec.get("date")})
    rng.shuffle(out)
    return out


def write_corpus(folder: Path, records: list[dict], per_file: int = 50) -> None:
    """Write records as JSONL files of `per_file` articles each."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(0, len(records), per_file):
        with (folder / f"part{k // per_file:04d}.jsonl").open("w", encoding="utf-8") as fh:
            for rec in records[k:k + per_file]:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


# -- the floor -----------------------------------------------------------------------------------------------
class Floor:
    """OpenCC t2s + jieba.lcut (the default dictionary), loaded once."""

    def __init__(self):
        import jieba
        import opencc

        jieba.setLogLevel(60)
        jieba.initialize()
        self.convert, self.lcut = opencc.OpenCC("t2s").convert, jieba.lcut

    def __call__(self, texts: list[str]) -> None:
        for text in texts:
            self.lcut(self.convert(text))

    def seconds(self, texts: list[str]) -> float:
        t0 = time.perf_counter()
        self(texts)
        return time.perf_counter() - t0


def share_of_floor(floor: Floor, texts: list[str], work, *, chunk: int, repeat: int) -> tuple[float, float, list]:
    """Time `work(chunk)` in turns with the floor; return (median share, median chars/s of work, shares)."""
    chars = sum(map(len, texts))
    shares, rates = [], []
    for _ in range(repeat):
        base = measured = 0.0
        for k in range(0, len(texts), chunk):
            part = texts[k:k + chunk]
            base += floor.seconds(part)
            t0 = time.perf_counter()
            work(part)
            measured += time.perf_counter() - t0
        shares.append(base / measured)
        rates.append(chars / measured)
    return statistics.median(shares), statistics.median(rates), sorted(shares)


# -- processes -----------------------------------------------------------------------------------------------
def cli() -> list[str]:
    script = Path(sys.executable).parent / "zh-extract"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int, str, float]:
    """Run `cmd`; return (wall seconds, peak RSS of its process tree in MB, exit status, stderr tail, CPU seconds).

    The CPU seconds (user + system) are those of the command's process tree: each process's own, as last seen
    polling every 50 ms (a run's Prefect server, fork server and workers; the watchdog, which outlives the
    command, up to then), or the command's and those of the children it waited for (wait4 counts them), when
    that is more. On a shared machine they move less than the wall time. The workers of a fork server are its
    children, not the command's: wait4 alone misses them. The peak is the larger of the tree's resident memory polled every
    50 ms and the command's own high-water mark (VmHWM of its memory after exec). Not the ru_maxrss of wait4:
    Linux carries the spawning process's resident size into the child's, so after the `api` section (this
    process at 600 MB) every command seemed to peak at 600 MB.
    """
    import threading

    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parent, peak, stderr_chunks, cpu = psutil.Process(proc.pid), 0, [], {}
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)
    reader.start()
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(_rss(p) for p in tree), _hwm(proc.pid))
            cpu.update((p.pid, seconds) for p in tree if (seconds := _cpu(p)) is not None)
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(5)
    tail = b"".join(stderr_chunks).decode("utf-8", "replace")[-2000:]
    return wall, peak / 2**20, proc.returncode, tail, max(usage.ru_utime + usage.ru_stime, sum(cpu.values()))


def _cpu(p) -> float | None:
    """Return the CPU seconds a process has used itself (its children aside), None when it is gone."""
    try:
        times = p.cpu_times()
    except Exception:  # the process ended between listing and reading
        return None
    return times.user + times.system


def _hwm(pid: int) -> int:
    """Return the peak resident memory of a running process (VmHWM, bytes), 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _rss(p) -> int:
    try:
        return p.memory_info().rss
    except Exception:  # the process ended between listing and reading
        return 0


def run_corpus(records: list[dict], *extra: str) -> dict:
    """Write `records` as a corpus, run `zh-extract run` over it in a fresh folder; return the figures."""
    work = Path(tempfile.mkdtemp(prefix="zh-bench-"))
    try:
        write_corpus(work / "corpus", records)
        cmd = cli() + ["run", "--corpus", "corpus", "--outputs", "out", "--state-dir", "state", *extra]
        wall, peak, code, tail, cpu = measure(cmd, work)
        if code not in (0, 1):
            print(f"  zh-extract run failed ({code}):\n{tail}")
        noop_wall, noop_peak, _, _, noop_cpu = measure(cmd, work)
        return {"wall": wall, "cpu": cpu, "peak": peak, "code": code, "noop_wall": noop_wall, "noop_peak": noop_peak,
                "noop_cpu": noop_cpu}
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- sections ------------------------------------------------------------------------------------------------
def section_news(args) -> None:
    """The stages one by one on the first 500 Traditional news articles (the figures of earlier issues)."""
    import jieba
    import opencc

    from extract.analysis.article import analyze_article
    from extract.extractors.dates import find_dates
    from extract.extractors.entities import find_entities
    from extract.extractors.quantities import find_quantities
    from extract.settings import Settings
    from extract.text.ingest import Article
    from extract.text.normalize import normalize

    texts = [r["text"] for r in _records("news_zh_hant.jsonl")[:500]]
    chars = sum(map(len, texts))
    print(f"news: {len(texts)} articles, {chars:,} characters from news_zh_hant.jsonl; best of {args.repeat} runs")

    converter = opencc.OpenCC("t2s")
    simplified = [converter.convert(t) for t in texts]
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    analyze_article(Article("warm", "warm", texts[0]))  # warm caches: lexicon, segmenter, models
    norms = [normalize(t) for t in texts]

    def analyze_all(settings: Settings) -> None:
        for i, text in enumerate(texts):
            analyze_article(Article(f"doc{i}", "bench", text), settings)

    stages = {
        "OpenCC t2s alone": lambda: [converter.convert(t) for t in texts],
        "jieba alone (default dictionary)": lambda: [list(tokenizer.tokenize(t)) for t in simplified],
        "normalize (variant detection + offset map)": lambda: [normalize(t) for t in texts],
        "quantities extractor alone": lambda: [find_quantities(n.simplified) for n in norms],
        "dates extractor alone": lambda: [find_dates(n.simplified) for n in norms],
        "entities extractor alone": lambda: [find_entities(n.simplified) for n in norms],
        "pipeline without entities": lambda: analyze_all(Settings(entities=False)),
        "pipeline, everything (extract.analyze)": lambda: analyze_all(Settings()),
    }
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(args.repeat):
        for name, run in stages.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    best = {name: min(seconds) for name, seconds in times.items()}
    rate = {name: chars / seconds for name, seconds in best.items()}
    for name, seconds in best.items():
        print(f"{name:<44} {rate[name]:>12,.0f} chars/s  ({seconds:.2f} s)")
    jieba_rate = rate["jieba alone (default dictionary)"]
    both = 1 / (1 / rate["OpenCC t2s alone"] + 1 / jieba_rate)
    print(f"{'OpenCC + jieba (derived)':<44} {both:>12,.0f} chars/s")
    print(f"ratio pipeline (no entities) / jieba: {rate['pipeline without entities'] / jieba_rate:.3f}")
    print(f"ratio whole analysis / (OpenCC + jieba): {rate['pipeline, everything (extract.analyze)'] / both:.3f}"
          "  (of best times: moves with the machine's drift, see the docstring)")
    # The best times of different stages may come from different moments of a shared machine, whose speed
    # drifts by 10-20% within minutes; the ratio of the times measured in one round, seconds apart, does not
    # depend on that drift. Their median is the steadier figure of the two.
    rounds = sorted((times["OpenCC t2s alone"][k] + times["jieba alone (default dictionary)"][k])
                    / times["pipeline, everything (extract.analyze)"][k] for k in range(args.repeat))
    print(f"same ratio, median of the {args.repeat} rounds: {statistics.median(rounds):.3f}"
          f"  (rounds {rounds[0]:.3f} to {rounds[-1]:.3f})")
    # Issue 15's budget: the date and number extractors together add at most 30% to segmentation time.
    added = sorted((times["dates extractor alone"][k] + times["quantities extractor alone"][k])
                   / times["jieba alone (default dictionary)"][k] for k in range(args.repeat))
    print(f"dates + quantities extractors / jieba, median of the {args.repeat} rounds: "
          f"{statistics.median(added):.3f}  (rounds {added[0]:.3f} to {added[-1]:.3f}; target <= 0.30)")
    # Issue 16's budget: what entities add to the pipeline (not find_entities alone, which segments for itself
    # and so moves with the segmenter's speed), against jieba's time of the same round.
    entities = sorted((times["pipeline, everything (extract.analyze)"][k] - times["pipeline without entities"][k])
                      / times["jieba alone (default dictionary)"][k] for k in range(args.repeat))
    print(f"time entities add to the pipeline / jieba, median of the {args.repeat} rounds: "
          f"{statistics.median(entities):.3f}  (rounds {entities[0]:.3f} to {entities[-1]:.3f})")
    # Finer still: OpenCC + jieba and the whole analysis take turns on chunks of 25 articles (a fraction of a
    # second each), so a drift of the machine's speed weighs on both sides alike.
    interleaved = []
    for _ in range(args.repeat):
        baseline = whole = 0.0
        for k in range(0, len(texts), 25):
            chunk = texts[k:k + 25]
            t0 = time.perf_counter()
            for text in chunk:
                list(tokenizer.tokenize(converter.convert(text)))
            t1 = time.perf_counter()
            for i, text in enumerate(chunk):
                analyze_article(Article(f"doc{k + i}", "bench", text), Settings())
            t2 = time.perf_counter()
            baseline, whole = baseline + t1 - t0, whole + t2 - t1
        interleaved.append(baseline / whole)
    interleaved.sort()
    print(f"same ratio, interleaved by 25 articles, median of {args.repeat} rounds: "
          f"{statistics.median(interleaved):.3f}  (rounds {interleaved[0]:.3f} to {interleaved[-1]:.3f}; "
          "target >= 0.25)")


def section_api(args) -> None:
    import extract
    from extract.analysis.article import analyze_article
    from extract.text.ingest import Article

    floor = Floor()
    extract.analyze(SEED.read_text(encoding="utf-8"))  # warm: lexicon, segmenter, models

    def api(part):
        for text in part:
            extract.analyze(text)

    def rows(part):
        for i, text in enumerate(part):
            analyze_article(Article(f"doc{i}", "bench", text))

    short, long = short_texts(200), long_texts(40)
    # analyze_article is the rows path (the flow's): extract.analyze should cost it plus a small constant.
    for label, texts, work, chunk in (("extract.analyze, 200 random short articles", short, api, 25),
                                      ("analyze_article, 200 random short articles", short, rows, 25),
                                      ("extract.analyze, 40 long articles with references", long, api, 5),
                                      ("analyze_article, 40 long articles with references", long, rows, 5)):
        share, rate, shares = share_of_floor(floor, texts, work, chunk=chunk, repeat=args.repeat)
        print(f"api: {label} ({sum(map(len, texts)):,} chars): {rate:,.0f} chars/s, share of OpenCC + jieba "
              f"{share:.3f} (rounds {shares[0]:.3f}-{shares[-1]:.3f}; target >= 0.30)")


def section_run(args) -> None:
    records = mixed_records(args.run_articles)
    texts = [r["text"] for r in records]
    floor = Floor()
    floor(texts[:20])
    base = min(floor.seconds(texts) for _ in range(2))
    figures = run_corpus(records, *args.run_args)
    chars = sum(map(len, texts))
    print(f"run: zh-extract run, {len(records)} mixed articles ({chars:,} chars) {' '.join(args.run_args)}: "
          f"{figures['wall']:.1f} s ({figures['cpu']:.1f} s CPU, {_load()}), {chars / figures['wall']:,.0f} "
          f"chars/s, peak {figures['peak']:,.0f} MB; "
          f"OpenCC + jieba single process {base:.1f} s; share {base / figures['wall']:.3f} (target >= 0.25)")
    print(f"run: the same run again, nothing to do: {figures['noop_wall']:.1f} s, peak {figures['noop_peak']:,.0f} MB"
          " (target <= 6 s)")


def section_memory(args) -> None:
    peaks = {}
    for n in args.memory_sizes:
        records = mixed_records(n, seed=1)
        figures = run_corpus(records, *args.run_args)
        peaks[n] = figures["peak"]
        print(f"memory: zh-extract run over {n} mixed articles: peak {figures['peak']:,.0f} MB "
              f"({figures['wall']:.1f} s, exit {figures['code']})")
    small, large = peaks[min(peaks)], peaks[max(peaks)]
    print(f"memory: peak at {max(peaks)} / peak at {min(peaks)}: {large / small:.2f} (target <= 1.20)")


def section_start(args) -> None:
    starts = [(*measure(cli() + ["analyze", str(SEED)], ROOT), _load()) for _ in range(3)]
    for k, (wall, peak, code, tail, cpu, load) in enumerate(starts):
        if code:
            print(f"  analyze failed ({code}): {tail}")
        print(f"start: zh-extract analyze {SEED.name}, start {k + 1}: {wall:.2f} s ({cpu:.2f} s CPU), "
              f"peak RSS {peak:,.0f} MB (target <= 3 s, 350 MB after the first); {load}")
    figures = run_corpus(mixed_records(20, seed=2))
    load = _load()
    print(f"start: zh-extract run over 20 articles: {figures['wall']:.1f} s; the same run again, nothing to do: "
          f"{figures['noop_wall']:.1f} s ({figures['noop_cpu']:.2f} s CPU), peak {figures['noop_peak']:,.0f} MB"
          f" (target <= 6 s); {load}")


# A progress line of the flow: "HH:MM:SS.mmm | INFO | ... batches 3/40, articles 75/1000, ..."
_PROGRESS = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) .*batches \d+/\d+, articles (\d+)/\d+", re.M)


def steady_rate(log: str) -> float | None:
    """Return articles per second between the first and the last batch done (the models loaded), from the log."""
    points = [(int(h) * 3600 + int(m) * 60 + float(s), int(n)) for h, m, s, n in _PROGRESS.findall(log)]
    if len(points) < 3 or points[-1][0] <= points[0][0]:
        return None
    return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])


def run_dask(records: list[dict], workers: int) -> tuple[float, float | None, int]:
    """Run `zh-extract run --runner dask --workers N` over `records` in a fresh folder: (wall, steady rate, exit)."""
    work = Path(tempfile.mkdtemp(prefix="zh-bench-dask-"))
    try:
        write_corpus(work / "corpus", records)
        cmd = cli() + ["run", "--corpus", "corpus", "--outputs", "out", "--state-dir", "state",
                       "--runner", "dask", "--workers", str(workers)]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=work, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, errors="replace")
        wall = time.perf_counter() - t0
        if done.returncode not in (0, 1):
            print(f"  zh-extract run --runner dask failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return wall, steady_rate(done.stderr), done.returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


def section_dask(args) -> None:
    records = mixed_records(args.dask_articles, seed=3)
    rates = {}
    for workers in (1, 2):
        wall, rate, code = run_dask(records, workers)
        rates[workers] = rate
        shown = f"{rate:.1f} articles/s" if rate else "no rate (too few batches)"
        print(f"dask: zh-extract run --runner dask --workers {workers}, {len(records)} mixed articles: "
              f"{wall:.1f} s wall, analysis {shown} (exit {code}); {_load()}")
    if rates[1] and rates[2]:
        print(f"dask: analysis rate 2 workers / 1 worker: {rates[2] / rates[1]:.2f} (near-linear: ~1.8 on 2 idle "
              "cores)")


def _load() -> str:
    """Return the load average: on a shared machine wall times mean little without it (CPU seconds move less)."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(DEFAULT_SECTIONS), help=f"comma-separated of {', '.join(SECTIONS)}")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run-articles", type=int, default=1000)
    parser.add_argument("--memory-sizes", default="300,3000")
    parser.add_argument("--dask-articles", type=int, default=500)
    parser.add_argument("--run-args", default="", help="extra arguments of zh-extract run, e.g. '--workers 1'")
    args = parser.parse_args()
    args.memory_sizes = [int(n) for n in args.memory_sizes.split(",")]
    args.run_args = args.run_args.split()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    for name in chosen:
        started = time.perf_counter()
        globals()[f"section_{name}"](args)
        print(f"  ({name}: {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
