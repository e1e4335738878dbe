import { bestOnlyAdvantages } from '../advantages/best-only.js';
import { type GrpoOptions, grpoAdvantages } from '../advantages/grpo.js';
import { reinforceAdvantages, reinforcePlusPlusAdvantages } from '../advantages/reinforce.js';
import { rlooAdvantages } from '../advantages/rloo.js';
import { asymreAdvantages } from '../asymre/asymre.js';
import { assertFinite, type NumericArray } from '../core/arrays.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import type { AnswerNormaliser } from '../exploration/answers.js';
import { type Answer, type ExplorationBonus, explorationAdvantages } from '../exploration/bonuses.js';
import type { AnswerCounter } from '../exploration/counter.js';
import { type LensDEstimator, lensAdvantages, lensConfidence } from '../lens/lens.js';
import { padRagged } from '../masks/masks.js';

/**
 * The built-in advantage estimators of {@link RLTrainer} (the numeric API's, by the names `proj rl
 * advantages` uses): GRPO, Dr.GRPO, RLOO, REINFORCE (batch-mean or fixed baseline), REINFORCE++, best-only
 * (grpo_passk), LENS, AsymRE, and GRPO plus an outcome-based exploration bonus (UCB, UCB-Mean, UCB-Con,
 * batch repetition penalty).
 * @example
 * ```ts
 * const e: AdvantageEstimatorName = 'lens';
 * ```
 */
export type AdvantageEstimatorName =
  | 'grpo'
  | 'dr-grpo'
  | 'rloo'
  | 'reinforce'
  | 'reinforce-pp'
  | 'best-only'
  | 'lens'
  | 'asymre'
  | 'ucb'
  | 'ucb-mean'
  | 'ucb-con'
  | 'batch-explore';

/**
 * Every built-in estimator name, in documentation order.
 * @example
 * ```ts
 * ADVANTAGE_ESTIMATORS.includes('rloo'); // true
 * ```
 */
export const ADVANTAGE_ESTIMATORS: readonly AdvantageEstimatorName[] = [
  'grpo',
  'dr-grpo',
  'rloo',
  'reinforce',
  'reinforce-pp',
  'best-only',
  'lens',
  'asymre',
  'ucb',
  'ucb-mean',
  'ucb-con',
  'batch-explore',
];

/**
 * What an estimator sees of one batch: samples `[g * groupSize, (g + 1) * groupSize)` are the completions of
 * prompt g.
 * @example
 * ```ts
 * const custom = (ctx: AdvantageContext) => ctx.rewards.map((r) => r - 0.5);
 * ```
 */
export interface AdvantageContext {
  /** One reward per sample. */
  rewards: Float64Array;
  /** Samples per prompt (G). */
  groupSize: number;
  /** Question id of each sample (the task's `id`, else its prompt): keys the exploration counter. */
  questionIds: readonly string[];
  /** Final answer of each sample (null when none), for the exploration bonuses and distinct-answer counts. */
  answers: readonly Answer[];
  /**
   * Rollout-policy log-probs of each sample's trained tokens, the stop token included (the trainer records
   * the stop token's only for LENS and custom estimators, which read them).
   */
  logprobs: readonly (readonly number[])[];
  /** Number of trained tokens of each sample (the stop token included). */
  lengths: readonly number[];
}

/**
 * A user-supplied estimator: one advantage per sample (the "custom advantages" hook peers lack).
 * @example
 * ```ts
 * const centred: CustomAdvantageEstimator = ({ rewards }) => rewards.map((r) => r - 0.5);
 * ```
 */
export type CustomAdvantageEstimator = (ctx: AdvantageContext) => NumericArray;

/**
 * Options of the built-in estimators (each reads the ones that concern it; defaults as in the numeric API).
 * @example
 * ```ts
 * const o: EstimatorOptions = { eps: 1e-4, alpha: 0.25 };
 * ```
 */
export interface EstimatorOptions {
  /** GRPO-family epsilon (default 1e-6, verl; TRL uses 1e-4). */
  eps?: number;
  /** GRPO std scaling: 'group' (default), 'batch', 'none'. */
  scale?: GrpoOptions['scale'];
  /** REINFORCE baseline: 'batch-mean' (default) or a fixed number. */
  baseline?: number | 'batch-mean';
  /** REINFORCE++: subtract the group mean before whitening. Default false. */
  groupBaseline?: boolean;
  /** LENS weight of all-wrong groups. Default 0.25. */
  alpha?: number;
  /** LENS D(q) estimator. Default 'paper'. */
  dEstimator?: LensDEstimator;
  /** AsymRE: V = group mean + deltaV (default -0.1). */
  deltaV?: number;
  /** AsymRE: a fixed V instead of the group mean. */
  value?: number;
  /** Exploration: coefficient of the bonus (default 0.2). */
  c?: number;
  /** UCB-Con offset (default 0.5). */
  b0?: number;
  /** Exploration: the persistent answer counter (the trainer creates one when omitted). */
  counter?: AnswerCounter;
  /** Exploration: answer normaliser of the batch penalty. */
  normalise?: AnswerNormaliser;
  /** Exploration: a sample counts as correct when its reward exceeds this (default 0). */
  correctAbove?: number;
}

