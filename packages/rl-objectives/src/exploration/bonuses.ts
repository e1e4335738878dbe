import { type GrpoOptions, grpoAdvantages } from '../advantages/grpo.js';
import {
  assertFinite,
  assertFiniteScalar,
  assertLength,
  describe,
  type NumericArray,
} from '../core/arrays.js';
import { InvalidValueError } from '../core/errors.js';
import { GroupIndex, type GroupSpec } from '../core/groups.js';
import { type MaskLike, rowsOf } from '../masks/masks.js';
import { type AnswerNormaliser, normaliseAnswer } from './answers.js';
import { AnswerCounter } from './counter.js';

/**
 * A sample's final answer: a string, or `null` / `undefined` when none could be extracted (such samples get
 * bonus 0, are never counted and never match another answer).
 * @example
 * ```ts
 * const answers: Answer[] = ['42', null, '41'];
 * ```
 */
export type Answer = string | null | undefined;

/**
 * UCB variants of historical exploration:
 * - `'naive'`: b_i = min(1, 1 / sqrt(N(x, a_i)));
 * - `'mean'` (UCB-Mean): b_i minus the leave-one-out mean of the other samples' bonuses of the same question;
 * - `'con'` (UCB-Con, the paper's best): b_i - b0.
 * @example
 * ```ts
 * ucbBonuses(counter, ids, answers, { variant: 'con', b0: 0.5 });
 * ```
 */
export type UcbVariant = 'naive' | 'mean' | 'con';

/**
 * Options of {@link ucbBonuses}.
 * @example
 * ```ts
 * const o: UcbOptions = { variant: 'mean', countsFrom: 'before-batch' };
 * ```
 */
export interface UcbOptions {
  /** Default `'naive'`. */
  variant?: UcbVariant;
  /** UCB-Con's constant baseline. Default 0.5 (the paper also uses 1). */
  b0?: number;
  /**
   * Which counts N the bonus reads: `'after-batch'` (default: history plus this batch, so N >= 1 and an
   * answer repeated k times in its first batch gets 1/sqrt(k)) or `'before-batch'` (history only; an unseen
   * answer has N = 0 and gets the cap 1).
   */
  countsFrom?: 'after-batch' | 'before-batch';
  /** Add this batch's answers to the counter. Default true. */
  update?: boolean;
}

/**
 * Outcome-based historical exploration bonuses (UCB over final answers, arXiv 2509.06941) for one batch.
 * The question id of each sample also defines the groups (samples of one prompt).
 *
 * @example
 * ```ts
 * const counter = new AnswerCounter();
 * ucbBonuses(counter, ['q', 'q', 'q', 'q'], ['1', '1', '2', null]);
 * // N('1') = 2, N('2') = 1 -> [0.7071, 0.7071, 1, 0]
 * ```
 */
export function ucbBonuses(
  counter: AnswerCounter,
  questionIds: readonly string[],
  answers: readonly Answer[],
  options: UcbOptions = {},
): Float64Array {
  if (!(counter instanceof AnswerCounter)) {
    throw new InvalidValueError('ucbBonuses needs an AnswerCounter (the persistent history of answers).');
  }
  const variant = options.variant ?? 'naive';
  if (variant !== 'naive' && variant !== 'mean' && variant !== 'con') {
    throw new InvalidValueError(`variant must be 'naive', 'mean' or 'con', got ${describe(variant)}.`);
  }
  const b0 = options.b0 ?? 0.5;
  assertFiniteScalar(b0, 'b0');
  const countsFrom = options.countsFrom ?? 'after-batch';
  if (countsFrom !== 'after-batch' && countsFrom !== 'before-batch') {
    throw new InvalidValueError(
      `countsFrom must be 'after-batch' or 'before-batch', got ${describe(countsFrom)}.`,
    );
  }
  const n = questionIds.length;
  const index = GroupIndex.from(questionIds, n);
  assertLength(answers, n, 'answers', 'questionIds');
  const keys: (string | null)[] = new Array(n);
  // Occurrences of each (question, class) in this batch, for 'after-batch' counts without mutating first.
  const inBatch = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = counter.key(answers[i]);
    keys[i] = k;
    if (k !== null) {
      const key = `${questionIds[i]}\u0000${k}`;
      inBatch.set(key, (inBatch.get(key) ?? 0) + 1);
    }
  }
  const bonus = new Float64Array(n);
  const hasAnswer = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k === null) continue;
    hasAnswer[i] = 1;
    let N = counter.countKey(questionIds[i], k);
    if (countsFrom === 'after-batch') N += inBatch.get(`${questionIds[i]}\u0000${k}`) ?? 0;
    bonus[i] = N <= 0 ? 1 : Math.min(1, 1 / Math.sqrt(N));
  }
  if (options.update ?? true) {
    for (const [key, times] of inBatch) {
      const cut = key.indexOf('\u0000');
      // The keys are normalised already; a user normaliser need not be idempotent, so add them as keys.
      counter.addKey(key.slice(0, cut), key.slice(cut + 1), times);
    }
  }
  if (variant === 'con') {
    for (let i = 0; i < n; i++) if (hasAnswer[i]) bonus[i] -= b0;
  } else if (variant === 'mean') {
    const sum = new Float64Array(index.count);
    const cnt = new Float64Array(index.count);
    const groupOf = index.groupOf;
    for (let i = 0; i < n; i++) {
      if (!hasAnswer[i]) continue;
      sum[groupOf[i]] += bonus[i];
      cnt[groupOf[i]] += 1;
    }
    for (let i = 0; i < n; i++) {
      if (!hasAnswer[i]) continue;
      const g = groupOf[i];
      const others = cnt[g] - 1;
      // With no other answered sample there is nothing to compare against: bonus 0.
      bonus[i] = others > 0 ? bonus[i] - (sum[g] - bonus[i]) / others : 0;
    }
  }
  return bonus;
}

