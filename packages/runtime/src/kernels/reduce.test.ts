import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { expectClose, shapeOf, tensor, values } from './fixtures/load.js';
import { mean, sum, variance } from './reduce.js';

describe('sum / mean / variance', () => {
  const x = tensor('reduce', 'x', 'float64');

  it('match numpy over all axes, one axis, and an axis list', () => {
    const check = (t: Tensor<'float64'>, key: string, tol = 1e-13): void => {
      expect(t.shape).toEqual(shapeOf('reduce', key));
      expectClose(t.data, values('reduce', key), tol, tol);
    };
    check(sum(x), 'sum_all');
    check(sum(x, 1), 'sum_1');
    check(sum(x, [0, 2]), 'sum_02');
    check(mean(x), 'mean_all');
    check(mean(x, -1, true), 'mean_last_keep');
    check(mean(x, [2, 0]), 'mean_02');
    check(variance(x), 'var_all', 1e-12);
    check(variance(x, 1), 'var_1', 1e-12);
    check(variance(x, 1, { correction: 1 }), 'var_1_ddof1', 1e-12);
    check(variance(x, [0, -1], { correction: 1 }), 'var_02_ddof1', 1e-12);
  });

  it('hand-checked values, keepDims shapes and dtype', () => {
    const m = Tensor.fromArray([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(sum(m).item()).toBe(21);
    expect(sum(m).shape).toEqual([]);
    expect(sum(m, undefined, true).shape).toEqual([1, 1]);
    expect(sum(m, 0).toNumbers()).toEqual([5, 7, 9]);
    expect(sum(m, -1, true).toArray()).toEqual([[6], [15]]);
    expect(mean(m, 0).dtype).toBe('float32');
    const v = Tensor.fromArray([1, 2, 3, 4], { dtype: 'float64' });
    expect(variance(v).item()).toBe(1.25);
    expectClose([variance(v, 0, { correction: 1 }).item()], [5 / 3], 1e-15, 0);
    expect(variance(v, 0, { keepDims: true }).shape).toEqual([1]);
  });

  it('is accurate where naive float64 arithmetic is not', () => {
    // Compensated sum: 1e16 + 1 - 1e16 = 1 (a plain running sum gives 0).
    expect(sum(Tensor.fromArray([1e16, 1, -1e16], { dtype: 'float64' })).item()).toBe(1);
    // Two-pass variance of data with a large offset: 1.25 as for [1, 2, 3, 4].
    const off = Tensor.fromArray([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4], { dtype: 'float64' });
    expect(variance(off).item()).toBe(1.25);
    expect(sum(Tensor.fromArray([1, Number.POSITIVE_INFINITY])).item()).toBe(Number.POSITIVE_INFINITY);
    expect(sum(Tensor.zeros([2, 0]), 1).toNumbers()).toEqual([0, 0]);
  });

  it('property: mean = sum / count, variance >= 0 and shift-invariant, nested sums agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        (a, b, c, seed, shift) => {
          const t = Tensor.randn([a, b, c], { seed, dtype: 'float64' });
          expectClose(
            mean(t, [0, 2]).data,
            sum(t, [0, 2]).data.map((s) => s / (a * c)),
            1e-14,
            1e-14,
          );
          expectClose([sum(t).item()], [sum(sum(t, 2), [0, 1]).item()], 1e-12, 1e-12);
          const v = variance(t, 2);
          for (const e of v.data) expect(e).toBeGreaterThanOrEqual(0);
          const shifted = Tensor.fromArray(
            t.data.map((e) => e + shift),
            { dtype: 'float64', shape: t.shape },
          );
          expectClose(variance(shifted, 2).data, v.data, 1e-8, 1e-9);
        },
      ),
      { numRuns: 60, seed: 21 },
    );
  });

  it('names bad axes, empty reductions and too-large corrections', () => {
    expect(() => sum(x, [1, -2])).toThrow(/name an axis of \[3, 4, 5\] twice/);
    expect(() => mean(x, 3)).toThrow(/axis 3 is out of range for shape \[3, 4, 5\]/);
    expect(() => mean(Tensor.zeros([2, 0]), 1)).toThrow(/over axis 1 covers no elements/);
    expect(() => variance(Tensor.zeros([3, 1]), 1, { correction: 1 })).toThrow(
      /1 element\(s\) per lane, not more than correction = 1/,
    );
    expect(() => variance(x, 0, { correction: -1 })).toThrow(/correction must be a finite number >= 0/);
  });
});
