"""Python binding throughput and per-call overhead (issue 10 targets).

  PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py \
      --model pd-tiny-int8.ebm --data ../shared/data/peoples_daily/example.dev

1. tagger(list) lines/s with threads=2 vs threads=1 on every sentence of
   --data (target >= 1.8x).
2. Per-call overhead of tagger(text) vs the C++ Tagger::Tag() loop on the
   same 30-piece sentence (a seq-32 window with [CLS]/[SEP]) (target <= 5%
   of the C++ latency).
Both are measured interleaved (1 thread, 2 threads, 1 thread, ... / C++,
Python, C++, ...) --reps times; the medians of the per-round ratios are
reported, as the machine may be shared. On a loaded machine the wall-clock
2-vs-1 ratio says little; the lines per CPU-second ratio (cpu_efficiency)
shows what the second thread costs in extra work.
"""

import argparse
import json
import sys
import statistics
import time
from pathlib import Path

import edgebert

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
from bio_texts import bio_texts  # noqa: E402


def throughput(model, texts, reps):
    taggers = {n: edgebert.Tagger(model, threads=n) for n in (1, 2)}
    for t in taggers.values():
        t(texts[:50])  # warm up (and create the list workers)
    rounds = []
    for _ in range(reps):
        lps, per_cpu_s = {}, {}
        for n, tagger in taggers.items():
            t0, c0 = time.perf_counter(), time.process_time()
            tagger(texts)
            lps[n] = len(texts) / (time.perf_counter() - t0)
            per_cpu_s[n] = len(texts) / (time.process_time() - c0)
        rounds.append((lps, per_cpu_s))
    ratios = [r[2] / r[1] for r, _ in rounds]
    # Lines per CPU-second (all threads of this process), 2 threads vs 1:
    # 1.0 = the second thread costs no extra work (no contention), so on two
    # otherwise idle cores the wall-clock ratio would be 2x this.
    efficiency = [c[2] / c[1] for _, c in rounds]
    return {"lines": len(texts),
            "lines_per_s_1": statistics.median(r[1] for r, _ in rounds),
            "lines_per_s_2": statistics.median(r[2] for r, _ in rounds),
            "ratio_2_vs_1_median": statistics.median(ratios),
            "ratios": [round(x, 3) for x in ratios],
            "cpu_efficiency_2_vs_1_median": statistics.median(efficiency),
            "cpu_efficiencies": [round(x, 3) for x in efficiency]}


def overhead(model, texts, reps, calls):
    tagger = edgebert.Tagger(model, threads=1)
    text = next(t for t in texts
                if len(tagger(t, tokens=True)["tokens"]) == 30)
    tagger._tagger._time_cpp_tag(text, calls)  # warm up
    rounds = []
    for _ in range(reps):
        cpp = tagger._tagger._time_cpp_tag(text, calls) / calls
        t0 = time.perf_counter()
        for _ in range(calls):
            tagger(text)
        py = (time.perf_counter() - t0) / calls
        rounds.append((cpp, py))
    rel = [(py - cpp) / cpp for cpp, py in rounds]
    return {"text": text, "pieces": 30,
            "cpp_us": statistics.median(c for c, _ in rounds) * 1e6,
            "python_us": statistics.median(p for _, p in rounds) * 1e6,
            "overhead_us_median": statistics.median(p - c for c, p in rounds) * 1e6,
            "overhead_rel_median": statistics.median(rel),
            "overhead_rel": [round(x, 4) for x in rel]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, help="BIO file (PD dev)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--calls", type=int, default=500)
    a = ap.parse_args()
    model = edgebert.Model(a.model)
    texts = bio_texts(a.data)
    print(json.dumps({"throughput": throughput(model, texts, a.reps)},
                     ensure_ascii=False))
    print(json.dumps({"overhead": overhead(model, texts, a.reps, a.calls)},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