/**
 * Outcome-based batch exploration penalty: b_i = -(1/n) * #{j != i in the same group : a_j = a_i}, n the
 * group size (arXiv 2509.06941). Answers are compared after normalisation; missing answers never match.
 * Groups are given by the question id of each sample.
 *
 * @example
 * ```ts
 * batchRepetitionPenalty(['q', 'q', 'q', 'q'], ['1', '1', '1', '2']); // [-0.5, -0.5, -0.5, 0]
 * ```
 */
export function batchRepetitionPenalty(
  questionIds: readonly string[],
  answers: readonly Answer[],
  options: { normalise?: AnswerNormaliser } = {},
): Float64Array {
  const n = questionIds.length;
  const index = GroupIndex.from(questionIds, n);
  assertLength(answers, n, 'answers', 'questionIds');
  const keyOf = new AnswerCounter({ normalise: options.normalise ?? normaliseAnswer });
  const counts = new Map<string, number>();
  const keys: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = keyOf.key(answers[i]);
    keys[i] = k === null ? null : `${index.groupOf[i]}\u0000${k}`;
    if (keys[i] !== null) counts.set(keys[i] as string, (counts.get(keys[i] as string) ?? 0) + 1);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k === null) continue;
    const same = (counts.get(k) ?? 1) - 1;
    out[i] = same === 0 ? 0 : -same / index.sizes[index.groupOf[i]];
  }
  return out;
}

/**
 * Zero the bonuses of groups in which every sample is correct (reward > `correctAbove`), as the paper does:
 * exploration should not push solved questions away from their correct answer. Returns a new array.
 *
 * @example
 * ```ts
 * zeroAllCorrectGroups([0.5, 0.2, 0.7, 0.1], [1, 1, 1, 0], 2); // [0, 0, 0.7, 0.1]
 * ```
 */
export function zeroAllCorrectGroups(
  bonuses: NumericArray,
  rewards: NumericArray,
  groups: GroupSpec,
  options: { correctAbove?: number } = {},
): Float64Array {
  const n = rewards.length;
  const index = GroupIndex.from(groups, n);
  assertLength(bonuses, n, 'bonuses', 'rewards');
  assertFinite(rewards, 'rewards');
  assertFinite(bonuses, 'bonuses');
  const threshold = options.correctAbove ?? 0;
  assertFiniteScalar(threshold, 'correctAbove');
  const anyWrong = new Uint8Array(index.count);
  const groupOf = index.groupOf;
  for (let i = 0; i < n; i++) if (!(rewards[i] > threshold)) anyWrong[groupOf[i]] = 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = anyWrong[groupOf[i]] ? bonuses[i] : 0;
  return out;
}

/**
 * Exploration bonus kinds for {@link explorationAdvantages}: the three UCB variants and the batch penalty.
 * @example
 * ```ts
 * const kind: ExplorationBonus = 'ucb-con';
 * ```
 */
export type ExplorationBonus = 'ucb' | 'ucb-mean' | 'ucb-con' | 'batch';

/**
 * Options of {@link explorationAdvantages}.
 * @example
 * ```ts
 * const o: ExplorationOptions = { bonus: 'ucb-con', counter: new AnswerCounter(), c: 0.2, b0: 0.5 };
 * ```
 */
export interface ExplorationOptions extends Pick<UcbOptions, 'b0' | 'countsFrom' | 'update'> {
  /** Which bonus to add: `'ucb'`, `'ucb-mean'`, `'ucb-con'` (historical, need `counter`) or `'batch'`. */
  bonus: ExplorationBonus;
  /** Required for the UCB bonuses. */
  counter?: AnswerCounter;
  /** Coefficient of the bonus added to the GRPO advantage. Default 0.2. */
  c?: number;
  /** Zero bonuses in all-correct groups. Default true. */
  zeroAllCorrect?: boolean;
  /** A sample is correct when its reward exceeds this. Default 0 (fits 0/1 and -1/+1 rewards). */
  correctAbove?: number;
  /** Options of the base GRPO advantage. */
  grpo?: Omit<GrpoOptions, 'out'>;
  /** Answer normaliser of the batch penalty (the UCB bonuses use the counter's). */
  normalise?: AnswerNormaliser;
}

