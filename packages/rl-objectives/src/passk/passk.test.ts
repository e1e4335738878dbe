import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNear } from '../../test/close.js';
import { PassAtKRangeError } from '../core/errors.js';
import fixture from './fixtures/passk.json' with { type: 'json' };
import { meanPassAtK, passAtK, passAtKCurve } from './passk.js';

describe('unbiased pass@k', () => {
  it('matches scipy.special.comb (exact integers) and the HumanEval estimator on every case', () => {
    for (const { n, c, k, exact, humaneval } of fixture.cases) {
      const v = passAtK(n, c, k);
      expectNear(v, exact, 1e-12, `pass@${k} n=${n} c=${c} vs exact`);
      expectNear(v, humaneval, 1e-12, `pass@${k} n=${n} c=${c} vs HumanEval`);
    }
  });

  it('n < k throws, where the HumanEval reference silently returns 1', () => {
    for (const { n, c, k, humaneval } of fixture.undefined) {
      expect(humaneval).toBe(1);
      expect(() => passAtK(n, c, k)).toThrow(PassAtKRangeError);
      expect(() => passAtK(n, c, k)).toThrow(RangeError);
    }
    expect(() => passAtK(4, 1, 8)).toThrow(/needs at least 8 samples, got n = 4/);
  });

  it('edge cases: 1 when n - c < k, c = 0 gives 0, pass@1 = c / n', () => {
    expect(passAtK(10, 3, 8)).toBe(1);
    expect(passAtK(10, 0, 5)).toBe(0);
    expect(passAtK(5, 5, 5)).toBe(1);
    expectNear(passAtK(10, 3, 1), 0.3, 1e-15);
    expect(() => passAtK(5, 6, 1)).toThrow(PassAtKRangeError);
    expect(() => passAtK(5, -1, 1)).toThrow(PassAtKRangeError);
    expect(() => passAtK(5, 1, 0)).toThrow(PassAtKRangeError);
    expect(() => passAtK(5.5, 1, 1)).toThrow(PassAtKRangeError);
  });

  it('mean and curve over problems match the HumanEval estimator', () => {
    const { ns, cs, ks, mean } = fixture.curve;
    expectClose(passAtKCurve(ns, cs, ks), mean, 1e-12);
    expectNear(meanPassAtK(16, [0, 4, 16], 1), (0 + 0.25 + 1) / 3, 1e-15);
    expect(() => meanPassAtK([4, 2], [1, 1], 4)).toThrow(/problem 1: pass@4 needs at least 4/);
    expect(() => meanPassAtK([4], [1, 1], 1)).toThrow(PassAtKRangeError);
    expect(() => meanPassAtK(4, [], 1)).toThrow(PassAtKRangeError);
  });

  it('property: in [0, 1], increasing in k and in c', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, cr, kr) => {
        const c = cr % (n + 1);
        const k = 1 + (kr % n);
        const v = passAtK(n, c, k);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        if (k < n) expect(passAtK(n, c, k + 1)).toBeGreaterThanOrEqual(v - 1e-12);
        if (c < n) expect(passAtK(n, c + 1, k)).toBeGreaterThanOrEqual(v - 1e-12);
      }),
    );
  });
});
