import { StatsInputError } from '../errors.js';
import { pearsonUnchecked } from './ols.js';
import { assertPaired, finiteCopy, type Numbers } from './validate.js';

/**
 * 1-based ranks with ties given the average of the ranks they span (`scipy.stats.rankdata(method='average')`).
 * `order` is scratch space of length >= n (reused by callers that rank many times).
 */
export function averageRanksInto(
  values: ArrayLike<number>,
  n: number,
  out: Float64Array,
  order: Uint32Array = new Uint32Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) order[i] = i;
  const idx = order.subarray(0, n);
  idx.sort((a, b) => values[a] - values[b]);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    const v = values[idx[i]];
    while (j < n && values[idx[j]] === v) j++;
    // Positions i..j-1 (0-based) hold a tie group: ranks i+1..j average to (i + 1 + j) / 2.
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) out[idx[k]] = rank;
    i = j;
  }
  return out;
}

/**
 * Average ranks (1-based; ties share the mean of their positions), as `scipy.stats.rankdata` does by default.
 *
 * @throws {StatsInputError} on non-finite values.
 * @example
 * ```ts
 * averageRanks([10, 20, 20, 5]); // Float64Array [2, 3.5, 3.5, 1]
 * ```
 */
export function averageRanks(values: Numbers): Float64Array {
  const xs = finiteCopy('averageRanks', 'values', values);
  return averageRanksInto(xs, xs.length, new Float64Array(xs.length));
}

/** Spearman's rho on raw arrays, NaN when either side is constant; scratch buffers are optional. */
export function spearmanUnchecked(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n = x.length,
  scratch?: { rx: Float64Array; ry: Float64Array; order: Uint32Array },
): number {
  const s = scratch ?? { rx: new Float64Array(n), ry: new Float64Array(n), order: new Uint32Array(n) };
  averageRanksInto(x, n, s.rx, s.order);
  averageRanksInto(y, n, s.ry, s.order);
  return pearsonUnchecked(s.rx, s.ry, n);
}

/**
 * Spearman rank correlation: Pearson correlation of the average ranks (`scipy.stats.spearmanr`).
 * For an estimator where higher = less trustworthy, a useful one correlates negatively with factuality.
 *
 * @throws {StatsInputError} on length mismatch, fewer than 2 points, non-finite values, or a constant side.
 * @example
 * ```ts
 * spearman([0.1, 0.5, 0.9], [0.9, 0.6, 0.2]); // -1
 * ```
 */
export function spearman(x: Numbers, y: Numbers): number {
  assertPaired('spearman', x, y, 2);
  const xs = finiteCopy('spearman', 'x', x);
  const ys = finiteCopy('spearman', 'y', y);
  const rho = spearmanUnchecked(xs, ys);
  if (Number.isNaN(rho)) {
    throw new StatsInputError('spearman: one input is constant, so the rank correlation is undefined.');
  }
  return rho;
}
