import { describe, expect, it } from 'vitest';
import { compile } from '../../exec/compile.js';
import { Graph } from '../../graph/graph.js';
import { Tensor } from '../../tensor/tensor.js';
import { adam, adamw, type OptimizerSpec, sgd } from '../optimizers.js';
import { compileTrainStep } from '../train-step.js';
import { OptimizerArena } from './arena.js';

// The WebAssembly kernels compute in float32 like torch.optim; the JS loops in float64 registers. On the same
// float32 problem they agree to float32 rounding, step after step, for every optimiser and option.
function problem(seed: number) {
  const g = new Graph('f32-quadratic');
  const x = g.input('x', 'float32', ['n', 5]);
  const y = g.input('y', 'float32', ['n', 3]);
  const w = g.param('w', [5, 3], { init: Tensor.randn([5, 3], { seed }) });
  const b = g.param('b', [3], { init: Tensor.randn([3], { seed: seed + 1 }) });
  const r = x.matmul(w).add(b).sub(y);
  return { g, loss: r.mul(r).mean() };
}

const specs: [string, OptimizerSpec][] = [
  ['sgd', sgd()],
  ['sgd momentum', sgd({ momentum: 0.9, weightDecay: 0.01 })],
  ['sgd nesterov', sgd({ momentum: 0.8, nesterov: true })],
  ['adam l2', adam({ weightDecay: 0.05 })],
  ['adamw', adamw({ weightDecay: 0.1 })],
];

describe('WebAssembly optimiser kernels', () => {
  const x = Tensor.randn([16, 5], { seed: 3 });
  const y = Tensor.randn([16, 3], { seed: 4 });
  const half = (t: Tensor, i: number) =>
    new Tensor('float32', (t.data as Float32Array).slice(i * (t.size / 2), (i + 1) * (t.size / 2)), [
      8,
      t.shape[1],
    ]);
  for (const [name, spec] of specs) {
    it(`${name}: wasm equals js, with clipping and accumulation`, async () => {
      const runs = await Promise.all(
        (['wasm', 'js'] as const).map(async (kernels) => {
          const { g, loss } = problem(1);
          const step = await compileTrainStep(g, { loss, optimizer: spec, kernels, maxGradNorm: 0.5 });
          const results = [];
          for (let i = 0; i < 4; i++) {
            const batch =
              i % 2
                ? [
                    { x: half(x, 0), y: half(y, 0) },
                    { x: half(x, 1), y: half(y, 1) },
                  ]
                : { x, y };
            results.push(await step.run(batch, { lr: 0.05 }));
          }
          return { results, params: step.params() };
        }),
      );
      const [wasm, js] = runs;
      const close = (a: number, b: number) =>
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));
      wasm.results.forEach((r, i) => {
        close(r.loss, js.results[i].loss);
        close(r.gradNorm, js.results[i].gradNorm);
      });
      for (const [k, v] of wasm.params)
        v.toNumbers().forEach((p, i) => close(p, js.params.get(k)!.toNumbers()[i]));
    });
  }

  it('sum of squares accumulates in float64', () => {
    const a = new OptimizerArena(1_000_003, 0);
    a.grads.fill(0.1);
    expect(a.gradSumOfSquares()).toBeCloseTo(1_000_003 * Math.fround(0.1) ** 2, 6);
  });
});

describe('preallocated outputs', () => {
  it('ONNX Runtime writes into the given tensors', async () => {
    const g = new Graph('into');
    const x = g.input('x', 'float32', [4]);
    g.output('y', x.mul(2)).output('z', x.add(1));
    const f = await compile(g);
    const backing = new Float32Array(8);
    const dest = new Tensor('float32', backing.subarray(2, 6), [4]);
    const out = await f.run({ x: Tensor.fromArray([1, 2, 3, 4]) }, { into: { y: dest } });
    expect(out.y).toBe(dest);
    expect([...backing]).toEqual([0, 0, 2, 4, 6, 8, 0, 0]);
    expect(out.z.toNumbers()).toEqual([2, 3, 4, 5]);
  });
});
