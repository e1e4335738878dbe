import { existsSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockWith, readmeBlocks, runReadmeBlock } from '../../../test-utils/readme-runner.js';
import * as runtime from './index.js';
import { compile, logSoftmax, Rng, type Tensor } from './index.js';

// The README's examples, run as written: each ```ts block is transpiled by the TypeScript compiler, its imports
// are bound to this package (and node:fs/promises), and the tests check the values its comments state (every
// expression statement's value is recorded) and the variables they name. Blocks that continue the first example
// run after it, as a reader would run them.

const BLOCKS = readmeBlocks(new URL('../README.md', import.meta.url));
const MODULES: Record<string, object> = { '@proj/runtime': runtime, 'node:fs/promises': fsPromises };
const block = (marker: string) => blockWith(BLOCKS, marker);
const run = (code: string, names: readonly string[] = []) => runReadmeBlock(code, MODULES, names);

const FIRST = BLOCKS[0];
const numbers = (t: unknown) => (t as Tensor).toNumbers();

let dir: string;
let cwd: string;
beforeAll(async () => {
  cwd = process.cwd();
  dir = await mkdtemp(join(tmpdir(), 'runtime-readme-'));
  // The examples write to ./out: run them in a scratch folder.
  process.chdir(dir);
});
afterAll(async () => {
  process.chdir(cwd);
  await rm(dir, { recursive: true, force: true });
});

