import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { gradCheck } from './autodiff/gradcheck.js';
import { crossEntropy, mse } from './losses.js';

// The losses carry hand-written composite gradients: check them against finite differences in float64.
describe('loss gradients', () => {
  const logits = Tensor.randn([3, 4, 6], { seed: 1, dtype: 'float64' });
  const labels = Tensor.fromArray([0n, 5n, 2n, 2n, 1n, 3n, 4n, 0n, 5n, 1n, 1n, 2n], {
    dtype: 'int64',
    shape: [3, 4],
  });
  const mask = Tensor.fromArray([1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1], { dtype: 'float64', shape: [3, 4] });

  it('crossEntropy (masked mean) matches finite differences', async () => {
    const r = await gradCheck(
      (g, { logits: l }) => crossEntropy(l, g.constant(labels), { mask: g.constant(mask) }),
      { logits },
      { wrt: ['logits'] },
    );
    expect(r.maxError).toBeLessThan(1e-7);
  });

  it('crossEntropy (sum over unmasked positions) matches finite differences', async () => {
    const r = await gradCheck(
      (g, { logits: l }) => crossEntropy(l, g.constant(labels), { reduction: 'sum' }),
      { logits },
      { wrt: ['logits'] },
    );
    expect(r.maxError).toBeLessThan(1e-7);
  });

  it('mse matches finite differences', async () => {
    const a = Tensor.randn([5, 2], { seed: 2, dtype: 'float64' });
    const b = Tensor.randn([5, 2], { seed: 3, dtype: 'float64' });
    const r = await gradCheck((_, { a: x, b: y }) => mse(x, y), { a, b });
    expect(r.maxError).toBeLessThan(1e-7);
  });
});

describe('loss input checks', () => {
  it('mse refuses shapes that would broadcast', async () => {
    const { Graph } = await import('./graph.js');
    const g = new Graph('mse');
    const a = g.input('a', 'float32', [4, 1]);
    const b = g.input('b', 'float32', [4]);
    expect(() => mse(a, b)).toThrow(/mse: pred \[4, 1\] and target \[4\] must have the same shape/);
  });
});
