/**
 * Advantage computation for 1M samples in groups of 16 (target: GRPO / RLOO under 50 ms), each estimator
 * timed as the median of repeated runs, next to vectorised numpy / torch on the same problem when
 * /usr/bin/python3 (or $PYTHON) has them. Prints a table and writes bench/results/rl-objectives-advantages.json.
 *
 * Run: npm run bench -w @proj/rl-objectives
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@proj/runtime';
import {
  asymreAdvantages,
  bestOnlyAdvantages,
  drGrpoAdvantages,
  GroupIndex,
  grpoAdvantages,
  lensAdvantages,
  reinforcePlusPlusAdvantages,
  rlooAdvantages,
} from '../src/index.js';

const N = 1_000_000;
const G = 16;
const RUNS = 15;
const TARGET_MS = 50;

const here = dirname(fileURLToPath(import.meta.url));
const rng = new Rng(1234);
const binary = new Float64Array(N);
const continuous = new Float64Array(N);
const confidence = new Float64Array(N);
const tokenCounts = new Float64Array(N);
for (let i = 0; i < N; i++) {
  binary[i] = rng.uniform() < 0.4 ? 1 : 0;
  continuous[i] = rng.normal();
  confidence[i] = 0.05 + 0.9 * rng.uniform();
  tokenCounts[i] = 1 + rng.int(512);
}
const ids = Int32Array.from({ length: N }, (_, i) => Math.floor(i / G));
const out = new Float64Array(N);

function medianMs(fn: () => unknown): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const cases: [string, () => unknown, boolean][] = [
  ['grpo (group std, out buffer)', () => grpoAdvantages(binary, G, { out }), true],
  ['grpo (group std, allocating)', () => grpoAdvantages(binary, G), true],
  ['grpo (batch std)', () => grpoAdvantages(binary, G, { scale: 'batch', out }), false],
  ['grpo (continuous rewards)', () => grpoAdvantages(continuous, G, { out }), false],
  ['grpo (Int32Array group ids)', () => grpoAdvantages(binary, ids, { out }), false],
  ['dr-grpo', () => drGrpoAdvantages(binary, G, { out }), false],
  ['rloo (out buffer)', () => rlooAdvantages(binary, G, { out }), true],
  ['rloo (allocating)', () => rlooAdvantages(binary, G), true],
  ['rloo (Int32Array group ids)', () => rlooAdvantages(binary, ids, { out }), false],
  ['best-only', () => bestOnlyAdvantages(continuous, G, { out }), false],
  [
    'reinforce++ (token-weighted)',
    () => reinforcePlusPlusAdvantages(continuous, { tokenCounts, out }),
    false,
  ],
  ['asymre', () => asymreAdvantages(binary, { groups: G, out }), false],
  ['lens', () => lensAdvantages(binary, confidence, G), false],
  ['GroupIndex.from(ids) only', () => GroupIndex.from(ids, N), false],
];

const rows: { name: string; ms: number; target: boolean; pass: boolean | null }[] = [];
for (const [name, fn, target] of cases) {
  const ms = medianMs(fn);
  rows.push({ name, ms, target, pass: target ? ms < TARGET_MS : null });
}

// Peer: vectorised numpy / torch on the same size (skipped without python).
let peer: Record<string, number> = {};
const python = process.env.PYTHON ?? '/usr/bin/python3';
const res = spawnSync(
  python,
  [join(here, '..', 'scripts', 'bench_peer.py'), String(N), String(G), String(RUNS)],
  {
    encoding: 'utf8',
    timeout: 120_000,
  },
);
if (res.status === 0) peer = JSON.parse(res.stdout.trim()) as Record<string, number>;
else console.log(`(peer timings skipped: ${python} with numpy not available)`);

const ours: Record<string, number> = {
  grpo: rows.find((r) => r.name.startsWith('grpo (group std, out'))?.ms ?? Number.NaN,
  rloo: rows.find((r) => r.name.startsWith('rloo (out'))?.ms ?? Number.NaN,
};

const w = Math.max(...rows.map((r) => r.name.length));
console.log(
  `\n@proj/rl-objectives advantages: ${N.toLocaleString('en')} samples, groups of ${G}, median of ${RUNS} runs`,
);
console.log(`${'estimator'.padEnd(w)}  ${'ms'.padStart(8)}  target < ${TARGET_MS} ms`);
for (const r of rows) {
  const verdict = r.pass === null ? '' : r.pass ? 'ok' : 'MISSED';
  console.log(`${r.name.padEnd(w)}  ${r.ms.toFixed(2).padStart(8)}  ${verdict}`);
}
if (Object.keys(peer).length > 0) {
  console.log(`\n${'peer'.padEnd(w)}  ${'ms'.padStart(8)}  ours / peer`);
  for (const [name, ms] of Object.entries(peer)) {
    const mine = ours[name.split(' ')[1]];
    console.log(`${name.padEnd(w)}  ${ms.toFixed(2).padStart(8)}  ${(mine / ms).toFixed(2)}`);
  }
}

const results = {
  name: 'rl-objectives-advantages',
  date: new Date().toISOString(),
  node: process.version,
  samples: N,
  groupSize: G,
  runs: RUNS,
  targetMs: TARGET_MS,
  estimators: rows,
  peer,
};
const target = join(here, '..', '..', '..', 'bench', 'results', 'rl-objectives-advantages.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(`${target}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
renameSync(`${target}.tmp`, target);
console.log(`\nwrote ${target}`);
if (rows.some((r) => r.pass === false)) process.exitCode = 1;
