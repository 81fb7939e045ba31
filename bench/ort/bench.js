#!/usr/bin/env node
// ONNX Runtime (onnxruntime-node, CPU EP) latency of a BERT token classifier
// exported by bench/make_bert_base.py: input "input_ids" int64 [1, seq],
// output "logits" [1, seq, labels].
//
//   node bench/ort/bench.js --model F.onnx [--seq 32,128] [--threads 1,2]
//        [--iters 30] [--warmup 3] [--ref REF.onnx]
//
// Prints one JSON line per (threads, seq), like `edgebert bench`: p50_ms,
// p90_ms, min_ms, cpu_p50_ms (p50 of the process's user + system CPU time per
// run: with 1 thread the inference's own time, without the waits for a core
// that a loaded machine adds to wall time), load_ms (session creation incl.
// graph optimization),
// peak_rss_mb (process high-water mark so far, process.resourceUsage().maxRSS;
// sessions for earlier thread counts are released first but the mark stays).
// Ids are random in [1000, 21128) with [CLS]=101 first and [SEP]=102 last.
// --ref REF.onnx: instead of timing, runs REF and F on the same seq-128 ids
// with 1 thread and prints {"compare": ...}: max and mean |F - REF|, max and
// mean |REF|, and the fraction of tokens whose argmax label agrees (checks a
// quantized model against its f32 source). A separate process from the timed
// run, so REF's memory does not enter the timed run's maxRSS.
'use strict';
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const a = {seq: '32,128', threads: '1,2', iters: 30, warmup: 3, ref: ''};
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a) && k !== 'model') throw new Error(`unknown option ${argv[i]}`);
    a[k] = argv[i + 1];
  }
  if (!a.model) throw new Error('--model is required');
  const list = (s, what) => String(s).split(',').map((x) => {
    const v = Number(x);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${what} '${x}' is not a positive integer`);
    return v;
  });
  a.seqs = list(a.seq, '--seq');
  a.threadList = list(a.threads, '--threads');
  a.iters = Number(a.iters);
  a.warmup = Number(a.warmup);
  return a;
}

// Deterministic ids (LCG) so edgebert-free reruns see the same input.
function makeIds(seq, seed) {
  const ids = new BigInt64Array(seq);
  let s = seed >>> 0;
  for (let i = 0; i < seq; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    ids[i] = BigInt(1000 + (s % 20128));
  }
  ids[0] = 101n;
  ids[seq - 1] = 102n;
  return new ort.Tensor('int64', ids, [1, seq]);
}

async function createSession(path, threads) {
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;  // maxRSS: KiB

async function compare(model, ref) {
  const feeds = {input_ids: makeIds(128, 7)};
  const r = await createSession(ref, 1);
  const want = (await r.run(feeds)).logits;
  await r.release();
  const m = await createSession(model, 1);
  const got = (await m.run(feeds)).logits;
  await m.release();
  const labels = want.dims[2];
  let maxDiff = 0, maxRef = 0, sumDiff = 0, sumRef = 0, agree = 0;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    maxDiff = Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(want.data[i]));
    sumDiff += d;
    sumRef += Math.abs(want.data[i]);
  }
  const argmax = (d, t) => {
    let best = 0;
    for (let j = 1; j < labels; j++) if (d[t * labels + j] > d[t * labels + best]) best = j;
    return best;
  };
  const tokens = want.dims[1];
  for (let t = 0; t < tokens; t++) if (argmax(got.data, t) === argmax(want.data, t)) agree++;
  console.log(JSON.stringify({compare: {model, ref, seq: 128, max_abs_diff: maxDiff,
    max_abs_ref: maxRef, mean_abs_diff: sumDiff / want.data.length,
    mean_abs_ref: sumRef / want.data.length, argmax_agree: agree / tokens}}));
}

async function main() {
  const a = parseArgs(process.argv);
  if (a.ref) return compare(a.model, a.ref);
  for (const th of a.threadList) {
    const t0 = process.hrtime.bigint();
    const session = await createSession(a.model, th);
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    for (const seq of a.seqs) {
      const feeds = {input_ids: makeIds(seq, 42)};
      const ms = [];
      const cpu = [];
      for (let i = 0; i < a.warmup + a.iters; i++) {
        const t1 = process.hrtime.bigint();
        const c1 = process.cpuUsage();
        await session.run(feeds);
        if (i < a.warmup) continue;
        ms.push(Number(process.hrtime.bigint() - t1) / 1e6);
        const c = process.cpuUsage(c1);
        cpu.push((c.user + c.system) / 1e3);
      }
      const pct = (v, p) => {
        const s = [...v].sort((x, y) => x - y);
        return s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
      };
      console.log(JSON.stringify({model: a.model, runtime: `onnxruntime-node ${require('onnxruntime-node/package.json').version}`,
        seq, threads: th, iters: a.iters, p50_ms: pct(ms, 0.5), p90_ms: pct(ms, 0.9),
        min_ms: pct(ms, 0), cpu_p50_ms: pct(cpu, 0.5), load_ms: loadMs,
        peak_rss_mb: peakRssMb()}));
    }
    await session.release();
  }
}

main().catch((e) => {
  console.error(`bench.js: ${e.message}`);
  process.exit(1);
});
