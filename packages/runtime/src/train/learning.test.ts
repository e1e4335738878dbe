import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../exec/compile.js';
import { Graph } from '../graph/graph.js';
import { crossEntropy } from '../graph/losses.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { adamw } from './optimizers.js';
import { warmupCosine } from './schedules.js';
import { Trainer } from './trainer.js';

/** Two interleaved spirals: a classic non-linear 2-D classification task. */
function spirals(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const r = rng.uniform() * 3 + 0.2;
    const a = r * 1.6 + cls * Math.PI + rng.normal() * 0.08;
    x[2 * i] = r * Math.cos(a);
    x[2 * i + 1] = r * Math.sin(a);
    y[i] = BigInt(cls);
  }
  return { x: new Tensor('float32', x, [n, 2]), y: new Tensor('int64', y, [n]) };
}

function mlp() {
  const g = new Graph('spiral-mlp');
  const x = g.input('x', 'float32', ['batch', 2]);
  const y = g.input('y', 'int64', ['batch']);
  let h = x;
  let width = 2;
  for (const [i, w] of [64, 64].entries()) {
    h = h
      .matmul(g.param(`w${i}`, [width, w], { init: 'kaiming', seed: i + 1 }))
      .add(g.param(`b${i}`, [w], { init: 'zeros' }))
      .gelu();
    width = w;
  }
  const logits = h.matmul(g.param('out', [width, 2], { init: 'xavier', seed: 9 }));
  const acc = logits.argmax(-1).equal(y).cast('float32').mean();
  g.output('logits', logits);
  return { g, loss: crossEntropy(logits, y), acc, logits };
}

describe('learning', () => {
  it('an MLP reaches > 95% accuracy on two spirals; checkpoints round-trip', async () => {
    const { g, loss, acc, logits } = mlp();
    const data = spirals(2048, 1);
    const test = spirals(1024, 2);
    const steps = 600;
    const trainer = await Trainer.create(g, {
      loss,
      optimizer: adamw({ weightDecay: 1e-4 }),
      lr: warmupCosine({ peak: 1e-2, warmupSteps: 30, totalSteps: steps, minLr: 1e-4 }),
      metrics: { acc },
      intraOpNumThreads: 1,
    });
    const rng = new Rng(3);
    function* batches() {
      const idx = Array.from({ length: 2048 }, (_, i) => i);
      for (;;) {
        rng.shuffle(idx);
        for (let s = 0; s + 128 <= idx.length; s += 128) {
          const xb = new Float32Array(256);
          const yb = new BigInt64Array(128);
          for (let j = 0; j < 128; j++) {
            const k = idx[s + j];
            xb[2 * j] = (data.x.data as Float32Array)[2 * k];
            xb[2 * j + 1] = (data.x.data as Float32Array)[2 * k + 1];
            yb[j] = (data.y.data as BigInt64Array)[k];
          }
          yield { x: new Tensor('float32', xb, [128, 2]), y: new Tensor('int64', yb, [128]) };
        }
      }
    }
    const results = await trainer.fit(batches(), { steps });
    expect(results).toHaveLength(steps);
    expect(results.at(-1)!.loss).toBeLessThan(results[0].loss / 4);

    trainer.syncToGraph();
    const infer = await compile(g, { outputs: { logits } });
    const out = (await infer({ x: test.x })).logits;
    let correct = 0;
    const l = out.data as Float32Array;
    for (let i = 0; i < 1024; i++)
      if ((l[2 * i + 1] > l[2 * i] ? 1n : 0n) === (test.y.data as BigInt64Array)[i]) correct++;
    expect(correct / 1024).toBeGreaterThan(0.95);

    const dir = await mkdtemp(join(tmpdir(), 'proj-ckpt-'));
    try {
      await trainer.saveCheckpoint(join(dir, 'ckpt.safetensors'));
      const before = trainer.params().get('w0')!.toNumbers();
      await trainer.step(batches().next().value!);
      expect(trainer.params().get('w0')!.toNumbers()).not.toEqual(before);
      await trainer.loadCheckpoint(join(dir, 'ckpt.safetensors'));
      expect(trainer.params().get('w0')!.toNumbers()).toEqual(before);
      expect(trainer.stepCount).toBe(steps);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await trainer.dispose();
      await infer.dispose();
    }
  });
});
