import { Rng } from '@proj/runtime';
import { CotInputError } from '../errors.js';

/** A point estimate with a two-sided confidence interval. */
export interface Interval {
  /** The statistic on the full sample (here: the mean). */
  estimate: number;
  /** The (1 - confidence) / 2 quantile of the bootstrap distribution. */
  lower: number;
  /** The (1 + confidence) / 2 quantile of the bootstrap distribution. */
  upper: number;
}

/** Options of {@link bootstrapCI}. */
export interface BootstrapOptions {
  /** Bootstrap resamples. Default 2000. */
  resamples?: number;
  /** Coverage of the interval. Default 0.95. */
  confidence?: number;
  /** Seed of the resampling (an `Rng` from @proj/runtime). Default 0. */
  seed?: number;
}

/**
 * Quantile with linear interpolation between order statistics (numpy's default, "type 7").
 *
 * @example
 * ```ts
 * quantileSorted([1, 2, 3, 4], 0.5); // 2.5
 * ```
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function check(opts: BootstrapOptions): Required<BootstrapOptions> {
  const { resamples = 2000, confidence = 0.95, seed = 0 } = opts;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new CotInputError(`resamples must be a positive integer, got ${resamples}.`);
  }
  if (!(confidence > 0 && confidence < 1))
    throw new CotInputError(`confidence must be in (0, 1), got ${confidence}.`);
  return { resamples, confidence, seed };
}

/**
 * Percentile bootstrap of the mean of several paired columns at once: every resample draws the same row indices
 * for all columns, so differences between columns (e.g. two selection strategies on the same groups) get
 * consistent intervals. Returns one interval per column, and one per requested pair `[a, b]` for mean(a) - mean(b).
 *
 * @throws {CotInputError} on empty or ragged columns, non-finite values or bad options.
 *
 * @example
 * ```ts
 * const { columns, differences } = pairedBootstrap([fsfCorrect, randomCorrect], { pairs: [[0, 1]], seed: 1 });
 * differences[0]; // { estimate, lower, upper } of the gain over random
 * ```
 */
export function pairedBootstrap(
  columns: readonly (readonly number[])[],
  options: BootstrapOptions & { pairs?: readonly (readonly [number, number])[] } = {},
): {
  /** One interval of the mean per column, in column order. */
  columns: Interval[];
  /** One interval of mean(a) - mean(b) per requested pair `[a, b]`, in pair order. */
  differences: Interval[];
} {
  const { resamples, confidence, seed } = check(options);
  if (columns.length === 0) throw new CotInputError('pairedBootstrap needs at least one column.');
  const n = columns[0].length;
  if (n === 0) throw new CotInputError('pairedBootstrap needs at least one row.');
  for (const c of columns) {
    if (c.length !== n)
      throw new CotInputError(`Columns have different lengths (${n} and ${c.length}); pair them row by row.`);
    if (c.some((v) => !Number.isFinite(v)))
      throw new CotInputError('Bootstrap values must be finite numbers.');
  }
  const pairs = options.pairs ?? [];
  for (const [a, b] of pairs) {
    const ok = (c: number) => Number.isInteger(c) && c >= 0 && c < columns.length;
    if (!ok(a) || !ok(b)) throw new CotInputError(`Pair [${a}, ${b}] names a missing column.`);
  }
  const mean = (c: readonly number[]) => c.reduce((s, v) => s + v, 0) / c.length;
  const est = columns.map(mean);
  const stats = columns.map(() => new Float64Array(resamples));
  const rng = new Rng(seed);
  const sums = new Float64Array(columns.length);
  for (let r = 0; r < resamples; r++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const row = rng.int(n);
      for (let c = 0; c < columns.length; c++) sums[c] += columns[c][row];
    }
    for (let c = 0; c < columns.length; c++) stats[c][r] = sums[c] / n;
  }
  const alpha = (1 - confidence) / 2;
  const interval = (values: Float64Array, estimate: number): Interval => {
    const s = Array.from(values).sort((x, y) => x - y);
    return { estimate, lower: quantileSorted(s, alpha), upper: quantileSorted(s, 1 - alpha) };
  };
  return {
    columns: stats.map((s, c) => interval(s, est[c])),
    differences: pairs.map(([a, b]) =>
      interval(
        stats[a].map((v, r) => v - stats[b][r]),
        est[a] - est[b],
      ),
    ),
  };
}

/**
 * Percentile bootstrap confidence interval of the mean (seeded, reproducible).
 *
 * @throws {CotInputError} on an empty sample, non-finite values or bad options.
 *
 * @example
 * ```ts
 * bootstrapCI([1, 0, 1, 1, 0, 1], { seed: 7 }); // { estimate: 0.667, lower: ~0.33, upper: 1 }
 * ```
 */
export function bootstrapCI(values: readonly number[], options: BootstrapOptions = {}): Interval {
  return pairedBootstrap([values], options).columns[0];
}
