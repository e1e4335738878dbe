import { expect } from 'vitest';

/**
 * Assert two numeric arrays agree entry-wise within tol * max(1, |expected|) (float64 references from
 * scripts/make_fixtures.py, so differences are rounding only).
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-12,
  what = 'value',
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const bound = tol * Math.max(1, Math.abs(e));
    if (!(Math.abs(a - e) <= bound)) {
      throw new Error(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${bound})`);
    }
  }
}

/** Scalar form of {@link expectClose}. */
export function expectNear(actual: number, expected: number, tol = 1e-12, what = 'value'): void {
  expectClose([actual], [expected], tol, what);
}
