/**
 * Where the time of a training step goes: profiles the forward + backward ONNX model of the benchmark GPTs with
 * ONNX Runtime's profiler and prints milliseconds per op type. Run:
 *   npx tsx --conditions=@proj/source packages/models/bench/train-profile.ts [small|mid] [sequential|parallel]
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, grad, Tensor } from '@proj/runtime';
import { buildLmTrainingGraph } from '../src/decoder/graph.js';
import { ParameterStore } from '../src/nn/params.js';
import { BENCH_MODELS } from './models.js';

const which = (process.argv[2] ?? 'small') as keyof typeof BENCH_MODELS;
const mode = (process.argv[3] ?? 'sequential') as 'sequential' | 'parallel';
const m = BENCH_MODELS[which];
const t = buildLmTrainingGraph(m.config, new ParameterStore({ seed: 0 }), { batch: m.batch, seq: m.seq });
const names = [...t.g.params.keys()];
const grads = grad(
  t.loss,
  names.map((n) => t.g.params.get(n)!.value),
);
const outputs = Object.fromEntries([['loss', t.loss], ...names.map((n, i) => [`grad.${n}`, grads[i]])]);
const prefix = join(await mkdtemp(join(tmpdir(), 'proj-prof-')), 'step');
const f = await compile(t.g, {
  outputs,
  paramsAsInputs: true,
  intraOpNumThreads: mode === 'parallel' ? 1 : 2,
  executionMode: mode,
  enableCpuMemArena: process.env.ARENA === '1',
  profilePrefix: prefix,
  ...(process.env.NOFUSE
    ? { sessionConfig: { 'optimization.disable_specified_optimizers': process.env.NOFUSE } }
    : {}),
});
const ids = Tensor.fromArray(
  Array.from({ length: m.batch * m.seq }, (_, i) => BigInt((i * 7) % m.config.vocabSize)),
  {
    dtype: 'int64',
    shape: [m.batch, m.seq],
  },
);
const feeds: Record<string, Tensor> = {
  input_ids: ids,
  labels: ids,
  loss_mask: Tensor.ones([m.batch, m.seq]),
};
for (const n of names) feeds[n] = t.g.params.get(n)!.data;
for (let i = 0; i < 3; i++) await f(feeds);
const t0 = performance.now();
const runs = 10;
for (let i = 0; i < runs; i++) await f(feeds);
console.log(
  `${which} (${mode}): ${((performance.now() - t0) / runs).toFixed(2)} ms per forward+backward (wall, JS included)`,
);
const s = await f.endProfiling();
console.log(
  `ORT run ${s.runMs.toFixed(2)} ms, kernels ${s.kernelMs.toFixed(2)} ms (${s.runs} runs incl. warm-up); trace: ${s.file}`,
);
console.table(s.byOp.slice(0, 20).map((o) => ({ op: o.op, ms: o.ms.toFixed(3), nodes: o.nodes })));
