import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { chi2Critical999 } from './fixtures/load.js';
import { sampleCategorical } from './sample.js';

/** Pearson chi-square statistic of observed counts against expected probabilities (categories with p > 0). */
function chiSquare(counts: number[], probs: number[], total: number): number {
  let stat = 0;
  for (let j = 0; j < probs.length; j++) {
    if (probs[j] === 0) continue;
    const e = probs[j] * total;
    stat += (counts[j] - e) ** 2 / e;
  }
  return stat;
}

function countsOf(samples: ArrayLike<number>, n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (let i = 0; i < samples.length; i++) c[samples[i]]++;
  return c;
}

describe('sampleCategorical', () => {
  const probs = [0.1, 0, 0.2, 0.3, 0.4];
  const N = 20000;

  it('frequencies match the probabilities (chi-square, df 3, p = 0.001) and zero-probability never occurs', () => {
    const s = sampleCategorical(Tensor.fromArray([probs], { dtype: 'float64' }), {
      seed: 12345,
      numSamples: N,
    });
    expect(s.dtype).toBe('int32');
    expect(s.shape).toEqual([1, N]);
    const c = countsOf(s.data, 5);
    expect(c[1]).toBe(0);
    expect(chiSquare(c, probs, N)).toBeLessThan(chi2Critical999(3));
  });

  it('logits: softmax weights, -Infinity masked, same frequency test', () => {
    // log(p) + 17 has softmax p; the masked entry replaces the zero-probability one.
    const logits = probs.map((p) => (p === 0 ? Number.NEGATIVE_INFINITY : Math.log(p) + 17));
    const s = sampleCategorical(Tensor.fromArray([logits]), {
      rng: new Rng(99),
      logits: true,
      numSamples: N,
    });
    const c = countsOf(s.data, 5);
    expect(c[1]).toBe(0);
    expect(chiSquare(c, probs, N)).toBeLessThan(chi2Critical999(3));
  });

  it('unnormalised weights are rescaled: [1, 3] behaves like [0.25, 0.75]', () => {
    const s = sampleCategorical(Tensor.fromArray([1, 3]), { seed: 4, numSamples: N });
    expect(s.shape).toEqual([N]);
    expect(chiSquare(countsOf(s.data, 2), [0.25, 0.75], N)).toBeLessThan(chi2Critical999(1));
  });

  it('is inverse-CDF over one rng.uniform() per sample, rows in order (replayed by hand)', () => {
    const rows = [
      [0.5, 0.25, 0.25],
      [0, 0, 1],
      [0.2, 0.3, 0.5],
    ];
    const s = sampleCategorical(Tensor.fromArray(rows, { dtype: 'float64' }), { seed: 77, numSamples: 4 });
    expect(s.shape).toEqual([3, 4]);
    const rng = new Rng(77);
    const want: number[] = [];
    for (const row of rows) {
      for (let t = 0; t < 4; t++) {
        const u = rng.uniform();
        // Linear scan: first category whose cumulative probability exceeds u.
        let acc = 0;
        let pick = row.length - 1;
        for (let j = 0; j < row.length; j++) {
          acc += row[j];
          if (acc > u) {
            pick = j;
            break;
          }
        }
        want.push(pick);
      }
    }
    expect(Array.from(s.data)).toEqual(want);
  });

  it('shapes: one sample per row drops the axis; numSamples appends one; a shared rng advances', () => {
    const p = Tensor.full([2, 3, 4], 0.25);
    expect(sampleCategorical(p, { seed: 1 }).shape).toEqual([2, 3]);
    expect(sampleCategorical(p, { seed: 1, numSamples: 5 }).shape).toEqual([2, 3, 5]);
    expect(sampleCategorical(p, { seed: 1 }).data).toEqual(sampleCategorical(p, { seed: 1 }).data);
    const rng = new Rng(3);
    const a = sampleCategorical(p, { rng, numSamples: 50 });
    const b = sampleCategorical(p, { rng, numSamples: 50 });
    expect(a.data).not.toEqual(b.data);
  });

  it('rejects missing randomness and invalid rows with a fix', () => {
    const p = Tensor.fromArray([[0.5, 0.5]]);
    expect(() => sampleCategorical(p, {})).toThrow(/pass \{ seed: <number> \} or \{ rng: new Rng\(seed\) \}/);
    expect(() => sampleCategorical(Tensor.fromArray([[0.5, -0.1]]), { seed: 1 })).toThrow(/holds -0.1.*>= 0/);
    expect(() => sampleCategorical(Tensor.fromArray([[0, 0]]), { seed: 1 })).toThrow(/sums to 0/);
    expect(() => sampleCategorical(Tensor.fromArray([[Number.NaN, 1]]), { seed: 1, logits: true })).toThrow(
      /NaN/,
    );
    expect(() =>
      sampleCategorical(Tensor.fromArray([[Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]]), {
        seed: 1,
        logits: true,
      }),
    ).toThrow(/entirely -Infinity/);
    expect(() => sampleCategorical(p, { seed: 1, numSamples: -1 })).toThrow(/numSamples/);
    expect(() => sampleCategorical(Tensor.zeros([2, 0]), { seed: 1 })).toThrow(/no categories/);
  });
});
