import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.js';
import { toModel } from '../graph/to-model.js';
import { saveModel } from '../onnx/io.js';
import { Tensor } from '../tensor/tensor.js';
import { compile } from './compile.js';
import { ExecutionProviderError, FeedError } from './errors.js';
import { WorkerPool } from './pool.js';
import { cachedSessionCount } from './session.js';

function affine() {
  const g = new Graph('affine');
  const x = g.input('x', 'float32', ['batch', 3]);
  const w = g.param('w', [3, 2], { init: Tensor.fromArray([1, 2, 3, 4, 5, 6], { shape: [3, 2] }) });
  g.output('y', x.matmul(w).add(1));
  return g;
}

describe('compile', () => {
  it('runs a graph and names feed problems with the expected signature', async () => {
    const f = await compile(affine());
    const { y } = await f({ x: Tensor.fromArray([[1, 1, 1]]) });
    expect(y.toArray()).toEqual([[10, 13]]);
    await expect(f({})).rejects.toThrow(FeedError);
    await expect(f({})).rejects.toThrow(/missing input 'x'.*Expected inputs: x: float32\[batch, 3\]/);
    await expect(f({ x: Tensor.zeros([1, 4]) })).rejects.toThrow(/dimension 1 must be 3, got 4/);
    await expect(f({ x: Tensor.zeros([1, 3], 'float64') })).rejects.toThrow(/must be float32, got float64/);
    await expect(f({ x: Tensor.zeros([1, 3]), z: Tensor.zeros([1]) })).rejects.toThrow(/unknown input 'z'/);
    await f.dispose();
    await expect(f({ x: Tensor.zeros([1, 3]) })).rejects.toThrow(/disposed/);
  });

  it('shares one session between identical compiles until both are disposed', async () => {
    const before = cachedSessionCount();
    const a = await compile(affine());
    const b = await compile(affine());
    expect(b.session).toBe(a.session);
    expect(cachedSessionCount()).toBe(before + 1);
    await a.dispose();
    expect(cachedSessionCount()).toBe(before + 1);
    await b.dispose();
    expect(cachedSessionCount()).toBe(before);
  });

  it('fills optional inputs and ignores feeds for inputs the outputs do not need', async () => {
    const g = new Graph('opt');
    const x = g.input('x', 'float32', [2]);
    const scale = g.input('scale', 'float32', [2], { fill: 3 });
    g.input('unused', 'float32', [1]);
    g.output('y', x.mul(scale));
    const f = await compile(g);
    expect((await f({ x: Tensor.fromArray([1, 2]) })).y.toNumbers()).toEqual([3, 6]);
    expect((await f({ x: Tensor.fromArray([1, 2]), scale: Tensor.fromArray([0, 1]) })).y.toNumbers()).toEqual(
      [0, 2],
    );
    expect((await f({ x: Tensor.fromArray([1, 2]), unused: Tensor.zeros([1]) })).y.toNumbers()).toEqual([
      3, 6,
    ]);
    await f.dispose();
  });

  it('compiles an .onnx file whose weights sit in an external data file beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proj-compile-'));
    try {
      await saveModel(join(dir, 'm.onnx'), toModel(affine()), { externalData: { threshold: 1 } });
      const f = await compile(join(dir, 'm.onnx'));
      expect((await f({ x: Tensor.fromArray([[1, 0, 0]]) })).y.toArray()).toEqual([[2, 3]]);
      await f.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('explains an unavailable GPU provider', async () => {
    let error: unknown;
    try {
      const f = await compile(affine(), { executionProvider: 'webgpu', cache: false });
      await f.dispose(); // a machine with a WebGPU adapter: nothing to explain
    } catch (e) {
      error = e;
    }
    if (error) {
      expect(error).toBeInstanceOf(ExecutionProviderError);
      expect((error as Error).message).toMatch(
        /WebGPU execution provider could not start .*use executionProvider 'cpu'/s,
      );
    }
  });
});

describe('WorkerPool', () => {
  const pool = new WorkerPool({ size: 2 });
  afterAll(() => pool.close());

  it('runs models in worker threads with the results of a direct run', async () => {
    const m = await pool.load(affine());
    const inputs = Array.from({ length: 6 }, (_, i) => Tensor.fromArray([[i, 1, 0]]));
    const outs = await Promise.all(inputs.map((x) => m.run({ x })));
    outs.forEach((o, i) => expect(o.y.toArray()).toEqual([[i + 4, 2 * i + 5]]));
    await m.dispose();
  });

  it('reports run-time errors from the workers', async () => {
    // Symbolic dims pass feed validation; the sizes only clash inside ONNX Runtime.
    const g = new Graph('clash');
    g.output('y', g.input('a', 'float32', ['n']).add(g.input('b', 'float32', ['m'])));
    const m = await pool.load(g);
    await expect(m.run({ a: Tensor.zeros([3]), b: Tensor.zeros([4]) })).rejects.toThrow(/Worker \d/);
  });
});

describe('WorkerPool robustness', () => {
  it('validates feeds before sending them and survives a worker that dies', async () => {
    const pool = new WorkerPool({ size: 1 });
    const m = await pool.load(affine());
    await expect(m.run({ x: Tensor.zeros([1, 4]) })).rejects.toThrow(FeedError);
    // Kill the worker from outside: pending and later calls must not hang.
    const internal = pool as unknown as { workers: { worker: { terminate(): Promise<number> } }[] };
    await internal.workers[0].worker.terminate();
    await new Promise((r) => setTimeout(r, 50));
    const { y } = await m.run({ x: Tensor.fromArray([[1, 1, 1]]) });
    expect(y.toArray()).toEqual([[10, 13]]);
    await pool.close();
  });
});
