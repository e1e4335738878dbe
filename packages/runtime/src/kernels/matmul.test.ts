import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TensorError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { expectClose, shapeOf, tensor, values } from './fixtures/load.js';
import { matmul, transpose } from './matmul.js';

/** Textbook triple loop over one [m, k] x [k, n] pair: the independent reference for the tiled kernel. */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const c = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

describe('matmul', () => {
  it('multiplies a hand-checked 2 x 2 by 2 x 1', () => {
    const c = matmul(
      Tensor.fromArray([
        [1, 2],
        [3, 4],
      ]),
      Tensor.fromArray([[5], [6]]),
    );
    expect(c.shape).toEqual([2, 1]);
    expect(c.toArray()).toEqual([[17], [39]]);
  });

  it.each(['matmul_2d', 'matmul_broadcast', 'matmul_xw', 'matmul_odd'])('matches numpy: %s', (name) => {
    const c = matmul(tensor(name, 'a'), tensor(name, 'b'));
    expect(c.dtype).toBe('float64');
    expect(c.shape).toEqual(shapeOf(name, 'out'));
    expectClose(c.data, values(name, 'out'), 1e-12, 1e-12);
  });

  it('keeps float32 and matches numpy float32 to rounding', () => {
    const c = matmul(tensor('matmul_f32', 'a'), tensor('matmul_f32', 'b'));
    expect(c.dtype).toBe('float32');
    expectClose(c.data, values('matmul_f32', 'out'), 1e-5, 1e-6);
  });

  it('agrees with the naive triple loop across block boundaries (k > 128, n > 512, m % 4 != 0)', () => {
    const [m, k, n] = [7, 300, 600];
    const a = Tensor.randn([m, k], { seed: 1, dtype: 'float64' });
    const b = Tensor.randn([k, n], { seed: 2, dtype: 'float64' });
    expectClose(matmul(a, b).data, naive(a.data, b.data, m, k, n), 1e-11, 1e-11);
  });

  it('property: batched broadcasting equals per-batch naive products', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom<[number[], number[]]>([[2], [2]], [[2], [1]], [[1], [3]], [[2, 1], [3]], [[], [2]]),
        fc.integer({ min: 0, max: 1000 }),
        (m, k, n, [ab, bb], seed) => {
          const a = Tensor.randn([...ab, m, k], { seed, dtype: 'float64' });
          const b = Tensor.randn([...bb, k, n], { seed: seed + 1, dtype: 'float64' });
          const c = matmul(a, b);
          const batch = c.shape.slice(0, -2);
          expect(c.shape).toEqual([...batch, m, n]);
          // Index each operand's batch with the broadcast rule (size-1 axes repeat).
          const nb = batch.reduce((p, d) => p * d, 1);
          for (let t = 0; t < nb; t++) {
            const idx: number[] = [];
            let r = t;
            for (let d = batch.length - 1; d >= 0; d--) {
              idx.unshift(r % batch[d]);
              r = Math.floor(r / batch[d]);
            }
            const flat = (own: number[]): number => {
              let off = 0;
              const lead = batch.length - own.length;
              for (let d = 0; d < own.length; d++) off = off * own[d] + (own[d] === 1 ? 0 : idx[lead + d]);
              return off;
            };
            const aOff = flat(ab) * m * k;
            const bOff = flat(bb) * k * n;
            const want = naive(
              a.data.subarray(aOff, aOff + m * k),
              b.data.subarray(bOff, bOff + k * n),
              m,
              k,
              n,
            );
            expectClose(c.data.subarray(t * m * n, (t + 1) * m * n), want, 1e-12, 1e-12);
          }
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });

  it('property: (A B)^T = B^T A^T', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        (m, k, n) => {
          const a = Tensor.randn([m, k], { seed: m * 100 + k, dtype: 'float64' });
          const b = Tensor.randn([k, n], { seed: k * 100 + n, dtype: 'float64' });
          expectClose(transpose(matmul(a, b)).data, matmul(transpose(b), transpose(a)).data, 1e-12, 1e-12);
        },
      ),
      { numRuns: 40, seed: 5 },
    );
  });

  it('handles empty dimensions', () => {
    expect(matmul(Tensor.zeros([0, 3]), Tensor.zeros([3, 2])).shape).toEqual([0, 2]);
    const z = matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3]));
    expect(z.shape).toEqual([2, 3]);
    expect(z.toNumbers()).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('names the shapes and the fix on bad input', () => {
    const a = Tensor.zeros([2, 3]);
    expect(() => matmul(a, Tensor.zeros([4, 5]))).toThrow(TensorError);
    expect(() => matmul(a, Tensor.zeros([4, 5]))).toThrow(
      /inner dimensions differ: a \[2, 3\] has 3 columns but b \[4, 5\] has 4 rows/,
    );
    expect(() => matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 4]))).toThrow(
      /batch dimensions \[2\] .* \[3\] .*do not broadcast/,
    );
    expect(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 1]))).toThrow(/rank >= 2.*reshape/);
    expect(() => matmul(a, Tensor.zeros([3, 2], 'float64') as never)).toThrow(/cast one of them/);
    expect(() => matmul(Tensor.zeros([2, 3], 'int32') as never, a)).toThrow(/dtype int32.*cast\('float32'\)/);
  });
});

describe('transpose', () => {
  it('matches numpy for an explicit and the default permutation', () => {
    const x = tensor('transpose_perm', 'x');
    const p = transpose(x, [1, 2, 0]);
    expect(p.shape).toEqual(shapeOf('transpose_perm', 'out'));
    expect(Array.from(p.data)).toEqual(values('transpose_perm', 'out'));
    const d = transpose(x);
    expect(d.shape).toEqual([4, 3, 2]);
    expect(Array.from(d.data)).toEqual(values('transpose_default', 'out'));
  });

  it('transposes a hand-checked matrix and any dtype', () => {
    expect(
      transpose(
        Tensor.fromArray([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ).toArray(),
    ).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    const ids = transpose(
      Tensor.fromArray([
        [1n, 2n],
        [3n, 4n],
      ]),
    );
    expect(ids.dtype).toBe('int64');
    expect(Array.from(ids.data)).toEqual([1n, 3n, 2n, 4n]);
  });

  it('the tiled 2-D path agrees with element reads (sizes not multiples of the tile)', () => {
    const x = Tensor.randn([45, 70], { seed: 3 });
    const t = transpose(x);
    for (const [i, j] of [
      [0, 0],
      [44, 69],
      [33, 40],
      [10, 64],
    ])
      expect(t.get(j, i)).toBe(x.get(i, j));
    expect(transpose(t).data).toEqual(x.data);
  });

  it('rejects a bad permutation', () => {
    expect(() => transpose(Tensor.zeros([2, 3]), [0, 0])).toThrow(
      /not a permutation of the 2 axes of \[2, 3\]/,
    );
    expect(() => transpose(Tensor.zeros([2, 3]), [0])).toThrow(TensorError);
  });
});
