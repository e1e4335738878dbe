import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TensorError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { expectClose, shapeOf, tensor, values } from './fixtures/load.js';
import { logSoftmax, logSumExp, softmax } from './softmax.js';

const NEG = Number.NEGATIVE_INFINITY;

/** fast-check: a [rows, n] float64 matrix of moderate logits, some of them masked with -Infinity. */
const logitRows = fc
  .record({
    rows: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 8 }),
  })
  .chain(({ rows, n }) =>
    fc
      .array(
        fc.oneof(
          { weight: 9, arbitrary: fc.double({ min: -50, max: 50, noNaN: true }) },
          { weight: 1, arbitrary: fc.constant(NEG) },
        ),
        {
          minLength: rows * n,
          maxLength: rows * n,
        },
      )
      .map((data) => {
        // Keep one finite entry per row so every row is a distribution.
        for (let r = 0; r < rows; r++) if (data[r * n] === NEG) data[r * n] = 0;
        return Tensor.fromArray(data, { dtype: 'float64', shape: [rows, n] });
      }),
  );

describe('softmax / logSoftmax / logSumExp', () => {
  it('match scipy on the last axis, with masked entries and logits near 1000', () => {
    const x = tensor('softmax_last', 'x');
    expectClose(softmax(x).data, values('softmax_last', 'softmax'), 1e-13, 1e-16);
    expectClose(logSoftmax(x).data, values('softmax_last', 'log_softmax'), 1e-13, 1e-13);
    const lse = logSumExp(x);
    expect(lse.shape).toEqual([3]);
    expectClose(lse.data, values('softmax_last', 'logsumexp'), 1e-14, 1e-14);
  });

  it('match scipy on a middle axis, logSumExp with keepDims', () => {
    const x = tensor('softmax_axis1', 'x');
    expectClose(softmax(x, 1).data, values('softmax_axis1', 'softmax'), 1e-13, 1e-16);
    expectClose(logSoftmax(x, -2).data, values('softmax_axis1', 'log_softmax'), 1e-13, 1e-13);
    expectClose(logSumExp(x, 1).data, values('softmax_axis1', 'logsumexp'), 1e-14, 1e-14);
    const keep = logSumExp(x, 1, true);
    expect(keep.shape).toEqual(shapeOf('softmax_axis1', 'logsumexp_keep'));
    expectClose(keep.data, values('softmax_axis1', 'logsumexp_keep'), 1e-14, 1e-14);
  });

  it('hand-checked values and dtype', () => {
    const p = softmax(Tensor.fromArray([[0, Math.log(3)]]));
    expect(p.dtype).toBe('float32');
    expectClose(p.data, [0.25, 0.75], 1e-7, 0);
    // logSumExp([0, 0]) = ln 2; logSoftmax([1000, 1000]) = -ln 2 each, without overflow.
    expectClose(logSumExp(Tensor.fromArray([0, 0], { dtype: 'float64' })).data, [Math.LN2], 1e-15, 0);
    expectClose(
      logSoftmax(Tensor.fromArray([1000, 1000], { dtype: 'float64' })).data,
      [-Math.LN2, -Math.LN2],
      1e-15,
      0,
    );
  });

  it('all -Infinity rows: softmax 0, logSoftmax -Infinity, logSumExp -Infinity; other rows unaffected', () => {
    const x = Tensor.fromArray(
      [
        [NEG, NEG],
        [0, NEG],
      ],
      { dtype: 'float64' },
    );
    expect(softmax(x).toNumbers()).toEqual([0, 0, 1, 0]);
    expect(logSoftmax(x).toNumbers()).toEqual([NEG, NEG, 0, NEG]);
    expect(logSumExp(x).toNumbers()).toEqual([NEG, 0]);
  });

  it('+Infinity: logSumExp is +Infinity, softmax / logSoftmax refuse; NaN propagates to its lane only', () => {
    const inf = Tensor.fromArray([[1, Number.POSITIVE_INFINITY]]);
    expect(logSumExp(inf).toNumbers()).toEqual([Number.POSITIVE_INFINITY]);
    expect(() => softmax(inf)).toThrow(/\+Infinity.*clamp the logits/);
    expect(() => logSoftmax(inf)).toThrow(TensorError);
    const nan = softmax(
      Tensor.fromArray([
        [1, Number.NaN],
        [0, 0],
      ]),
    );
    expect(nan.toNumbers().map(Number.isNaN)).toEqual([true, true, false, false]);
    expect(Number.isNaN(logSumExp(Tensor.fromArray([Number.NaN, NEG])).item())).toBe(true);
  });

  it('property: softmax rows sum to 1, are shift-invariant and equal exp(logSoftmax)', () => {
    fc.assert(
      fc.property(logitRows, fc.double({ min: -500, max: 500, noNaN: true }), (x, c) => {
        const [rows, n] = x.shape;
        const p = softmax(x);
        const lp = logSoftmax(x);
        const shifted = softmax(
          Tensor.fromArray(
            x.data.map((v) => v + c),
            { dtype: 'float64', shape: x.shape },
          ),
        );
        for (let r = 0; r < rows; r++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += p.data[r * n + j];
          expect(Math.abs(s - 1)).toBeLessThan(1e-12);
        }
        expectClose(shifted.data, p.data, 1e-9, 1e-12);
        expectClose(lp.data.map(Math.exp), p.data, 1e-12, 1e-15);
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('property: max <= logSumExp <= max + ln(n)', () => {
    fc.assert(
      fc.property(logitRows, (x) => {
        const [rows, n] = x.shape;
        const lse = logSumExp(x).data;
        for (let r = 0; r < rows; r++) {
          const max = Math.max(...x.data.subarray(r * n, (r + 1) * n));
          expect(lse[r]).toBeGreaterThanOrEqual(max);
          expect(lse[r]).toBeLessThanOrEqual(max + Math.log(n) + 1e-12);
        }
      }),
      { numRuns: 100, seed: 8 },
    );
  });

  it('names the axis problem and the fix', () => {
    expect(() => softmax(Tensor.zeros([2, 3]), 2)).toThrow(
      /axis 2 is out of range for shape \[2, 3\] \(rank 2\); use an integer in \[-2, 1\]/,
    );
    expect(() => logSumExp(Tensor.scalar(1))).toThrow(/scalar/);
    expect(() => softmax(Tensor.zeros([2], 'int32') as never)).toThrow(/dtype int32/);
  });
});
