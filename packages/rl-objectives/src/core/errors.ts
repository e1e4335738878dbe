/**
 * Base class of every error this package throws for bad input (except pass@k's range error, which is a
 * `RangeError`). Catch it to handle any input problem at once.
 *
 * @example
 * ```ts
 * try {
 *   grpoAdvantages([1, Number.NaN], 2);
 * } catch (e) {
 *   if (e instanceof RlObjectivesError) console.error(e.message);
 * }
 * ```
 */
export class RlObjectivesError extends Error {
  /** Always `'RlObjectivesError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'RlObjectivesError';
}

/**
 * A value is NaN, infinite or outside its allowed range (e.g. a LENS reward outside [0, 1], a mask entry that
 * is not 0 or 1). The message names the array, the index and the fix.
 *
 * @example
 * ```ts
 * grpoAdvantages([1, Number.NaN, 0, 1], 2); // throws InvalidValueError: rewards[1] is NaN ...
 * ```
 */
export class InvalidValueError extends RlObjectivesError {
  /** Always `'InvalidValueError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'InvalidValueError';
}

/**
 * Array lengths do not fit together (rewards vs group ids, log-probs vs mask, a flat token matrix whose
 * length is not a multiple of `seqLen`, ...).
 *
 * @example
 * ```ts
 * rlooAdvantages([1, 0, 1], [0, 0]); // throws ShapeError: groups has 2 entries but rewards has 3 ...
 * ```
 */
export class ShapeError extends RlObjectivesError {
  /** Always `'ShapeError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'ShapeError';
}

/**
 * The grouping is unusable: no samples, a group size that does not divide the batch, a group of one sample
 * where the estimator needs two, ...
 *
 * @example
 * ```ts
 * grpoAdvantages([1, 0, 1], 2); // throws GroupError: 3 samples are not a multiple of group size 2 ...
 * ```
 */
export class GroupError extends RlObjectivesError {
  /** Always `'GroupError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'GroupError';
}

/**
 * A serialised {@link AnswerCounter} is malformed or was written with a different answer normaliser.
 *
 * @example
 * ```ts
 * AnswerCounter.fromJSON({ format: 'something-else' }); // throws CounterFormatError
 * ```
 */
export class CounterFormatError extends RlObjectivesError {
  /** Always `'CounterFormatError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'CounterFormatError';
}

/**
 * pass@k is undefined for these arguments (n < k, c > n, non-integers). Extends `RangeError`.
 *
 * @example
 * ```ts
 * passAtK(4, 1, 8); // throws PassAtKRangeError: pass@8 needs at least 8 samples, got n = 4 ...
 * ```
 */
export class PassAtKRangeError extends RangeError {
  /** Always `'PassAtKRangeError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'PassAtKRangeError';
}
