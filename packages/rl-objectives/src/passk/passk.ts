import { describe, type NumericArray } from '../core/arrays.js';
import { PassAtKRangeError } from '../core/errors.js';

/**
 * Unbiased pass@k (Chen et al. 2021): the probability that at least one of k samples drawn without
 * replacement from n samples with c correct is correct, 1 - C(n-c, k) / C(n, k), computed stably as
 * 1 - prod_{i=n-c+1}^{n} (1 - k / i). Equals 1 when n - c < k.
 *
 * Unlike the HumanEval reference (which returns 1 whenever n - c < k, so also for n < k), n < k throws:
 * pass@k is not defined from fewer than k samples, and silently reporting 1 inflates results.
 *
 * @throws {PassAtKRangeError} (a RangeError) when n < k, c > n, k < 1 or an argument is not an integer.
 * @example
 * ```ts
 * passAtK(10, 3, 1);  // 0.3
 * passAtK(10, 3, 8);  // 1 (only 7 wrong samples)
 * passAtK(4, 1, 8);   // throws PassAtKRangeError
 * ```
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || n < 0)
    throw new PassAtKRangeError(`n must be a non-negative integer, got ${describe(n)}.`);
  if (!Number.isInteger(c) || c < 0 || c > n) {
    throw new PassAtKRangeError(`c must be an integer in [0, n = ${n}], got ${describe(c)}.`);
  }
  if (!Number.isInteger(k) || k < 1)
    throw new PassAtKRangeError(`k must be a positive integer, got ${describe(k)}.`);
  if (n < k) {
    throw new PassAtKRangeError(
      `pass@${k} needs at least ${k} samples, got n = ${n}; sample more or report pass@${n}.`,
    );
  }
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/**
 * Mean unbiased pass@k over problems: `ns[i]` samples (or one n for all) with `cs[i]` correct.
 * @throws {PassAtKRangeError} as {@link passAtK}, naming the problem; also for an empty list.
 * @example
 * ```ts
 * meanPassAtK(16, [0, 4, 16], 1); // (0 + 0.25 + 1) / 3
 * ```
 */
export function meanPassAtK(ns: number | NumericArray, cs: NumericArray, k: number): number {
  if (cs.length === 0) throw new PassAtKRangeError('no problems: cs is empty.');
  if (typeof ns !== 'number' && ns.length !== cs.length) {
    throw new PassAtKRangeError(
      `ns has ${ns.length} entries but cs has ${cs.length}; pass one n per problem (or a single n).`,
    );
  }
  let sum = 0;
  for (let i = 0; i < cs.length; i++) {
    try {
      sum += passAtK(typeof ns === 'number' ? ns : ns[i], cs[i], k);
    } catch (e) {
      if (e instanceof PassAtKRangeError) throw new PassAtKRangeError(`problem ${i}: ${e.message}`);
      throw e;
    }
  }
  return sum / cs.length;
}

/**
 * Mean pass@k for each k in `ks` (a pass@k curve, e.g. k = 1..32).
 * @example
 * ```ts
 * passAtKCurve(8, [2, 5], [1, 2, 4, 8]); // Float64Array of 4 values, increasing to 1
 * ```
 */
export function passAtKCurve(ns: number | NumericArray, cs: NumericArray, ks: NumericArray): Float64Array {
  const out = new Float64Array(ks.length);
  for (let j = 0; j < ks.length; j++) out[j] = meanPassAtK(ns, cs, ks[j]);
  return out;
}
