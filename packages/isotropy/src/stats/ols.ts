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
 * Means and centred sums of squares and products of paired arrays, in two passes (means first) to keep
 * precision when values share a large offset.
 */
function centredSums(x: ArrayLike<number>, y: ArrayLike<number>, n: number) {
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
  return { mx, my, sxx, syy, sxy };
}

/** sxy / sqrt(sxx syy), clamped to [-1, 1]: rounding can push |r| a hair above 1, and r^2 must stay a proportion. */
function correlation(s: { sxx: number; syy: number; sxy: number }): number {
  const r = s.sxy / Math.sqrt(s.sxx * s.syy);
  return r > 1 ? 1 : Math.max(r, -1);
}

/**
 * Pearson correlation on raw arrays; NaN when either side is constant (no variance to correlate).
 */
export function pearsonUnchecked(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length): number {
  const s = centredSums(x, y, n);
  return s.sxx === 0 || s.syy === 0 ? Number.NaN : correlation(s);
}

/**
 * The OLS line `y ~ intercept + slope * x` on raw arrays (e.g. for drawing it); undefined when x or y is constant
 * (or holds NaN).
 */
export function olsLineUnchecked(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): { slope: number; intercept: number } | undefined {
  const s = centredSums(x, y, x.length);
  if (!(s.sxx > 0 && s.syy > 0)) return undefined; // constant, empty or NaN: no line to draw
  const slope = s.sxy / s.sxx;
  return { slope, intercept: s.my - slope * s.mx };
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
  const sums = centredSums(xs, ys, n);
  const { mx, my, sxx, syy, sxy } = sums;
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
  const r = correlation(sums);
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
