import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.js';
import { shapeOf, tensor, values } from './fixtures/load.js';
import { argmax, topK } from './select.js';

describe('argmax', () => {
  it('matches numpy (first index on ties) on the last and the first axis', () => {
    const x = tensor('argmax', 'x');
    const last = argmax(x);
    expect(last.dtype).toBe('int32');
    expect(last.shape).toEqual(shapeOf('argmax', 'last'));
    expect(Array.from(last.data)).toEqual(values('argmax', 'last'));
    expect(Array.from(argmax(x, 0).data)).toEqual(values('argmax', 'first'));
  });

  it('hand-checked, with -Infinity entries', () => {
    expect(
      argmax(
        Tensor.fromArray([
          [1, 3, 3],
          [7, 0, 2],
        ]),
      ).toNumbers(),
    ).toEqual([1, 0]);
    expect(argmax(Tensor.fromArray([Number.NEGATIVE_INFINITY, -1e30])).toNumbers()).toEqual([1]);
  });

  it('rejects NaN and empty axes', () => {
    expect(() => argmax(Tensor.fromArray([1, Number.NaN]))).toThrow(/NaN has no order/);
    expect(() => argmax(Tensor.zeros([2, 0]))).toThrow(/axis -1 of \[2, 0\] is empty/);
  });
});

/** Reference: stable full sort of one lane, best first (value order, then lower index). */
function sortedLane(lane: number[], largest: boolean): number[] {
  return lane.map((_, i) => i).sort((a, b) => (largest ? lane[b] - lane[a] : lane[a] - lane[b]) || a - b);
}

describe('topK', () => {
  it('matches numpy stable argsort: largest and smallest, last axis', () => {
    const x = tensor('topk', 'x');
    const big = topK(x, 3);
    expect(big.values.dtype).toBe('float32');
    expect(big.indices.shape).toEqual([3, 3]);
    expect(Array.from(big.indices.data)).toEqual(values('topk', 'largest_indices'));
    expect(Array.from(big.values.data)).toEqual(values('topk', 'largest_values'));
    const small = topK(x, 3, -1, { largest: false });
    expect(Array.from(small.indices.data)).toEqual(values('topk', 'smallest_indices'));
    expect(Array.from(small.values.data)).toEqual(values('topk', 'smallest_values'));
  });

  it('matches numpy along a middle axis', () => {
    const { values: v, indices } = topK(tensor('topk_axis1', 'x'), 2, 1);
    expect(indices.shape).toEqual([4, 2, 3]);
    expect(Array.from(indices.data)).toEqual(values('topk_axis1', 'indices'));
    expect(Array.from(v.data)).toEqual(values('topk_axis1', 'values'));
  });

  it('hand-checked ties: [1, 5, 3, 5], k = 2 -> values [5, 5], indices [1, 3]', () => {
    const { values: v, indices } = topK(Tensor.fromArray([[1, 5, 3, 5]]), 2);
    expect(v.toNumbers()).toEqual([5, 5]);
    expect(indices.toNumbers()).toEqual([1, 3]);
  });

  it('property: equals a stable full sort cut at k, for both code paths (k <= 16 and k > 16)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(Number.NEGATIVE_INFINITY)), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.boolean(),
        fc.nat(),
        (lane, largest, kSeed) => {
          const k = kSeed % (lane.length + 1);
          const x = Tensor.fromArray([lane, lane.map((v) => -v)], { dtype: 'float64' });
          const res = topK(x, k, -1, { largest });
          for (let r = 0; r < 2; r++) {
            const row = r === 0 ? lane : lane.map((v) => -v);
            const want = sortedLane(row, largest).slice(0, k);
            expect(Array.from(res.indices.data.subarray(r * k, (r + 1) * k))).toEqual(want);
            expect(Array.from(res.values.data.subarray(r * k, (r + 1) * k))).toEqual(want.map((i) => row[i]));
          }
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });

  it('k = 0 and k = n are allowed; k out of range and NaN are not', () => {
    const x = Tensor.fromArray([[3, 1, 2]]);
    expect(topK(x, 0).values.shape).toEqual([1, 0]);
    expect(topK(x, 3).indices.toNumbers()).toEqual([0, 2, 1]);
    expect(() => topK(x, 4)).toThrow(
      /k = 4 does not fit axis -1 of \[1, 3\] \(size 3\); use an integer 0 <= k <= 3/,
    );
    expect(() => topK(x, 1.5)).toThrow(/k = 1.5/);
    expect(() => topK(Tensor.fromArray([Number.NaN, 1]), 1)).toThrow(/NaN/);
  });
});
