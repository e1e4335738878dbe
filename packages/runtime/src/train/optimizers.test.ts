import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.js';
import { Tensor } from '../tensor/tensor.js';
import fx from './fixtures/optim.json' with { type: 'json' };
import { adam, adamw, type OptimizerSpec, sgd } from './optimizers.js';
import { constantLr, linearWarmup, warmupCosine } from './schedules.js';
import { compileTrainStep } from './train-step.js';
import { Trainer } from './trainer.js';

// Three steps of each optimiser on a quadratic, against torch.optim (scripts/optim_fixtures.py), float64.
type Case = {
  kind: string;
  options: Record<string, unknown>;
  clip: number | null;
  losses: number[];
  gradNorms: number[];
  w: number[];
  b: number[];
};

function specFor(c: Case): OptimizerSpec {
  const o = c.options as {
    momentum?: number;
    nesterov?: boolean;
    weight_decay?: number;
    betas?: [number, number];
    eps?: number;
  };
  if (c.kind === 'SGD')
    return sgd({ momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weight_decay });
  const common = { beta1: o.betas![0], beta2: o.betas![1], eps: o.eps, weightDecay: o.weight_decay };
  return c.kind === 'Adam' ? adam(common) : adamw(common);
}

function quadratic() {
  const g = new Graph('quadratic');
  const t = (xs: number[], shape: number[]) => Tensor.fromArray(xs, { dtype: 'float64', shape });
  const w = g.param('w', [3, 4], { init: t(fx.w0, [3, 4]) });
  const b = g.param('b', [4], { init: t(fx.b0, [4]) });
  const c = g.constant(t(fx.c, [3, 4]));
  const d = g.constant(t(fx.d, [3, 4]));
  const e = g.constant(t(fx.e, [4]));
  const f = g.constant(t(fx.f, [4]));
  const loss = c
    .mul(w)
    .sum()
    .add(d.mul(w).mul(w).sum().mul(0.5))
    .add(e.mul(b).sum())
    .add(f.mul(b).mul(b).sum().mul(0.5));
  return { g, loss };
}

describe('optimisers against torch.optim', () => {
  for (const [name, c] of Object.entries(fx.cases as Record<string, Case>)) {
    for (const update of ['host', 'graph'] as const) {
      it(`${name} (${update} update)`, async () => {
        const { g, loss } = quadratic();
        const step = await compileTrainStep(g, {
          loss,
          optimizer: specFor(c),
          update,
          maxGradNorm: c.clip ?? undefined,
        });
        for (let i = 0; i < fx.lrs.length; i++) {
          const r = await step.run({}, { lr: fx.lrs[i] });
          expect(r.loss).toBeCloseTo(c.losses[i], 10);
          expect(r.gradNorm).toBeCloseTo(c.gradNorms[i], 10);
          expect(r.step).toBe(i + 1);
        }
        const p = step.params();
        p.get('w')!
          .toNumbers()
          .forEach((v, i) => expect(v).toBeCloseTo(c.w[i], 10));
        p.get('b')!
          .toNumbers()
          .forEach((v, i) => expect(v).toBeCloseTo(c.b[i], 10));
        await step.dispose();
      });
    }
  }
});

describe('gradient accumulation', () => {
  it('averages micro-batch gradients: two half batches equal one full batch', async () => {
    const build = () => {
      const g = new Graph('acc');
      const x = g.input('x', 'float64', ['n', 3]);
      const y = g.input('y', 'float64', ['n']);
      const w = g.param('w', [3], { init: Tensor.fromArray([0.1, -0.2, 0.3], { dtype: 'float64' }) });
      const r = x.matmul(w).sub(y);
      return { g, loss: r.mul(r).mean() };
    };
    const x = Tensor.randn([8, 3], { seed: 1, dtype: 'float64' });
    const y = Tensor.randn([8], { seed: 2, dtype: 'float64' });
    const half = (t: Tensor, i: number) =>
      new Tensor('float64', (t.data as Float64Array).slice(i * (t.size / 2), (i + 1) * (t.size / 2)), [
        4,
        ...t.shape.slice(1),
      ]);
    const a = build();
    const full = await compileTrainStep(a.g, { loss: a.loss, optimizer: adamw() });
    const b = build();
    const acc = await compileTrainStep(b.g, { loss: b.loss, optimizer: adamw() });
    const r1 = await full.run({ x, y }, { lr: 0.1 });
    const r2 = await acc.run(
      [
        { x: half(x, 0), y: half(y, 0) },
        { x: half(x, 1), y: half(y, 1) },
      ],
      { lr: 0.1 },
    );
    expect(r2.loss).toBeCloseTo(r1.loss, 12);
    expect(r2.gradNorm).toBeCloseTo(r1.gradNorm, 12);
    const pw = full.params().get('w')!.toNumbers();
    acc
      .params()
      .get('w')!
      .toNumbers()
      .forEach((v, i) => expect(v).toBeCloseTo(pw[i], 12));
  });
});

