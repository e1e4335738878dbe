import { StatsInputError } from '../errors.js';
import { averageRanksInto } from './rank.js';
import { assertPaired, finiteCopy, type Numbers } from './validate.js';

/**
 * Positive-class labels from factuality: `true` (positive = "not trustworthy") where factuality is strictly
 * below `threshold`. AUROC of a higher-is-less-trustworthy score against these labels is above 0.5 when the
 * score works.
 *
 * @throws {StatsInputError} on non-finite values or threshold.
 * @example
 * ```ts
 * binarizeBelow([0.9, 0.3, 0.5], 0.5); // [false, true, false]
 * ```
 */
export function binarizeBelow(values: Numbers, threshold: number): boolean[] {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new StatsInputError(`binarizeBelow: threshold must be a finite number, got ${String(threshold)}.`);
  }
  const xs = finiteCopy('binarizeBelow', 'values', values);
  return Array.from(xs, (v) => v < threshold);
}

/** AUROC on raw arrays; NaN when one class is empty. `ranks`/`order` are optional scratch buffers. */
export function aurocUnchecked(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean | number>,
  n = scores.length,
  ranks: Float64Array = new Float64Array(n),
  order: Uint32Array = new Uint32Array(n),
): number {
  averageRanksInto(scores, n, ranks, order);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) {
      nPos++;
      rankSum += ranks[i];
    }
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  // Mann-Whitney U of the positives; U / (nPos * nNeg) = P(score_pos > score_neg) + 0.5 P(tie).
  const u = rankSum - (nPos * (nPos + 1)) / 2;
  return u / (nPos * nNeg);
}

/**
 * Area under the ROC curve of `scores` for detecting `positive` items: the probability that a random positive
 * scores higher than a random negative, ties counting one half (the Mann-Whitney U statistic / (n+ n-)).
 *
 * @param scores one score per item; higher should mean "more likely positive".
 * @param positive one label per item (`true` = positive class).
 * @throws {StatsInputError} on length mismatch, non-finite scores, or when one class is empty.
 * @example
 * ```ts
 * auroc([0.9, 0.8, 0.3, 0.1], [true, false, true, false]); // 0.75
 * ```
 */
export function auroc(scores: Numbers, positive: readonly boolean[]): number {
  assertPaired('auroc', positive, scores, 2);
  const xs = finiteCopy('auroc', 'scores', scores);
  const a = aurocUnchecked(xs, positive);
  if (Number.isNaN(a)) {
    throw new StatsInputError(
      'auroc: all labels are in one class, so AUROC is undefined; choose a threshold that splits the data.',
    );
  }
  return a;
}

/** Points of an ROC curve, from (0, 0) to (1, 1). */
export interface RocCurve {
  /** False-positive rate at each point. */
  fpr: Float64Array;
  /** True-positive rate at each point. */
  tpr: Float64Array;
  /** Items with score >= threshold are called positive; the first point's threshold is +Infinity. */
  thresholds: Float64Array;
}

/**
 * The ROC curve of `scores` for `positive` labels: one point per distinct score (tied scores move together,
 * so ties give a diagonal segment), like scikit-learn's `roc_curve(drop_intermediate=False)`. Its trapezoid
 * area equals {@link auroc}.
 *
 * @throws {StatsInputError} as {@link auroc}.
 * @example
 * ```ts
 * const { fpr, tpr } = rocCurve([0.9, 0.8, 0.3, 0.1], [true, false, true, false]);
 * // fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1]
 * ```
 */
export function rocCurve(scores: Numbers, positive: readonly boolean[]): RocCurve {
  assertPaired('rocCurve', positive, scores, 2);
  const xs = finiteCopy('rocCurve', 'scores', scores);
  const n = xs.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) {
    throw new StatsInputError(
      'rocCurve: all labels are in one class; choose a threshold that splits the data.',
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => xs[b] - xs[a]);
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Number.POSITIVE_INFINITY];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < n) {
    const t = xs[order[i]];
    while (i < n && xs[order[i]] === t) {
      if (positive[order[i]]) tp++;
      else fp++;
      i++;
    }
    fpr.push(fp / nNeg);
    tpr.push(tp / nPos);
    thresholds.push(t);
  }
  return {
    fpr: Float64Array.from(fpr),
    tpr: Float64Array.from(tpr),
    thresholds: Float64Array.from(thresholds),
  };
}
