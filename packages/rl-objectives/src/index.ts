/**
 * @proj/rl-objectives: RL objectives for LLM post-training. Numeric functions over plain typed arrays (group
 * advantages: GRPO, Dr.GRPO, RLOO, REINFORCE, REINFORCE++, best-only; LENS, AsymRE, outcome-based
 * exploration bonuses, KL estimators, unbiased pass@k, loss aggregation, PPO / CISPO / GSPO per-token losses
 * with gradients, DPO losses), usable with any trainer; the same losses as graph builders on @proj/runtime
 * (plus entropy, the soft-token Gaussian log-prob and DPO with implicit-reward metrics); an online RL trainer
 * over local decoders; and soft-token rollouts.
 *
 * @packageDocumentation
 */

export { type BestOnlyOptions, bestOnlyAdvantages } from './advantages/best-only.js';
export {
  drGrpoAdvantages,
  type GrpoOptions,
  groupStats,
  grpoAdvantages,
  type SingletonPolicy,
  TRL_GRPO_EPS,
  VERL_GRPO_EPS,
} from './advantages/grpo.js';
export {
  type ReinforceOptions,
  type ReinforcePlusPlusOptions,
  reinforceAdvantages,
  reinforcePlusPlusAdvantages,
} from './advantages/reinforce.js';
export { type RlooOptions, rlooAdvantages } from './advantages/rloo.js';
export { type AsymreOptions, asymreAdvantages } from './asymre/asymre.js';
export type { NumericArray } from './core/arrays.js';
export {
  CounterFormatError,
  GroupError,
  InvalidValueError,
  PassAtKRangeError,
  RlObjectivesError,
  ShapeError,
} from './core/errors.js';
export { GroupIndex, type GroupSpec } from './core/groups.js';
export { type DpoInput, type DpoLossType, type DpoOptions, type DpoResult, dpoLoss } from './dpo/dpo.js';
export { type AnswerNormaliser, extractBoxed, normaliseAnswer } from './exploration/answers.js';
export {
  type Answer,
  batchRepetitionPenalty,
  type ExplorationAdvantages,
  type ExplorationBonus,
  type ExplorationOptions,
  explorationAdvantages,
  explorationTokenAdvantages,
  type UcbOptions,
  type UcbVariant,
  ucbBonuses,
  zeroAllCorrectGroups,
} from './exploration/bonuses.js';
export { AnswerCounter, type AnswerCounterJSON, type AnswerCounterOptions } from './exploration/counter.js';
export { maskedAggregate, maskedTokenMean, sequenceSum } from './graph-losses/aggregate.js';
export { type DpoLossGraph, type DpoValues, dpoPairLoss } from './graph-losses/dpo.js';
export {
  cispoLoss,
  type GraphPolicyLossOptions,
  type PolicyLossGraph,
  type PolicyLossValues,
  type PpoClipOptions,
  policyGradientLoss,
  ppoClipLoss,
  reinforceLoss,
} from './graph-losses/policy.js';
export { klPenalty, tokenEntropy, tokenLogprobs } from './graph-losses/token-terms.js';
export { type KlEstimator, type KlOptions, klPenalizedRewards, klPerToken } from './kl/kl.js';
export {
  type LensAdvantageOptions,
  type LensAdvantages,
  type LensDEstimator,
  type LensRewardOptions,
  type LensRewards,
  lensAdvantages,
  lensCalibratedRewards,
  lensConfidence,
} from './lens/lens.js';
export {
  type AggregationOptions,
  aggregateLoss,
  aggregationWeights,
  type LossAggregation,
} from './losses/aggregate.js';
export {
  type PerTokenPolicyLoss,
  type PolicyLossInput,
  type PolicyLossKind,
  type PolicyLossOptions,
  policyLoss,
  policyLossPerToken,
} from './losses/policy.js';
export {
  broadcastToTokens,
  lengthsToMask,
  type MaskLike,
  maskedMean,
  maskedSum,
  maskedWhiten,
  maskLengths,
  type PaddedBatch,
  padRagged,
  spanMask,
} from './masks/masks.js';
export { meanPassAtK, passAtK, passAtKCurve } from './passk/passk.js';
export {
  gaussianLogprob,
  type SoftTokenValues,
  softTokenLogprob,
  softTokenMean,
} from './soft-tokens/logprob.js';
export {
  type SoftRollout,
  type SoftRolloutOptions,
  type SoftTokenMode,
  SoftTokenSampler,
} from './soft-tokens/rollout.js';
export { buildSoftTokenTrainingGraph, type PackedSoftBatch, packSoftRollouts } from './soft-tokens/train.js';
export { type PackedBatch, packSequences, TokenLogprobRecorder } from './trainer/batch.js';
export {
  ADVANTAGE_ESTIMATORS,
  type AdvantageContext,
  type AdvantageEstimatorName,
  type CustomAdvantageEstimator,
  type EstimatorOptions,
  estimateAdvantages,
} from './trainer/estimators.js';
export { buildPolicyTrainingGraph, type PolicyTrainingGraph, type RLLossOptions } from './trainer/graph.js';
export { type BatchOutcomeStats, batchOutcomeStats } from './trainer/metrics.js';
export {
  type PolicySpec,
  type RewardFunction,
  type RewardResult,
  type RLStepMetrics,
  type RLTask,
  RLTrainer,
  type RLTrainerOptions,
  type RolloutSample,
} from './trainer/rl-trainer.js';
export { compileWithLiveWeights, frozenModel, liveWeightsModel } from './trainer/sampler.js';
