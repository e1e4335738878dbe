import { StatsInputError } from '../errors.js';
import { assertPaired, finiteCopy, type Numbers } from './validate.js';

/** Result of an ordinary-least-squares fit `y ~ intercept + slope * x`. */
export interface LinearFit {
  /** Fitted slope. */
  slope: number;
  /** Fitted intercept. */
  intercept: number;
  /** Pearson correlation of x and y. */
  r: number;
  /** Coefficient of determination of the fit (= r^2 for simple regression). */
  r2: number;
  /** Number of points. */
  n: number;
}

/**
 * Pearson correlation on raw arrays; NaN when either side is constant (no variance to correlate).
 * Two passes (means first, then centred sums) to keep precision when values share a large offset.
 */
export function pearsonUnchecked(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length): number {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  // Rounding can push |r| a hair above 1; clamp so r^2 stays a proportion.
  return r > 1 ? 1 : Math.max(r, -1);
}

/**
 * Ordinary least squares of `y` on `x` (one predictor plus intercept), as `scipy.stats.linregress` computes it.
 * In the paper's evaluation `x` is an estimator's score per prompt and `y` the prompt's factuality; `r2` is
 * the headline metric.
 *
 * @throws {StatsInputError} on length mismatch, fewer than 3 points, non-finite values, or constant x or y.
 * @example
 * ```ts
 * const fit = linearRegression([0.1, 0.4, 0.8], [0.9, 0.7, 0.2]);
 * fit.r2;    // share of factuality variance explained by the score
 * fit.slope; // negative: more dispersion, less factual
 * ```
 */
export function linearRegression(x: Numbers, y: Numbers): LinearFit {
  assertPaired('linearRegression', x, y, 3);
  const xs = finiteCopy('linearRegression', 'x', x);
  const ys = finiteCopy('linearRegression', 'y', y);
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) {
    throw new StatsInputError(
      'linearRegression: x is constant, so no slope can be fitted; check the score column.',
    );
  }
  if (syy === 0) {
    throw new StatsInputError(
      'linearRegression: y is constant, so R^2 is undefined; check the label column.',
    );
  }
  const slope = sxy / sxx;
  let r = sxy / Math.sqrt(sxx * syy);
  r = r > 1 ? 1 : Math.max(r, -1);
  return { slope, intercept: my - slope * mx, r, r2: r * r, n };
}

/**
 * R^2 of the OLS fit `y ~ x`: the squared Pearson correlation.
 *
 * @throws {StatsInputError} as {@link linearRegression}.
 * @example
 * ```ts
 * rSquared([1, 2, 3, 4], [2, 4, 6, 8.5]); // close to 1
 * ```
 */
export function rSquared(x: Numbers, y: Numbers): number {
  return linearRegression(x, y).r2;
}
