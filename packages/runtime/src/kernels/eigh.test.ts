import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { eigh, eighSym } from './eigh.js';
import { expectClose, fixture, values } from './fixtures/load.js';
import { gramOfRows } from './gram.js';

/** A random symmetric n x n matrix with N(0, 1) entries (row-major). */
function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** max_j ||A v_j - lambda_j v_j|| and max |V^T V - I|, by plain loops. */
function quality(
  n: number,
  a: ArrayLike<number>,
  w: ArrayLike<number>,
  v: ArrayLike<number>,
): { res: number; orth: number } {
  let res = 0;
  let orth = 0;
  for (let j = 0; j < n; j++) {
    let r2 = 0;
    for (let i = 0; i < n; i++) {
      let s = -w[j] * v[i * n + j];
      for (let k = 0; k < n; k++) s += a[i * n + k] * v[k * n + j];
      r2 += s * s;
    }
    res = Math.max(res, Math.sqrt(r2));
    for (let l = 0; l < n; l++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += v[k * n + j] * v[k * n + l];
      orth = Math.max(orth, Math.abs(s - (j === l ? 1 : 0)));
    }
  }
  return { res, orth };
}

describe('eigh / eighSym', () => {
  it('done-when: random symmetric 200 x 200 -> max ||A v - lambda v|| < 1e-9, orthonormal V', () => {
    for (const seed of [1, 2]) {
      const n = 200;
      const a = randomSymmetric(n, seed);
      const { values: w, vectors: v } = eighSym(n, a);
      const { res, orth } = quality(n, a, w, v);
      expect(res).toBeLessThan(1e-9);
      expect(orth).toBeLessThan(1e-10);
      for (let i = 1; i < n; i++) expect(w[i]).toBeGreaterThanOrEqual(w[i - 1]);
      // Eigenvalues alone come from the same iteration on the same tridiagonal matrix.
      expectClose(eighSym(n, a, { vectors: false }).values, w, 1e-13, 1e-12);
    }
  });

  it('matches numpy.linalg.eigh (values; vectors up to sign)', () => {
    const a = values('eigh_6', 'a');
    const { values: w, vectors } = eigh(Tensor.fromArray(a, { dtype: 'float64', shape: [6, 6] }));
    expectClose(w, values('eigh_6', 'values'), 1e-12, 1e-12);
    const ref = values('eigh_6', 'vectors');
    for (let j = 0; j < 6; j++) {
      let dot = 0;
      for (let k = 0; k < 6; k++) dot += vectors.data[k * 6 + j] * ref[k * 6 + j];
      const sign = Math.sign(dot);
      expect(Math.abs(dot)).toBeCloseTo(1, 12);
      for (let k = 0; k < 6; k++)
        expect(Math.abs(vectors.data[k * 6 + j] - sign * ref[k * 6 + j])).toBeLessThan(1e-11);
    }
    expectClose(
      eighSym(30, values('eigh_30', 'a'), { vectors: false }).values,
      values('eigh_30', 'values'),
      1e-12,
      1e-12,
    );
  });

  it('isotropy path: cosine Gram of 20 unit rows -> numpy eigvalsh', () => {
    const flat = values('eigh_cosine_gram', 'rows');
    const d = (fixture('eigh_cosine_gram').rows as { shape: number[] }).shape[1];
    const rows = Array.from({ length: 20 }, (_, i) => Float64Array.from(flat.slice(i * d, (i + 1) * d)));
    const K = gramOfRows(rows, { normalize: true });
    expectClose(K, values('eigh_cosine_gram', 'gram'), 1e-13, 1e-13);
    const { values: w, vectors } = eighSym(20, K, { vectors: false });
    expect(vectors).toBeNull();
    expectClose(w, values('eigh_cosine_gram', 'values'), 1e-12, 1e-12);
  });

  it('hand-checked: [[2, 1], [1, 2]], a diagonal matrix, 1 x 1 and 0 x 0', () => {
    const { values: w, vectors } = eigh(
      Tensor.fromArray(
        [
          [2, 1],
          [1, 2],
        ],
        { dtype: 'float64' },
      ),
    );
    expectClose(w, [1, 3], 1e-15, 1e-15);
    const h = Math.SQRT1_2;
    // Columns: (1, -1)/sqrt2 for 1 and (1, 1)/sqrt2 for 3; the sign convention makes the first largest entry > 0.
    expectClose(vectors.data, [h, h, -h, h], 1e-15, 1e-15);
    const diag = eigh(
      Tensor.fromArray(
        [
          [3, 0, 0],
          [0, 1, 0],
          [0, 0, 2],
        ],
        { dtype: 'float64' },
      ),
    );
    expect(Array.from(diag.values)).toEqual([1, 2, 3]);
    expect(diag.vectors.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(Array.from(eighSym(1, [-4]).values)).toEqual([-4]);
    expect(eighSym(0, []).values.length).toBe(0);
    const zero = eighSym(3, new Float64Array(9));
    expect(Array.from(zero.values)).toEqual([0, 0, 0]);
    expect(quality(3, new Float64Array(9), zero.values, zero.vectors).orth).toBeLessThan(1e-15);
  });

  it('repeated eigenvalues still give an orthonormal eigenbasis', () => {
    // A = Q diag(1, 1, 2, 2, 5) Q^T with Q from the eigenvectors of a random symmetric matrix.
    const n = 5;
    const q = eighSym(n, randomSymmetric(n, 9)).vectors;
    const lam = [1, 1, 2, 2, 5];
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[i * n + k] * lam[k] * q[j * n + k];
        a[i * n + j] = s;
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
    const { values: w, vectors: v } = eighSym(n, a);
    expectClose(w, lam, 1e-13, 1e-13);
    const { res, orth } = quality(n, a, w, v);
    expect(res).toBeLessThan(1e-13);
    expect(orth).toBeLessThan(1e-14);
  });

  it('property: A = V diag(w) V^T, sum(w) = trace(A), ascending', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (n, seed, scale) => {
          const a = randomSymmetric(n, seed).map((x) => x * scale);
          const { values: w, vectors: v } = eighSym(n, a);
          let trace = 0;
          for (let i = 0; i < n; i++) trace += a[i * n + i];
          const wsum = w.reduce((s, x) => s + x, 0);
          expect(Math.abs(wsum - trace)).toBeLessThan(1e-12 * scale * n * n);
          for (let i = 1; i < n; i++) expect(w[i]).toBeGreaterThanOrEqual(w[i - 1]);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let k = 0; k < n; k++) s += v[i * n + k] * w[k] * v[j * n + k];
              expect(Math.abs(s - a[i * n + j])).toBeLessThan(1e-12 * scale * n);
            }
          }
        },
      ),
      { numRuns: 100, seed: 31 },
    );
  });

  it('accepts float32 (computed in float64) and leaves the input untouched', () => {
    const a = Tensor.fromArray([
      [4, 1],
      [1, 3],
    ]);
    const copy = a.clone();
    const { values: w, vectors } = eigh(a);
    // (7 -+ sqrt(5)) / 2, by hand from the characteristic polynomial l^2 - 7 l + 11.
    expectClose(w, [(7 - Math.sqrt(5)) / 2, (7 + Math.sqrt(5)) / 2], 1e-15, 1e-15);
    expect(vectors.dtype).toBe('float64');
    expect(a.data).toEqual(copy.data);
  });

  it('rejects NaN, asymmetric, non-square and wrongly sized input with a fix', () => {
    expect(() => eighSym(2, [1, Number.NaN, Number.NaN, 1])).toThrow(
      /entry \(0, 1\) of the 2 x 2 matrix is NaN/,
    );
    expect(() =>
      eigh(
        Tensor.fromArray([
          [1, 2],
          [0, 1],
        ]),
      ),
    ).toThrow(/not symmetric: entry \(1, 0\) = 0 but \(0, 1\) = 2/);
    expect(() => eigh(Tensor.zeros([2, 3]))).toThrow(/square \[n, n\] matrix, got \[2, 3\]/);
    expect(() => eighSym(3, new Float64Array(8))).toThrow(/8 values but an 3 x 3 matrix needs 9/);
    // Float32-level asymmetry is tolerated (the symmetrised matrix is decomposed).
    expect(eighSym(2, [1, 0.5, 0.5 + 1e-9, 1]).values[1]).toBeCloseTo(1.5, 8);
  });
});
