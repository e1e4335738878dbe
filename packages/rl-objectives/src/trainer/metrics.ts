import { InvalidValueError } from '../core/errors.js';
import { type AnswerNormaliser, normaliseAnswer } from '../exploration/answers.js';
import type { Answer } from '../exploration/bonuses.js';
import { meanPassAtK } from '../passk/passk.js';

/**
 * Outcome statistics of one batch of groups (G samples per prompt), as RL trainers log them.
 * @example
 * ```ts
 * const s = batchOutcomeStats({ rewards, correct, answers, advantages, groupSize: 8, passK: [1, 8] });
 * s.passAtK[8]; s.rescuedGroups;
 * ```
 */
export interface BatchOutcomeStats {
  /** Mean reward. */
  reward: number;
  /** Population std of the rewards. */
  rewardStd: number;
  /** Fraction of correct samples. */
  accuracy: number;
  /** Mean over prompts of the unbiased pass@k (Chen et al.) from the G samples, for each requested k. */
  passAtK: Record<number, number>;
  /** Mean over prompts of the number of distinct (normalised) final answers; missing answers not counted. */
  distinctAnswers: number;
  /** Fraction of groups whose advantages are all 0 (no gradient from them). */
  zeroAdvantageGroupFraction: number;
  /** Groups whose rewards are all equal, where plain GRPO gives no gradient. */
  zeroSpreadGroups: number;
  /** Of those, groups that still got a non-zero advantage (what LENS or an exploration bonus rescues). */
  rescuedGroups: number;
}

/**
 * Compute {@link BatchOutcomeStats} for samples laid out in groups of `groupSize`.
 *
 * @throws {InvalidValueError} when the arrays disagree in length, the batch is not a whole number of groups,
 *   or a k exceeds the group size.
 * @example
 * ```ts
 * batchOutcomeStats({
 *   rewards: [1, 0, 0, 0], correct: [true, false, false, false], answers: ['7', '3', '3', null],
 *   advantages: [1.5, -0.5, -0.5, -0.5], groupSize: 4, passK: [1, 2],
 * }).distinctAnswers; // 2
 * ```
 */
export function batchOutcomeStats(args: {
  rewards: ArrayLike<number>;
  correct: ArrayLike<boolean>;
  answers: readonly Answer[];
  advantages: ArrayLike<number>;
  groupSize: number;
  passK: readonly number[];
  normalise?: AnswerNormaliser;
}): BatchOutcomeStats {
  const { rewards, correct, answers, advantages, groupSize: G, passK } = args;
  const n = rewards.length;
  if (!Number.isInteger(G) || G < 1 || n === 0 || n % G !== 0) {
    throw new InvalidValueError(`${n} samples are not a positive multiple of the group size ${G}.`);
  }
  if (correct.length !== n || answers.length !== n || advantages.length !== n) {
    throw new InvalidValueError(
      `rewards (${n}), correct (${correct.length}), answers (${answers.length}) and advantages (${advantages.length}) must have one entry per sample.`,
    );
  }
  for (const k of passK) {
    if (!Number.isInteger(k) || k < 1 || k > G) {
      throw new InvalidValueError(`pass@${k} needs 1 <= k <= group size ${G}; drop k = ${k} or sample more.`);
    }
  }
  const norm = args.normalise ?? normaliseAnswer;
  const groups = n / G;
  let sum = 0;
  let sq = 0;
  let right = 0;
  let distinct = 0;
  let zeroAdv = 0;
  let zeroSpread = 0;
  let rescued = 0;
  const cs = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const seen = new Set<string>();
    let allZero = true;
    let spread = false;
    for (let i = g * G; i < (g + 1) * G; i++) {
      const r = rewards[i];
      sum += r;
      sq += r * r;
      if (correct[i]) {
        right++;
        cs[g]++;
      }
      const a = answers[i];
      if (a !== null && a !== undefined) {
        const key = norm(a);
        if (key !== '') seen.add(key);
      }
      // 1e-12: a group mean of equal non-binary rewards can differ from them by one rounding step.
      if (Math.abs(advantages[i]) > 1e-12) allZero = false;
      if (r !== rewards[g * G]) spread = true;
    }
    distinct += seen.size;
    if (allZero) zeroAdv++;
    if (!spread) {
      zeroSpread++;
      if (!allZero) rescued++;
    }
  }
  const mean = sum / n;
  const passAtK: Record<number, number> = {};
  for (const k of passK) passAtK[k] = meanPassAtK(G, cs, k);
  return {
    reward: mean,
    rewardStd: Math.sqrt(Math.max(0, sq / n - mean * mean)),
    accuracy: right / n,
    passAtK,
    distinctAnswers: distinct / groups,
    zeroAdvantageGroupFraction: zeroAdv / groups,
    zeroSpreadGroups: zeroSpread,
    rescuedGroups: rescued,
  };
}
