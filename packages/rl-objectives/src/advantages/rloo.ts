import { assertFinite, type NumericArray, outputArray } from '../core/arrays.js';
import { GroupIndex, type GroupSpec } from '../core/groups.js';
import { handleSingleton, type SingletonPolicy, singletonPolicy } from './grpo.js';

/**
 * Options of {@link rlooAdvantages}.
 * @example
 * ```ts
 * const o: RlooOptions = { singletons: 'error' };
 * ```
 */
export interface RlooOptions {
  /** Groups of one sample (no other sample to form a baseline): see {@link SingletonPolicy}. Default `'zero'`. */
  singletons?: SingletonPolicy;
  /** Write into this Float64Array instead of allocating. */
  out?: Float64Array;
}

/**
 * RLOO (REINFORCE leave-one-out) advantages: A_i = r_i - (sum_{j != i} r_j) / (G - 1), the mean of the
 * other samples of the same prompt (TRL `RLOOTrainer`, verl `compute_rloo_outcome_advantage`; equal to
 * G / (G - 1) * (r_i - mean)). No std scaling.
 *
 * @example
 * ```ts
 * rlooAdvantages([1, 0, 0, 0], 4); // [1, -1/3, -1/3, -1/3]
 * ```
 */
export function rlooAdvantages(
  rewards: NumericArray,
  groups: GroupSpec,
  options: RlooOptions = {},
): Float64Array {
  const singletons = singletonPolicy(options.singletons);
  const n = rewards.length;
  const index = GroupIndex.from(groups, n);
  assertFinite(rewards, 'rewards');
  const out = outputArray(n, options.out);
  const G = index.uniformSize;
  if (G > 0) {
    if (G === 1) {
      if (index.count > 0) handleSingleton(singletons, index, 0);
      for (let i = 0; i < n; i++) out[i] = singletons === 'verl' ? rewards[i] : 0;
      return out;
    }
    const k = 1 / (G - 1);
    for (let s = 0; s < n; s += G) {
      let sum = 0;
      for (let i = s; i < s + G; i++) sum += rewards[i];
      for (let i = s; i < s + G; i++) {
        const r = rewards[i];
        out[i] = r - (sum - r) * k;
      }
    }
    return out;
  }
  const sums = new Float64Array(index.count);
  const groupOf = index.groupOf;
  const sizes = index.sizes;
  for (let i = 0; i < n; i++) sums[groupOf[i]] += rewards[i];
  for (let g = 0; g < index.count; g++) if (sizes[g] === 1) handleSingleton(singletons, index, g);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i];
    const size = sizes[g];
    const r = rewards[i];
    if (size === 1) out[i] = singletons === 'verl' ? r : 0;
    else out[i] = r - (sums[g] - r) / (size - 1);
  }
  return out;
}
