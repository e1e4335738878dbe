import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CotInputError } from '../errors.js';
import { bootstrapCI, pairedBootstrap, quantileSorted } from './bootstrap.js';
import { evaluateSelection } from './evaluate.js';
import { bestCandidates, selectBestOfK } from './select.js';

describe('selectBestOfK', () => {
  const c = [
    { fsf: 0.3, length: 800, reviewRatio: 0.1 },
    { fsf: 0.1, length: 1500, reviewRatio: 0.3 },
    { fsf: 0.1, length: 1200, reviewRatio: 0.1 },
    { fsf: 0.1, length: 1200, reviewRatio: 0.2 },
  ];

  it('fsf: lowest FSF, ties broken by length, then first index', () => {
    expect(bestCandidates(c, 'fsf')).toEqual([2, 3]);
    expect(selectBestOfK(c, 'fsf')).toBe(2);
  });

  it('length: shortest; review: lowest review ratio then shortest', () => {
    expect(selectBestOfK(c, 'length')).toBe(0);
    expect(bestCandidates(c, 'review')).toEqual([0]);
  });

  it('random and random tie-breaks are seeded', () => {
    const picks = new Set(Array.from({ length: 40 }, (_, s) => selectBestOfK(c, 'random', { seed: s })));
    expect(picks).toEqual(new Set([0, 1, 2, 3]));
    expect(selectBestOfK(c, 'random', { seed: 5 })).toBe(selectBestOfK(c, 'random', { seed: 5 }));
    expect(
      new Set(Array.from({ length: 20 }, (_, s) => selectBestOfK(c, 'fsf', { seed: s, ties: 'random' }))),
    ).toEqual(new Set([2, 3]));
  });

  it('rejects empty groups, NaN metrics and missing review ratios', () => {
    expect(() => selectBestOfK([], 'fsf')).toThrow(/empty group/);
    expect(() => selectBestOfK([{ fsf: Number.NaN, length: 1 }], 'fsf')).toThrow(/fsf = NaN/);
    expect(() => selectBestOfK([{ fsf: 0, length: 1 }], 'review')).toThrow(/needs a finite reviewRatio/);
    expect(() => selectBestOfK([{ fsf: 0, length: 1 }], 'shortest' as never)).toThrow(
      /Unknown selection strategy/,
    );
  });
});

describe('bootstrap', () => {
  it('quantiles interpolate like numpy (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
  });

  it('is reproducible by seed and degenerate on constant data', () => {
    const v = [1, 0, 1, 1, 0, 1, 0, 1];
    expect(bootstrapCI(v, { seed: 3 })).toEqual(bootstrapCI(v, { seed: 3 }));
    const flat = bootstrapCI([0.4, 0.4, 0.4]);
    expect(flat.estimate).toBeCloseTo(0.4, 15);
    expect(flat.lower).toBe(flat.estimate);
    expect(flat.upper).toBe(flat.estimate);
  });

  it('matches the normal approximation for a Bernoulli mean (n = 400, p = 0.5)', () => {
    // Standard error sqrt(0.25 / 400) = 0.025, so the 95% interval is 0.5 +- 1.96 * 0.025 = [0.451, 0.549].
    const v = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const ci = bootstrapCI(v, { resamples: 4000, seed: 11 });
    expect(ci.estimate).toBe(0.5);
    expect(ci.lower).toBeCloseTo(0.451, 1);
    expect(ci.upper).toBeCloseTo(0.549, 1);
    expect(Math.abs(ci.lower - 0.451)).toBeLessThan(0.008);
    expect(Math.abs(ci.upper - 0.549)).toBeLessThan(0.008);
  });

  it('paired differences of identical columns are exactly zero', () => {
    const col = [1, 0, 0, 1, 1];
    const { differences } = pairedBootstrap([col, [...col]], { pairs: [[0, 1]] });
    expect(differences[0]).toEqual({ estimate: 0, lower: 0, upper: 0 });
  });

  it('property: the interval contains the estimate and lies within [min, max]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        (v, seed) => {
          const ci = bootstrapCI(v, { resamples: 200, seed });
          expect(ci.lower).toBeLessThanOrEqual(ci.upper);
          expect(ci.lower).toBeGreaterThanOrEqual(Math.min(...v) - 1e-9);
          expect(ci.upper).toBeLessThanOrEqual(Math.max(...v) + 1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects bad input', () => {
    expect(() => bootstrapCI([])).toThrow(CotInputError);
    expect(() => bootstrapCI([Number.NaN])).toThrow(/finite/);
    expect(() => bootstrapCI([1], { confidence: 1 })).toThrow(/confidence/);
    expect(() => pairedBootstrap([[1, 2], [1]])).toThrow(/different lengths/);
  });
});

describe('evaluateSelection', () => {
  // Group A: the lowest-FSF candidate is right, the shortest is wrong.
  // Group B: FSF ties between a right and a wrong candidate of equal length (expected 0.5); shortest is right.
  // Group C: nobody is right.
  const groups = [
    {
      id: 'A',
      candidates: [
        { fsf: 0.0, length: 900, reviewRatio: 0.2, correct: true },
        { fsf: 0.4, length: 300, reviewRatio: 0.1, correct: false },
        { fsf: 0.2, length: 600, reviewRatio: 0.3, correct: false },
      ],
    },
    {
      id: 'B',
      candidates: [
        { fsf: 0.1, length: 500, reviewRatio: 0.5, correct: true },
        { fsf: 0.1, length: 500, reviewRatio: 0.4, correct: false },
        { fsf: 0.3, length: 200, reviewRatio: 0.2, correct: true },
      ],
    },
    { id: 'C', candidates: [{ fsf: 0, length: 100, reviewRatio: 0, correct: false }] },
  ];

  it('scores each strategy by the expected correctness of its pick (hand-computed)', () => {
    const r = evaluateSelection(groups, { seed: 1, resamples: 500 });
    expect(r.perGroup.fsf).toEqual([1, 0.5, 0]);
    expect(r.perGroup.length).toEqual([0, 1, 0]);
    expect(r.perGroup.review).toEqual([0, 1, 0]);
    expect(r.perGroup.random).toEqual([1 / 3, 2 / 3, 0]);
    const est = Object.fromEntries(r.results.map((x) => [x.strategy, x.passAt1.estimate]));
    expect(est.fsf).toBeCloseTo(0.5, 12);
    expect(est.length).toBeCloseTo(1 / 3, 12);
    expect(est.random).toBeCloseTo(1 / 3, 12);
    const fsf = r.results.find((x) => x.strategy === 'fsf')!;
    expect(fsf.gainOverRandom.estimate).toBeCloseTo(0.5 - 1 / 3, 12);
    expect(fsf.passAt1.lower).toBeLessThanOrEqual(0.5);
    expect(fsf.passAt1.upper).toBeGreaterThanOrEqual(0.5);
    expect(r.results.find((x) => x.strategy === 'random')!.gainOverRandom).toEqual({
      estimate: 0,
      lower: 0,
      upper: 0,
    });
    expect(r).toMatchObject({ groups: 3, candidates: 7 });
  });

  it('skips the review strategy when review ratios are missing, and rejects bad groups', () => {
    const noReview = groups.map((g) => ({ candidates: g.candidates.map(({ reviewRatio: _r, ...c }) => c) }));
    expect(evaluateSelection(noReview).results.map((x) => x.strategy)).toEqual(['fsf', 'length', 'random']);
    expect(() => evaluateSelection([])).toThrow(CotInputError);
    expect(() => evaluateSelection([{ candidates: [] }])).toThrow(/no candidates/);
  });
});
