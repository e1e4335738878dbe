import { describe, expect, it } from 'vitest';
import { pearsonAt, r2Difference } from './compare.js';
import { LabInputError } from './errors.js';

describe('pearsonAt', () => {
  it('matches a hand computation', () => {
    // x = 1, 2, 3; y = 2, 4, 7: sxy = 5, sxx = 2, syy = 114 / 9, r = 5 / sqrt(2 * 114 / 9).
    expect(pearsonAt([1, 2, 3], [2, 4, 7])).toBeCloseTo(5 / Math.sqrt((2 * 114) / 9), 12);
    // Rows 0, 0, 2 of the same data: x = 1, 1, 3; y = 2, 2, 7 is an exact line, r = 1.
    expect(pearsonAt([1, 2, 3], [2, 4, 7], [0, 0, 2])).toBeCloseTo(1, 12);
    expect(pearsonAt([1, 1, 1], [2, 4, 7])).toBeNaN();
  });
});

describe('r2Difference', () => {
  it('estimates R^2(a) - R^2(b) on the full sample and brackets it', () => {
    const y = [0.1, 0.3, 0.2, 0.8, 0.6, 0.9, 0.4, 0.5];
    const a = y.map((v, i) => -v + 0.05 * ((i % 3) - 1)); // nearly linear in y
    const b = [0.3, 0.1, 0.9, 0.2, 0.5, 0.4, 0.8, 0.6]; // unrelated
    const d = r2Difference(a, b, y, { reps: 400, seed: 3 });
    expect(d.estimate).toBeCloseTo(pearsonAt(a, y) ** 2 - pearsonAt(b, y) ** 2, 12);
    expect(d.lower).toBeLessThanOrEqual(d.estimate);
    expect(d.upper).toBeGreaterThanOrEqual(d.estimate);
    expect(d.lower).toBeGreaterThan(0);
    expect(r2Difference(a, a, y, { reps: 50, seed: 1 })).toMatchObject({ estimate: 0, lower: 0, upper: 0 });
  });

  it('rejects columns of different lengths', () => {
    expect(() => r2Difference([1, 2, 3], [1, 2], [1, 2, 3], { reps: 10, seed: 1 })).toThrow(LabInputError);
  });
});
