/**
 * Paired comparison of two scores at predicting the same labels: the bootstrap interval of the difference of
 * their R^2, resampling prompts (so both scores always see the same prompts). Overlapping marginal intervals
 * say little about a difference; this interval says it directly.
 */
import { type BootstrapInterval, bootstrapInterval } from '@proj/isotropy';
import { LabInputError } from './errors.js';

/**
 * Pearson's r of the rows `idx` of x and y (all rows when `idx` is undefined); NaN when either is constant.
 *
 * @example
 * ```ts
 * pearsonAt([1, 2, 3], [2, 4, 6]); // 1
 * pearsonAt([1, 2, 3], [2, 4, 7], [0, 0, 2]); // 1 (rows 0, 0, 2 lie on a line)
 * ```
 */
export function pearsonAt(x: ArrayLike<number>, y: ArrayLike<number>, idx?: ArrayLike<number>): number {
  const n = idx ? idx.length : x.length;
  const at = (a: ArrayLike<number>, k: number) => a[idx ? idx[k] : k];
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mx += at(x, k);
    my += at(y, k);
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let k = 0; k < n; k++) {
    const dx = at(x, k) - mx;
    const dy = at(y, k) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * R^2(a ~ y) - R^2(b ~ y) with a paired percentile bootstrap interval over prompts (seeded; degenerate
 * resamples, where a column is constant, are skipped).
 *
 * @throws {LabInputError} when the columns differ in length or have fewer than 3 rows.
 * @example
 * ```ts
 * const d = r2Difference(isotropy, lexical, factuality, { reps: 1000, seed: 1 });
 * d.lower > 0; // isotropy explains more variance, beyond resampling noise
 * ```
 */
export function r2Difference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  y: ArrayLike<number>,
  options: { reps: number; seed: number; level?: number },
): BootstrapInterval {
  const n = y.length;
  if (a.length !== n || b.length !== n) {
    throw new LabInputError(
      `r2Difference: columns of ${a.length}, ${b.length} and ${n} rows; give one value per prompt.`,
    );
  }
  if (n < 3) throw new LabInputError(`r2Difference: needs at least 3 prompts, got ${n}.`);
  return bootstrapInterval(
    n,
    (idx) => {
      const ra = pearsonAt(a, y, idx);
      const rb = pearsonAt(b, y, idx);
      return ra * ra - rb * rb;
    },
    { reps: options.reps, seed: options.seed, level: options.level ?? 0.95 },
  );
}
