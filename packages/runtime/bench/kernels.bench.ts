/**
 * Eager-kernel benchmark: the semantic-isotropy hot path (cosine Gram of N = 20 embeddings of D = 1024, then its
 * eigenvalues), a 256^3 float32 matmul and a 200 x 200 full eigendecomposition, side by side with numpy (when
 * /usr/bin/python3 has it). Prints a table and writes bench/results/kernels.json (atomically).
 *
 * Run from the repo root: npx tsx --conditions=@proj/source packages/runtime/bench/kernels.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eighSym, gramOfRows, matmul } from '../src/kernels/index.js';
import { Rng } from '../src/tensor/rng.js';
import { Tensor } from '../src/tensor/tensor.js';

interface Row {
  name: string;
  unit: 'us' | 'ms';
  ours: number;
  numpy: number | null;
}

/** Median wall time of `fn` in microseconds after `warmup` untimed calls. */
function medianUs(fn: () => unknown, reps: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const t = new Float64Array(reps);
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  t.sort();
  return t[reps >> 1];
}

const N = 20;
const D = 1024;
const rng = new Rng(2026);
const rows = Array.from({ length: N }, () => Float32Array.from({ length: D }, () => rng.normal()));
const K = gramOfRows(rows, { normalize: true });
const a256 = Tensor.randn([256, 256], { seed: 1 });
const b256 = Tensor.randn([256, 256], { seed: 2 });
const sym200 = new Float64Array(200 * 200);
for (let i = 0; i < 200; i++) {
  for (let j = 0; j <= i; j++) {
    const v = rng.normal();
    sym200[i * 200 + j] = v;
    sym200[j * 200 + i] = v;
  }
}

const ours = {
  isotropy: medianUs(() => eighSym(N, gramOfRows(rows, { normalize: true }), { vectors: false }), 5000, 1000),
  gram: medianUs(() => gramOfRows(rows, { normalize: true }), 5000, 1000),
  eigvals: medianUs(() => eighSym(N, K, { vectors: false }), 5000, 1000),
  matmul: medianUs(() => matmul(a256, b256), 50, 10) / 1e3,
  eigh200: medianUs(() => eighSym(200, sym200), 20, 5) / 1e3,
};

// The same operations in numpy (BLAS/LAPACK), timed the same way, for a side-by-side ratio.
const PY = `
import json, time
import numpy as np
def med(f, reps, warm):
    for _ in range(warm): f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter_ns(); f(); t.append((time.perf_counter_ns() - t0) / 1e3)
    t.sort(); return t[len(t) // 2]
r = np.random.default_rng(0)
E = r.standard_normal((${N}, ${D})).astype(np.float32)
def iso():
    U = E.astype(np.float64); U = U / np.linalg.norm(U, axis=1, keepdims=True); return np.linalg.eigvalsh(U @ U.T)
def gram():
    U = E.astype(np.float64); U = U / np.linalg.norm(U, axis=1, keepdims=True); return U @ U.T
Kn = gram()
a = r.standard_normal((256, 256)).astype(np.float32); b = r.standard_normal((256, 256)).astype(np.float32)
m = r.standard_normal((200, 200)); s = (m + m.T) / 2
print(json.dumps({'isotropy': med(iso, 5000, 1000), 'gram': med(gram, 5000, 1000),
  'eigvals': med(lambda: np.linalg.eigvalsh(Kn), 5000, 1000), 'matmul': med(lambda: a @ b, 50, 10) / 1e3,
  'eigh200': med(lambda: np.linalg.eigh(s), 20, 5) / 1e3, 'numpy': np.__version__}))
`;
let peer: Record<string, number | string> | null = null;
const py = spawnSync('/usr/bin/python3', ['-c', PY], { encoding: 'utf8', timeout: 120_000 });
if (py.status === 0) peer = JSON.parse(py.stdout.trim().split('\n').pop() ?? 'null');
else console.warn(`numpy peer skipped: ${py.error?.message ?? py.stderr.trim().split('\n').pop()}`);
const peerNum = (k: string): number | null =>
  peer && typeof peer[k] === 'number' ? (peer[k] as number) : null;

const table: Row[] = [
  {
    name: `isotropy: cosine Gram + eigenvalues (N=${N}, D=${D})`,
    unit: 'us',
    ours: ours.isotropy,
    numpy: peerNum('isotropy'),
  },
  { name: `  cosine Gram (gramOfRows, N=${N}, D=${D})`, unit: 'us', ours: ours.gram, numpy: peerNum('gram') },
  { name: `  eigenvalues (eighSym, n=${N})`, unit: 'us', ours: ours.eigvals, numpy: peerNum('eigvals') },
  { name: 'matmul 256x256x256 float32', unit: 'ms', ours: ours.matmul, numpy: peerNum('matmul') },
  { name: 'eigh 200x200 with vectors', unit: 'ms', ours: ours.eigh200, numpy: peerNum('eigh200') },
];

const fmt = (v: number | null): string => (v === null ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));
console.log(
  `@proj/runtime eager kernels, Node ${process.version}, median of repeated runs (numpy ${peer?.numpy ?? 'n/a'})`,
);
console.log(
  `${'benchmark'.padEnd(52)} ${'unit'.padEnd(5)} ${'ours'.padStart(9)} ${'numpy'.padStart(9)} ${'ours/numpy'.padStart(11)}`,
);
for (const r of table) {
  const ratio = r.numpy === null ? '-' : (r.ours / r.numpy).toFixed(2);
  console.log(
    `${r.name.padEnd(52)} ${r.unit.padEnd(5)} ${fmt(r.ours).padStart(9)} ${fmt(r.numpy).padStart(9)} ${ratio.padStart(11)}`,
  );
}

const out = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'bench',
  'results',
  'kernels.json',
);
mkdirSync(dirname(out), { recursive: true });
const json = JSON.stringify(
  { date: new Date().toISOString(), node: process.version, peer: peer?.numpy ?? null, table },
  null,
  2,
);
writeFileSync(`${out}.tmp`, `${json}\n`);
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}`);
