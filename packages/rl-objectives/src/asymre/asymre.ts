import { reinforceAdvantages } from '../advantages/reinforce.js';
import { assertFinite, assertFiniteScalar, type NumericArray, outputArray } from '../core/arrays.js';
import { InvalidValueError } from '../core/errors.js';
import { GroupIndex, type GroupSpec, groupMoments } from '../core/groups.js';

/**
 * Options of {@link asymreAdvantages}: either `groups` (+ `deltaV`) for the LLM form, or a fixed `value` V.
 * @example
 * ```ts
 * const llm: AsymreOptions = { groups: 8, deltaV: -0.1 };
 * const bandit: AsymreOptions = { value: 0.5 };
 * ```
 */
export type AsymreOptions =
  | {
      /** How samples are grouped (one group per prompt); V = group mean + deltaV. */
      groups: GroupSpec;
      /** Offset of V from the group mean. Default -0.1 (keep it negative: deltaV >= 0 collapsed). */
      deltaV?: number;
      /** Not allowed with `groups`: the two forms are exclusive. */
      value?: undefined;
      /** Write into this Float64Array instead of allocating. */
      out?: Float64Array;
    }
  | {
      /** The fixed baseline V: one number, or one value per sample. */
      value: number | NumericArray;
      /** Not allowed with `value`: the two forms are exclusive. */
      groups?: undefined;
      /** Not used with `value` (it offsets the group-mean baseline only). */
      deltaV?: undefined;
      /** Write into this Float64Array instead of allocating. */
      out?: Float64Array;
    };

/**
 * AsymRE advantages (arXiv 2506.20520): off-policy REINFORCE with a tunable baseline, A = r - V, trained
 * with loss -log pi(y) * A and no importance ratio. LLM form: V = group mean + deltaV (default deltaV = -0.1,
 * the stable choice; deltaV >= 0 collapsed in every reported run), so A_i = r_i - mean_g - deltaV. With a
 * fixed `value`, A = r - V (keep V slightly below the behaviour policy's expected reward).
 * A group of one sample gets A = -deltaV (its own reward is its mean).
 *
 * @example
 * ```ts
 * asymreAdvantages([1, -1, -1, 1], { groups: 4 });        // mean 0 -> [1.1, -0.9, -0.9, 1.1]
 * asymreAdvantages([0.9, 0.2], { value: 0.5 });           // [0.4, -0.3]
 * ```
 */
export function asymreAdvantages(rewards: NumericArray, options: AsymreOptions): Float64Array {
  if (options === null || typeof options !== 'object') {
    throw new InvalidValueError('asymreAdvantages needs options: { groups, deltaV? } or { value }.');
  }
  if (options.value !== undefined) {
    if (options.groups !== undefined) {
      throw new InvalidValueError(
        'pass either groups (V = group mean + deltaV) or value (a fixed V), not both.',
      );
    }
    return reinforceAdvantages(rewards, { baseline: options.value, out: options.out });
  }
  if (options.groups === undefined) {
    throw new InvalidValueError(
      'asymreAdvantages needs groups (V = group mean + deltaV) or value (a fixed V).',
    );
  }
  const deltaV = options.deltaV ?? -0.1;
  assertFiniteScalar(deltaV, 'deltaV');
  const n = rewards.length;
  const index = GroupIndex.from(options.groups, n);
  assertFinite(rewards, 'rewards');
  const out = outputArray(n, options.out);
  const { mean } = groupMoments(rewards, index, false);
  const G = index.uniformSize;
  const groupOf = G > 0 ? null : index.groupOf;
  for (let i = 0; i < n; i++)
    out[i] = rewards[i] - (mean[groupOf === null ? (i / G) | 0 : groupOf[i]] + deltaV);
  return out;
}
