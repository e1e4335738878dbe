import { assertFinite, assertNonNegative, type NumericArray, outputArray } from '../core/arrays.js';
import { GroupError } from '../core/errors.js';
import { GroupIndex, type GroupSpec, groupMoments } from '../core/groups.js';
import { VERL_GRPO_EPS } from './grpo.js';

/**
 * Options of {@link bestOnlyAdvantages}.
 * @example
 * ```ts
 * const o: BestOnlyOptions = { scale: false };
 * ```
 */
export interface BestOnlyOptions {
  /** Divide by (group std + eps) like verl's `norm_adv_by_std_in_grpo`. Default true. */
  scale?: boolean;
  /** Default 1e-6 (verl). */
  eps?: number;
  /** Bessel-corrected std (torch.std). Default true. */
  bessel?: boolean;
  /** Write into this Float64Array instead of allocating. */
  out?: Float64Array;
}

/**
 * Best-only ("pass@k style", verl `grpo_passk`, arXiv 2503.19595) advantages: in each group only the
 * best sample gets a non-zero advantage, r_max - r_second, divided by (std + eps) when `scale` is on; all
 * others get 0. With a tie at the top the difference is 0, so which tied sample is "best" does not matter
 * (the first one is used).
 *
 * @throws {GroupError} for a group of fewer than 2 samples (verl raises too).
 * @example
 * ```ts
 * bestOnlyAdvantages([0.2, 0.9, 0.5], 3, { scale: false }); // [0, 0.4, 0]
 * ```
 */
export function bestOnlyAdvantages(
  rewards: NumericArray,
  groups: GroupSpec,
  options: BestOnlyOptions = {},
): Float64Array {
  const scale = options.scale ?? true;
  const eps = options.eps ?? VERL_GRPO_EPS;
  assertNonNegative(eps, 'eps');
  const n = rewards.length;
  const index = GroupIndex.from(groups, n);
  assertFinite(rewards, 'rewards');
  for (let g = 0; g < index.count; g++) {
    if (index.sizes[g] < 2) {
      throw new GroupError(
        `group ${JSON.stringify(index.keys[g])} has ${index.sizes[g]} sample; best-only advantages need at least 2 per group (the runner-up sets the margin).`,
      );
    }
  }
  const out = outputArray(n, options.out);
  out.fill(0);
  const std = scale ? groupMoments(rewards, index, options.bessel ?? true).std : null;
  // First pass: best (first argmax) and runner-up value per group.
  const count = index.count;
  const best = new Int32Array(count).fill(-1);
  const top = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
  const second = new Float64Array(count).fill(Number.NEGATIVE_INFINITY);
  const groupOf = index.uniformSize > 0 ? null : index.groupOf;
  const G = index.uniformSize;
  for (let i = 0; i < n; i++) {
    const g = groupOf === null ? (i / G) | 0 : groupOf[i];
    const r = rewards[i];
    if (r > top[g]) {
      second[g] = top[g];
      top[g] = r;
      best[g] = i;
    } else if (r > second[g]) {
      second[g] = r;
    }
  }
  for (let g = 0; g < count; g++) {
    const margin = top[g] - second[g];
    out[best[g]] = std === null ? margin : margin / (std[g] + eps);
  }
  return out;
}