const EXPLORATION: Record<string, ExplorationBonus> = {
  ucb: 'ucb',
  'ucb-mean': 'ucb-mean',
  'ucb-con': 'ucb-con',
  'batch-explore': 'batch',
};

/**
 * Advantages of one batch with a built-in or custom estimator, through the numeric API (so the trainer and
 * `proj rl advantages` agree). Returns the advantages and, for LENS, the confidences it used.
 *
 * @throws {InvalidValueError} for an unknown estimator, a custom one returning non-finite values, or LENS
 *   rewards outside [0, 1]; {@link ShapeError} when a custom estimator returns the wrong length.
 * @example
 * ```ts
 * const { advantages } = estimateAdvantages('rloo', ctx);
 * ```
 */
export function estimateAdvantages(
  estimator: AdvantageEstimatorName | CustomAdvantageEstimator,
  ctx: AdvantageContext,
  options: EstimatorOptions = {},
): {
  /** One advantage per sample (sequence), in the order of `ctx.rewards`. */
  advantages: Float64Array;
  /** LENS only: each sequence's confidence pbar in (0, 1] (length-normalised probability). */
  confidence?: Float64Array;
} {
  const { rewards, groupSize: G } = ctx;
  if (typeof estimator === 'function') {
    const raw = estimator(ctx);
    if (raw === null || typeof raw !== 'object' || raw.length !== rewards.length) {
      throw new ShapeError(
        `the custom advantage estimator returned ${raw === null || typeof raw !== 'object' ? String(raw) : `${raw.length} values`} for ${rewards.length} samples; return one advantage per sample.`,
      );
    }
    assertFinite(raw, 'custom advantages');
    return { advantages: Float64Array.from(raw) };
  }
  const grpo = { eps: options.eps, scale: options.scale };
  switch (estimator) {
    case 'grpo':
      return { advantages: grpoAdvantages(rewards, G, grpo) };
    case 'dr-grpo':
      return { advantages: grpoAdvantages(rewards, G, { ...grpo, scale: 'none' }) };
    case 'rloo':
      return { advantages: rlooAdvantages(rewards, G) };
    case 'reinforce':
      return { advantages: reinforceAdvantages(rewards, { baseline: options.baseline ?? 'batch-mean' }) };
    case 'reinforce-pp':
      return {
        advantages: reinforcePlusPlusAdvantages(rewards, {
          baseline: options.groupBaseline ? 'group-mean' : 'none',
          groups: G,
          tokenCounts: ctx.lengths,
        }),
      };
    case 'best-only':
      return { advantages: bestOnlyAdvantages(rewards, G, { eps: options.eps }) };
    case 'lens': {
      const { values, mask, seqLen } = padRagged(ctx.logprobs);
      const confidence = lensConfidence(values, mask, seqLen);
      const res = lensAdvantages(rewards, confidence, G, {
        alpha: options.alpha,
        estimator: options.dEstimator,
        eps: options.eps,
      });
      return { advantages: res.advantages, confidence };
    }
    case 'asymre':
      return {
        advantages:
          options.value !== undefined
            ? asymreAdvantages(rewards, { value: options.value })
            : asymreAdvantages(rewards, { groups: G, deltaV: options.deltaV }),
      };
    case 'ucb':
    case 'ucb-mean':
    case 'ucb-con':
    case 'batch-explore': {
      const res = explorationAdvantages(rewards, [...ctx.questionIds], [...ctx.answers], {
        bonus: EXPLORATION[estimator],
        counter: options.counter,
        c: options.c,
        b0: options.b0,
        normalise: options.normalise,
        correctAbove: options.correctAbove,
        grpo: { eps: options.eps, scale: options.scale },
      });
      return { advantages: res.advantages };
    }
    default:
      throw new InvalidValueError(
        `estimator must be one of ${ADVANTAGE_ESTIMATORS.join(', ')} or a function, got ${String(estimator)}.`,
      );
  }
}
