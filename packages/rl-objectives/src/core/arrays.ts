import { InvalidValueError, ShapeError } from './errors.js';

/**
 * Any array of numbers the numeric API accepts: `Float64Array`, `Float32Array`, `number[]`, ...
 * Outputs are always `Float64Array`.
 *
 * @example
 * ```ts
 * const rewards: NumericArray = new Float64Array([1, 0, 0, 1]);
 * ```
 */
export type NumericArray = ArrayLike<number>;

/**
 * Throw {@link InvalidValueError} naming the first non-finite entry of `values`.
 * @example
 * ```ts
 * assertFinite([1, Number.NaN], 'rewards'); // throws: rewards[1] is NaN ...
 * ```
 */
export function assertFinite(values: NumericArray, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // x - x is NaN exactly for NaN and +-Infinity; the typeof check catches strings/null in plain arrays.
    if (typeof x !== 'number' || x - x !== 0) {
      throw new InvalidValueError(
        `${what}[${i}] is ${describe(x)}; every value must be a finite number. Filter or repair that sample first.`,
      );
    }
  }
}

/**
 * Throw {@link ShapeError} unless `values.length === expected`.
 * @example
 * ```ts
 * assertLength(groups, rewards.length, 'groups', 'rewards');
 * ```
 */
export function assertLength(
  values: { readonly length: number },
  expected: number,
  what: string,
  against: string,
): void {
  if (values.length !== expected) {
    throw new ShapeError(
      `${what} has ${values.length} entries but ${against} has ${expected}; pass one ${what.replace(/s$/, '')} per entry of ${against}.`,
    );
  }
}

/**
 * Throw {@link InvalidValueError} unless `x` is a finite number (for scalar options).
 * @example
 * ```ts
 * assertFiniteScalar(options.alpha, 'alpha');
 * ```
 */
export function assertFiniteScalar(x: number, what: string): void {
  if (typeof x !== 'number' || x - x !== 0) {
    throw new InvalidValueError(`${what} must be a finite number, got ${describe(x)}.`);
  }
}

/**
 * Throw {@link InvalidValueError} unless `x` is a finite number >= 0.
 * @example
 * ```ts
 * assertNonNegative(eps, 'eps');
 * ```
 */
export function assertNonNegative(x: number, what: string): void {
  assertFiniteScalar(x, what);
  if (x < 0) throw new InvalidValueError(`${what} must be >= 0, got ${x}.`);
}

/**
 * Output buffer: the caller's `out` (checked) or a fresh Float64Array.
 * @example
 * ```ts
 * const out = outputArray(rewards.length, options.out);
 * ```
 */
export function outputArray(n: number, out: Float64Array | undefined): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (!(out instanceof Float64Array) || out.length !== n) {
    throw new ShapeError(
      `out must be a Float64Array of length ${n}, got ${out instanceof Float64Array ? `length ${out.length}` : typeof out}.`,
    );
  }
  return out;
}

/**
 * Human wording of a bad value for error messages.
 * @example
 * ```ts
 * describe(Number.NaN); // 'NaN'
 * ```
 */
export function describe(x: unknown): string {
  if (typeof x === 'number') {
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
    return String(x);
  }
  if (x === undefined) return 'undefined (missing)';
  if (x === null) return 'null';
  return `${typeof x} ${JSON.stringify(x)}`;
}

/**
 * Throw {@link InvalidValueError} unless `value` is one of `allowed`; returns it typed.
 * @example
 * ```ts
 * const scale = oneOf(options.scale ?? 'group', ['group', 'batch', 'none'] as const, 'scale');
 * ```
 */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new InvalidValueError(
      `${what} must be ${allowed.map((a) => `'${a}'`).join(', ')}; got ${describe(value)}.`,
    );
  }
  return value as T;
}
