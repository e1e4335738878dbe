import { StatsInputError } from '../errors.js';

/** Numbers as statistics take them: any array-like of numbers (plain arrays, typed arrays). */
export type Numbers = ArrayLike<number>;

/**
 * Copy `values` into a Float64Array, throwing when an entry is not a finite number.
 * @throws {StatsInputError} naming the function, the argument and the first bad index.
 */
export function finiteCopy(fn: string, name: string, values: Numbers): Float64Array {
  if (values == null || typeof values.length !== 'number') {
    throw new StatsInputError(`${fn}: ${name} must be an array of numbers, got ${typeof values}.`);
  }
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StatsInputError(
        `${fn}: ${name}[${i}] is ${String(v)}; every value must be a finite number (drop or impute missing rows first).`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Throw unless `a` and `b` have the same length and at least `min` entries.
 * @throws {StatsInputError}
 */
export function assertPaired(fn: string, a: Numbers | readonly boolean[], b: Numbers, min: number): void {
  if (a.length !== b.length) {
    throw new StatsInputError(
      `${fn}: the two inputs have different lengths (${a.length} vs ${b.length}); pass one value per item in each.`,
    );
  }
  if (a.length < min) {
    throw new StatsInputError(`${fn}: needs at least ${min} items, got ${a.length}.`);
  }
}
