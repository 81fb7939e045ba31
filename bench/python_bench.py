"""Python binding throughput and per-call overhead (issue 10 targets).

  PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py \
      --model pd-tiny-int8.ebm --data ../shared/data/peoples_daily/example.dev

1. tagger(list) lines/s with threads=2 vs threads=1 on every sentence of
   --data (target >= 1.8x).
2. Per-call overhead of tagger(text) vs the C++ Tagger::Tag() on the same
   30-piece sentence (a seq-32 window with [CLS]/[SEP]) (target <= 5% of the
   C++ latency), and the binding's cost alone (an empty text).
Both are measured interleaved (1 thread, 2 threads, 1 thread, ... / C++
call, Python call, C++ call, ...) --reps times; the medians of the per-round ratios are
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
    """C++ Tag() and tagger(text) alternate call by call (so load changes
    hit both alike), reps * calls times each; compares percentiles of the
    per-call times (the low ones are the least disturbed by other load)."""
    tagger = edgebert.Tagger(model, threads=1)
    cpp_tag = tagger._tagger._time_cpp_tag
    text = next(t for t in texts
                if len(tagger(t, tokens=True)["tokens"]) == 30)
    cpp_tag(text, 50)  # warm up
    cpp, py = [], []
    for _ in range(reps * calls):
        cpp.append(cpp_tag(text, 1))
        t0 = time.perf_counter()
        tagger(text)
        py.append(time.perf_counter() - t0)
    cpp.sort()
    py.sort()
    out = {"text": text, "pieces": 30, "calls": len(cpp)}
    for name, q in (("min", 0.0), ("p10", 0.1), ("p50", 0.5)):
        i = int(q * (len(cpp) - 1))
        out[f"cpp_us_{name}"] = cpp[i] * 1e6
        out[f"python_us_{name}"] = py[i] * 1e6
        out[f"overhead_rel_{name}"] = py[i] / cpp[i] - 1
    # The binding alone: an empty text returns from C++ Tag() at once.
    n = 20000
    t0 = time.perf_counter()
    for _ in range(n):
        tagger("")
    out["empty_text_python_us"] = (time.perf_counter() - t0) / n * 1e6
    out["empty_text_cpp_us"] = cpp_tag("", n) / n * 1e6
    return out


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