describe('schedules', () => {
  it('constant, warm-up and cosine', () => {
    expect(constantLr(0.1)(50)).toBe(0.1);
    const w = linearWarmup({ peak: 1, warmupSteps: 4 });
    expect([0, 1, 2, 3, 4, 10].map(w)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    const c = warmupCosine({ peak: 1, warmupSteps: 2, totalSteps: 12, minLr: 0.1 });
    expect(c(0)).toBe(0.5);
    expect(c(2)).toBeCloseTo(1, 12);
    expect(c(7)).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos(Math.PI * 0.5)), 12);
    expect(c(12)).toBeCloseTo(0.1, 12);
    expect(c(100)).toBeCloseTo(0.1, 12);
    expect(() => warmupCosine({ peak: 1, warmupSteps: 5, totalSteps: 5 })).toThrow(/must exceed/);
  });

  it('validates hyper-parameters', () => {
    expect(() => sgd({ nesterov: true })).toThrow(/Nesterov momentum needs momentum > 0/);
    expect(() => adamw({ beta1: 1 })).toThrow(/beta1 must be in/);
  });
});

describe('graph-mode steps on one graph', () => {
  it('two graph-mode steps and a user input named lr do not clash', async () => {
    const g = new Graph('clash');
    const lr = g.input('lr', 'float64', []);
    const w = g.param('w', [2], { init: Tensor.fromArray([1, -1], { dtype: 'float64' }) });
    const loss = w.mul(w).sum().mul(lr);
    const a = await compileTrainStep(g, { loss, optimizer: sgd(), update: 'graph' });
    const b = await compileTrainStep(g, { loss, optimizer: sgd(), update: 'graph' });
    const ra = await a.run({ lr: Tensor.scalar(1, 'float64') }, { lr: 0.25 });
    const rb = await b.run({ lr: Tensor.scalar(1, 'float64') }, { lr: 0.25 });
    expect(ra.loss).toBe(2);
    expect(rb.loss).toBe(2);
    // w -= 0.25 * 2w
    expect(a.params().get('w')!.toNumbers()).toEqual([0.5, -0.5]);
    expect(b.params().get('w')!.toNumbers()).toEqual([0.5, -0.5]);
  });
});

describe('Trainer.fit', () => {
  const build = () => {
    const g = new Graph('fit');
    const x = g.input('x', 'float64', [1]);
    const w = g.param('w', [1], { init: Tensor.fromArray([2], { dtype: 'float64' }) });
    return { g, loss: w.mul(x).sum() };
  };
  const batches = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ x: Tensor.fromArray([i + 1], { dtype: 'float64' }) }));

  it('a stream ending mid-accumulation still makes a final step', async () => {
    const { g, loss } = build();
    const trainer = await Trainer.create(g, { loss, optimizer: sgd(), lr: 1, accumulationSteps: 2 });
    const results = await trainer.fit(batches(5));
    expect(results.map((r) => r.loss)).toEqual([1.5 * 2, 3.5 * (2 - 1.5), 5 * (2 - 1.5 - 3.5)]);
    expect(trainer.stepCount).toBe(3);
  });

  it('stops before the next step once the signal is aborted', async () => {
    const { g, loss } = build();
    const trainer = await Trainer.create(g, { loss, optimizer: sgd(), lr: 0.1 });
    const ac = new AbortController();
    const results = await trainer.fit(batches(10), {
      signal: ac.signal,
      onStep: (r) => r.step === 2 && ac.abort(),
    });
    expect(results).toHaveLength(2);
  });
});
