/**
 * Benchmark: semantic isotropy for N = 20 responses of D = 1024 dimensions (the paper's largest sample count,
 * a typical embedder width). Target: median under 1 ms. Also times the other embedding estimators and the
 * numpy peer on the same data (skipped when /usr/bin/python3 with numpy is missing).
 *
 * Run: npm run bench -w @proj/isotropy   (writes bench/results/isotropy.json at the repo root)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@proj/runtime';
import { cosineGram, estimateAll, semanticIsotropy, writeTextFileAtomic } from '../src/index.js';

const N = 20;
const D = 1024;
const REPS = 3000;
const TARGET_MS = 1;

function time(fn: () => unknown, reps: number): { median: number; p90: number; mean: number } {
  for (let i = 0; i < 200; i++) fn(); // warm up the JIT
  const t = new Float64Array(reps);
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const mean = t.reduce((s, v) => s + v, 0) / reps;
  t.sort();
  return { median: t[Math.floor(reps / 2)], p90: t[Math.floor(reps * 0.9)], mean };
}

const rng = new Rng(2024);
// Answers to one prompt share a direction plus per-answer noise, like real embeddings.
const centre = Float64Array.from({ length: D }, () => rng.normal());
const rows = Array.from({ length: N }, () => Float32Array.from(centre, (c) => c + 0.8 * rng.normal()));

const value = semanticIsotropy(rows);
const results: Record<string, { median: number; p90: number; mean: number }> = {
  'semanticIsotropy (rows -> score)': time(() => semanticIsotropy(rows), REPS),
  'cosineGram only': time(() => cosineGram(rows), REPS),
  'estimateAll (7 embedding estimators)': time(() => estimateAll(rows), REPS),
};

let peer: { value: number; median_ms: number; p90_ms: number; numpy: string } | undefined;
const dir = mkdtempSync(join(tmpdir(), 'isotropy-bench-'));
try {
  const file = join(dir, 'embeddings.json');
  writeFileSync(file, JSON.stringify(rows.map((r) => Array.from(r))));
  const script = fileURLToPath(new URL('../scripts/bench_reference.py', import.meta.url));
  peer = JSON.parse(execFileSync('/usr/bin/python3', [script, file, String(REPS)], { encoding: 'utf8' }));
} catch (e) {
  console.warn(`numpy peer skipped: ${(e as Error).message.split('\n')[0]}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const ms = (v: number) => `${(v * 1000).toFixed(1)} µs`;
console.log(`\nSemantic isotropy, N = ${N}, D = ${D}, ${REPS} reps, Node ${process.version}\n`);
console.log('| case | median | p90 | mean |');
console.log('|---|---|---|---|');
for (const [name, r] of Object.entries(results))
  console.log(`| ${name} | ${ms(r.median)} | ${ms(r.p90)} | ${ms(r.mean)} |`);
const ours = results['semanticIsotropy (rows -> score)'];
if (peer) {
  console.log(
    `| numpy ${peer.numpy} peer (same computation) | ${ms(peer.median_ms)} | ${ms(peer.p90_ms)} | - |`,
  );
  console.log(`\nratio numpy / ours (median): ${(peer.median_ms / ours.median).toFixed(2)}x`);
  console.log(`value: ours ${value.toFixed(12)}, numpy ${peer.value.toFixed(12)}`);
}
const pass = ours.median < TARGET_MS;
console.log(`\ntarget median < ${TARGET_MS} ms: ${pass ? 'PASS' : 'FAIL'} (${ms(ours.median)})\n`);

const out = fileURLToPath(new URL('../../../bench/results/isotropy.json', import.meta.url));
await writeTextFileAtomic(
  out,
  `${JSON.stringify(
    {
      benchmark: 'isotropy',
      date: new Date().toISOString(),
      node: process.version,
      n: N,
      d: D,
      reps: REPS,
      targetMs: TARGET_MS,
      pass,
      value,
      resultsMs: results,
      peer: peer
        ? { name: `numpy ${peer.numpy}`, medianMs: peer.median_ms, p90Ms: peer.p90_ms, value: peer.value }
        : null,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out}`);
if (!pass) process.exitCode = 1;