describe('README', () => {
  it('first example: compiles and runs the MLP; the training step reports the loss of that forward and learns', async () => {
    const more =
      'const first = loss;\nconst later = [];\nfor (let i = 0; i < 30; i++) later.push((await step.run(batch, { lr: 1e-2 })).loss);';
    const { vars } = await run(`${FIRST}\n${more}`, ['y', 'batch', 'first', 'later', 'step']);
    const y = vars.y as Tensor<'float32'>;
    expect(y.shape).toEqual([8, 3]);
    // The step's loss is computed before its update, from the weights `mlp` ran: mean -log softmax(y)[label].
    const lp = logSoftmax(y).toNumbers();
    const labels = numbers((vars.batch as { labels: Tensor }).labels);
    const ce = -labels.reduce((s, l, i) => s + lp[i * 3 + l], 0) / labels.length;
    expect(vars.first as number).toBeCloseTo(ce, 5);
    const later = vars.later as number[];
    expect(later[later.length - 1]).toBeLessThan((vars.first as number) / 2);
    await (vars.step as runtime.TrainStep).dispose();
  });

  it('Tensor and Rng', async () => {
    const r = await run(block('const rng = new Rng(42)'), ['a', 'child']);
    expect((r.vars.a as Tensor).dtype).toBe('float32');
    expect(r.expr('a.get(1, 0)')).toBe(3);
    expect(r.expr('ids.toNumbers()')).toEqual([5, 6, 7]);
    expect(r.expr('a.reshape([4]).data === a.data')).toBe(true);
    // The same seed gives the same stream: a fresh Rng(42) repeats uniform(), int(10) and fork().
    const again = new Rng(42);
    expect(r.expr('rng.uniform()')).toBe(again.uniform());
    const k = again.int(10);
    expect(r.expr('rng.int(10)')).toBe(k);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(k).toBeLessThan(10);
    expect((r.vars.child as Rng).nextUint32()).toBe(again.fork().nextUint32());
  });

  it('eager kernels: the values the comments state', async () => {
    const r = await run(block('gramOfRows([new Float32Array([3, 4])'));
    // softmax([2, 1, 0]) = [e^2, e, 1] / (e^2 + e + 1), by hand.
    const e = Math.E;
    const z = e * e + e + 1;
    const sm = numbers(r.expr('softmax(logits)'));
    expect(sm[0]).toBeCloseTo((e * e) / z, 6);
    expect(sm[1]).toBeCloseTo(e / z, 6);
    expect(sm[3] + sm[4] + sm[5]).toBeCloseTo(1, 6);
    expect(numbers(r.expr('logSoftmax(logits)'))[0]).toBeCloseTo(2 - Math.log(z), 5);
    expect(r.expr('topK(logits, 2).indices.toArray()')).toEqual([
      [0, 1],
      [2, 0],
    ]);
    expect(r.expr('sampleCategorical(logits, { logits: true, seed: 1, numSamples: 4 }).shape')).toEqual([
      2, 4,
    ]);
    expect(
      r.expr('matmul(Tensor.fromArray([[1, 2], [3, 4]]), Tensor.fromArray([[5], [6]])).toArray()'),
    ).toEqual([[17], [39]]);
    // cos between (3, 4) and (4, 3) = 24 / 25.
    const gram = r.expr(
      'gramOfRows([new Float32Array([3, 4]), new Float32Array([4, 3])], { normalize: true })',
    );
    expect([...(gram as Float64Array)].map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 0.96, 0.96, 1]);
    // [[2, 1], [1, 2]] has eigenvalues 2 - 1 and 2 + 1.
    const eig = r.expr("eigh(Tensor.fromArray([[2, 1], [1, 2]], { dtype: 'float64' })).values");
    expect([...(eig as Float64Array)].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 3]);
  });

  it('graph builder: symbolic shapes and a GraphBuildError', async () => {
    const r = await run(block("const g = new Graph('attention-shapes')"), ['q']);
    expect(r.expr('String(x.reshape([-1, 64]))')).toBe('float32[batch*seq, 64]');
    expect(r.expr('String(x.reshape([0, 0, 4, 16]).transpose([0, 2, 1, 3]))')).toBe(
      'float32[batch, 4, seq, 16]',
    );
    expect(String(r.vars.q)).toBe('float32[batch, seq, 32]');
    expect(r.expr('String(q.matmul(k.transpose([0, 2, 1])).softmax(-1))')).toBe('float32[batch, seq, seq]');
    expect(r.expr('e.message')).toBe(
      'MatMul: inner dimensions differ: [batch, seq, 64] x [32, 16] (64 vs 32). Transpose one operand or fix the weight shape.',
    );
  });

  it('ONNX model I/O: save with external data, load, and run from the file', async () => {
    const code = `${FIRST}\n${block("await saveModel('out/mlp.onnx'")}\nconst again = await fromFile({ x: batch.x });`;
    const r = await run(code, ['y', 'again', 'step', 'fromFile']);
    expect((r.expr('decodeModel(bytes).graph.node.map((n) => n.opType)') as string[]).slice(0, 3)).toEqual([
      'MatMul',
      'Div',
      'Erf',
    ]);
    expect(r.expr('modelSignature(loaded).inputs')).toEqual([
      { name: 'x', dtype: 'float32', shape: ['batch', 4] },
    ]);
    expect(r.expr("modelInitializers(loaded, readExternal).get('w1')?.shape")).toEqual([4, 32]);
    expect(existsSync(join(dir, 'out/mlp.onnx.data'))).toBe(true);
    expect(numbers((r.vars.again as Record<string, Tensor>).logits)).toEqual(numbers(r.vars.y));
    await (r.vars.step as runtime.TrainStep).dispose();
    await (r.vars.fromFile as runtime.CompiledGraph).dispose();
  });

  it('compile and sessions: preallocated outputs, output subsets, provider errors', async () => {
    const r = await run(`${FIRST}\n${block('const into = { logits: Tensor.zeros([8, 3]) };')}`, [
      'y',
      'into',
      'step',
    ]);
    const into = (r.vars.into as { logits: Tensor }).logits;
    expect(numbers(into)).toEqual(numbers(r.vars.y));
    expect((r.expr('await f.run({ x: batch.x }, { into })') as { logits: Tensor }).logits).toBe(into);
    expect(Object.keys(r.expr("await f.run({ x: batch.x }, { outputs: ['logits'] })") as object)).toEqual([
      'logits',
    ]);
    // WebGPU starts where a GPU with Vulkan exists; elsewhere the typed error says why.
    let failed: unknown = null;
    try {
      failed = r.expr('e.message');
    } catch {
      failed = null; // the catch block did not run: WebGPU started
    }
    if (failed !== null) expect(failed).toMatch(/WebGPU execution provider could not start/);
    await (r.vars.step as runtime.TrainStep).dispose();
  });

  it('profiling summarises the runs per op type', async () => {
    const r = await run(`${FIRST}\n${block('profiled.endProfiling()')}`, ['summary', 'step']);
    const summary = r.vars.summary as { runs: number; file: string; byOp: { op: string; ms: number }[] };
    expect(summary.runs).toBe(5);
    expect(summary.byOp.map((o) => o.op)).toContain('MatMul');
    expect(existsSync(summary.file)).toBe(true);
    await (r.vars.step as runtime.TrainStep).dispose();
  });

  it('WorkerPool runs the graph in workers with the same results', async () => {
    const r = await run(`${FIRST}\n${block('new WorkerPool(')}`, ['y', 'r1', 'r2', 'step']);
    for (const out of [r.vars.r1, r.vars.r2])
      expect(numbers((out as { logits: Tensor }).logits)).toEqual(numbers(r.vars.y));
    await (r.vars.step as runtime.TrainStep).dispose();
  });

  it('autodiff: the values derived by hand in the comments', async () => {
    const r = await run(block("new Graph('quadratic')"));
    expect(r.expr('out.loss.item()')).toBe(16);
    expect(r.expr('out.dw.toNumbers()')).toEqual([8, 0, 8]);
    expect(r.expr('out.dx.toNumbers()')).toEqual([8, 16, 24]);
  });

  it('registerGradient + gradCheck: the Softsign rule passes', async () => {
    const r = await run(block("registerGradient('Softsign'"));
    expect(r.expr('maxError') as number).toBeLessThan(1e-5);
  });

  it('Trainer: learns the XOR-sign task, checkpoints, and the graph serves the trained weights', async () => {
    const r = await run(block('const trainer = await Trainer.create(g, {'), [
      'g',
      'logits',
      'results',
      'batches',
      'trainer',
    ]);
    const results = r.vars.results as runtime.StepResult[];
    expect(results.length).toBe(150);
    expect(results[149].step).toBe(150);
    const lastLosses = results.slice(-10).map((s) => s.loss);
    expect(Math.max(...lastLosses)).toBeLessThan(results[0].loss / 3);
    const { metadata, tensors } = await runtime.loadSafetensors(join(dir, 'out/xor.safetensors'));
    expect(metadata.step).toBe('150');
    expect([...tensors.keys()].sort()).toEqual(
      ['b1', 'w1', 'w2', 'opt.m.b1', 'opt.m.w1', 'opt.m.w2', 'opt.v.b1', 'opt.v.w1', 'opt.v.w2'].sort(),
    );
    // After syncToGraph, compile(g) serves the trained model: accuracy on batches it never trained on.
    const f = await compile(r.vars.g as runtime.Graph, {
      intraOpNumThreads: 1,
      outputs: { logits: r.vars.logits as runtime.Value },
    });
    const stream = (r.vars.batches as () => Generator<Record<string, Tensor>>)();
    for (let i = 0; i < 1000; i++) stream.next();
    let correct = 0;
    for (let b = 0; b < 4; b++) {
      const { x, y } = stream.next().value as Record<string, Tensor>;
      const pred = runtime.argmax((await f({ x })).logits as Tensor<'float32'>).toNumbers();
      const truth = y.toNumbers();
      correct += pred.filter((p, i) => p === truth[i]).length;
    }
    expect(correct / 128).toBeGreaterThan(0.85);
    await f.dispose();
    await (r.vars.trainer as runtime.Trainer).dispose();
  });

  it('safetensors round trip', async () => {
    const r = await run(block("await saveSafetensors('out/weights.safetensors'"));
    expect(r.expr("tensors.get('fc.weight')?.shape")).toEqual([4, 8]);
    expect(r.expr('metadata.format')).toBe('pt');
    expect(r.expr('decodeSafetensors(encodeSafetensors(tensors)).tensors.size')).toBe(1);
  });

  it('every ts block of the README is run by a test above', () => {
    const markers = [
      "new Graph('mlp')",
      'const rng = new Rng(42)',
      'gramOfRows([new Float32Array([3, 4])',
      "const g = new Graph('attention-shapes')",
      "await saveModel('out/mlp.onnx'",
      'const into = { logits: Tensor.zeros([8, 3]) };',
      'profiled.endProfiling()',
      'new WorkerPool(',
      "new Graph('quadratic')",
      "registerGradient('Softsign'",
      'const trainer = await Trainer.create(g, {',
      "await saveSafetensors('out/weights.safetensors'",
    ];
    expect(BLOCKS.length).toBe(markers.length);
    for (const m of markers) expect(BLOCKS.filter((b) => b.includes(m)).length).toBe(1);
  });
});
