import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TensorError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { expectClose, tensor, values } from './fixtures/load.js';
import { gram, gramOfRows, l2NormalizeRows } from './gram.js';

/** Rows of a fixture matrix as number[][]. */
function rowsOf(name: string, key: string, d: number): number[][] {
  const flat = values(name, key);
  const rows: number[][] = [];
  for (let i = 0; i < flat.length; i += d) rows.push(flat.slice(i, i + d));
  return rows;
}

describe('l2NormalizeRows', () => {
  it('matches numpy, keeping the zero row at zero', () => {
    const out = l2NormalizeRows(tensor('l2_normalize', 'x'));
    expectClose(out.data, values('l2_normalize', 'out'), 1e-15, 1e-15);
    expect(Array.from(out.data.subarray(6, 9))).toEqual([0, 0, 0]);
  });

  it('normalises the last axis of any rank and keeps float32', () => {
    const out = l2NormalizeRows(Tensor.fromArray([[[3, 4]], [[0, -2]]]));
    expect(out.dtype).toBe('float32');
    expect(out.shape).toEqual([2, 1, 2]);
    expect(out.toNumbers()).toEqual([0.6, 0.8, 0, -1].map(Math.fround));
  });

  it('rejects NaN and infinite entries, naming the row and column', () => {
    expect(() =>
      l2NormalizeRows(
        Tensor.fromArray([
          [1, 2],
          [3, Number.NaN],
        ]),
      ),
    ).toThrow(/row 1: column 1 is NaN/);
    expect(() => l2NormalizeRows(Tensor.fromArray([[Number.POSITIVE_INFINITY, 0]]))).toThrow(TensorError);
    expect(() => l2NormalizeRows(Tensor.scalar(1))).toThrow(/scalar/);
  });
});

describe('gram', () => {
  it('matches numpy x x^T and the cosine Gram', () => {
    const x = tensor('gram', 'x');
    expectClose(gram(x).data, values('gram', 'out'), 1e-13, 1e-13);
    expectClose(gram(x, { normalize: true }).data, values('gram_cosine', 'out'), 1e-13, 1e-13);
  });

  it('is exactly symmetric and keeps float32', () => {
    const g = gram(Tensor.randn([7, 33], { seed: 4 }));
    expect(g.dtype).toBe('float32');
    for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) expect(g.get(i, j)).toBe(g.get(j, i));
  });

  it('hand-checked: [[1, 2], [3, 4]] -> [[5, 11], [11, 25]]', () => {
    expect(
      gram(
        Tensor.fromArray([
          [1, 2],
          [3, 4],
        ]),
      ).toArray(),
    ).toEqual([
      [5, 11],
      [11, 25],
    ]);
  });

  it('rejects non-matrices', () => {
    expect(() => gram(Tensor.zeros([2, 3, 4]))).toThrow(/\[n, d\] matrix, got \[2, 3, 4\]/);
  });
});

describe('gramOfRows', () => {
  const d = 6;
  it('gives the same numbers for number[][], Float32Array[] and Float64Array[] rows', () => {
    const rows = rowsOf('gram', 'x', d);
    expectClose(gramOfRows(rows), values('gram', 'out'), 1e-13, 1e-13);
    expectClose(gramOfRows(rows.map((r) => Float64Array.from(r))), values('gram', 'out'), 1e-13, 1e-13);
    const f32 = rows.map((r) => Float32Array.from(r));
    const want = gram(
      Tensor.fromArray(
        f32.flatMap((r) => Array.from(r)),
        { dtype: 'float64', shape: [5, d] },
      ),
    );
    expectClose(gramOfRows(f32), want.data, 1e-15, 0);
  });

  it('cosine Gram: matches numpy, unit diagonal, zero row -> zero row and column', () => {
    const K = gramOfRows(rowsOf('gram', 'x', d), { normalize: true });
    expectClose(K, values('gram_cosine', 'out'), 1e-13, 1e-13);
    for (let i = 0; i < 5; i++) expect(K[i * 5 + i]).toBe(1);
    const Z = gramOfRows(
      [
        [3, 4],
        [0, 0],
        [4, 3],
      ],
      { normalize: true },
    );
    // cos = (3*4 + 4*3) / 25 = 0.96, by hand.
    expectClose(Z, [1, 0, 0.96, 0, 0, 0, 0.96, 0, 1], 1e-15, 1e-15);
  });

  it('property: equals pairwise dot products, any n (odd n too) and d; cosines stay within [-1, 1]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 0,
          maxLength: 7,
        }),
        (rows) => {
          const n = rows.length;
          const G = gramOfRows(rows);
          expect(G.length).toBe(n * n);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              const dot = rows[i].reduce((s, v, t) => s + v * rows[j][t], 0);
              expect(Math.abs(G[i * n + j] - dot)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(dot)));
            }
          }
          for (const k of gramOfRows(rows, { normalize: true })) expect(Math.abs(k)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 100, seed: 3 },
    );
  });

  it('identical rows have cosine exactly 1 (no overshoot)', () => {
    const r = Float32Array.from({ length: 1024 }, (_, i) => Math.sin(i) * 0.37);
    const K = gramOfRows([r, r, r], { normalize: true });
    expect(Array.from(K)).toEqual(new Array(9).fill(1));
  });

  it('rejects ragged rows, NaN and overflowing rows with the row named', () => {
    expect(() => gramOfRows([[1, 2], [3]])).toThrow(/row 1 has 1 values but row 0 has 2/);
    expect(() =>
      gramOfRows([
        [1, 2],
        [3, Number.NaN],
      ]),
    ).toThrow(/row 1: column 1 is NaN/);
    expect(() => gramOfRows([new Float64Array([1e200, 1])])).toThrow(/row 0: its squared norm overflows/);
  });
});