/**
 * Result of {@link explorationAdvantages}.
 * @example
 * ```ts
 * const { advantages, baseAdvantages, bonuses } = explorationAdvantages(r, ids, answers, opts);
 * ```
 */
export interface ExplorationAdvantages {
  /** baseAdvantages + c * bonuses. */
  advantages: Float64Array;
  /** The GRPO advantages. */
  baseAdvantages: Float64Array;
  /** The bonuses (after zeroing all-correct groups), before multiplying by c. */
  bonuses: Float64Array;
}

/**
 * GRPO advantage plus c times an outcome-based exploration bonus (UCB / UCB-Mean / UCB-Con with the
 * persistent counter, or the batch repetition penalty), zeroed in all-correct groups. For the paper's
 * answer-token masking, spread to tokens with {@link explorationTokenAdvantages}.
 *
 * @example
 * ```ts
 * const counter = new AnswerCounter();
 * const { advantages } = explorationAdvantages([1, 0, 0, 0], ['q', 'q', 'q', 'q'], ['7', '3', '3', null],
 *   { bonus: 'ucb-con', counter });
 * ```
 */
export function explorationAdvantages(
  rewards: NumericArray,
  questionIds: readonly string[],
  answers: readonly Answer[],
  options: ExplorationOptions,
): ExplorationAdvantages {
  const c = options.c ?? 0.2;
  assertFiniteScalar(c, 'c');
  const n = rewards.length;
  const index = GroupIndex.from(questionIds, n);
  const baseAdvantages = grpoAdvantages(rewards, index, options.grpo);
  let raw: Float64Array;
  switch (options.bonus) {
    case 'ucb':
    case 'ucb-mean':
    case 'ucb-con': {
      if (options.counter === undefined) {
        throw new InvalidValueError(
          `bonus '${options.bonus}' needs options.counter (an AnswerCounter kept across steps).`,
        );
      }
      const variant = options.bonus === 'ucb' ? 'naive' : options.bonus === 'ucb-mean' ? 'mean' : 'con';
      raw = ucbBonuses(options.counter, questionIds, answers, {
        variant,
        b0: options.b0,
        countsFrom: options.countsFrom,
        update: options.update,
      });
      break;
    }
    case 'batch':
      raw = batchRepetitionPenalty(questionIds, answers, { normalise: options.normalise });
      break;
    default:
      throw new InvalidValueError(
        `bonus must be 'ucb', 'ucb-mean', 'ucb-con' or 'batch', got ${describe((options as { bonus: unknown }).bonus)}.`,
      );
  }
  const bonuses =
    (options.zeroAllCorrect ?? true)
      ? zeroAllCorrectGroups(raw, rewards, index, { correctAbove: options.correctAbove })
      : raw;
  const advantages = new Float64Array(n);
  for (let i = 0; i < n; i++) advantages[i] = baseAdvantages[i] + c * bonuses[i];
  return { advantages, baseAdvantages, bonuses };
}

/**
 * Per-token advantages with answer-token masking: A[b, t] = base_b + c * bonus_b on reasoning tokens and
 * base_b alone on answer tokens (answerMask = 1), 0 on padding. The exploration bonus thus trains only the
 * path to the answer, not the answer string itself.
 *
 * @example
 * ```ts
 * explorationTokenAdvantages({ base: [1], bonuses: [0.5], c: 0.2, mask: [1, 1, 1], answerMask: [0, 0, 1], seqLen: 3 });
 * // [1.1, 1.1, 1]
 * ```
 */
export function explorationTokenAdvantages(args: {
  base: NumericArray;
  bonuses: NumericArray;
  c?: number;
  mask: MaskLike;
  answerMask: MaskLike;
  seqLen: number;
}): Float64Array {
  const { base, bonuses, mask, answerMask, seqLen } = args;
  const c = args.c ?? 0.2;
  assertFiniteScalar(c, 'c');
  const batch = rowsOf(mask, mask, seqLen, 'mask');
  rowsOf(answerMask, answerMask, seqLen, 'answerMask');
  assertLength(answerMask, mask.length, 'answerMask', 'mask');
  assertLength(base, batch, 'base', 'the mask rows');
  assertLength(bonuses, batch, 'bonuses', 'the mask rows');
  assertFinite(base, 'base');
  assertFinite(bonuses, 'bonuses');
  const out = new Float64Array(mask.length);
  for (let b = 0; b < batch; b++) {
    const withBonus = base[b] + c * bonuses[b];
    for (let t = b * seqLen; t < (b + 1) * seqLen; t++) {
      if (mask[t] === 0) continue;
      out[t] = answerMask[t] === 1 ? base[b] : withBonus;
    }
  }
  return out;
}
