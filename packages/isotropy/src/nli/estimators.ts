import type { EstimatorDescriptor } from '../estimators/registry.js';
import type { Entailment } from './entailment.js';
import { type LuqOptions, luq } from './luq.js';
import { discreteSemanticEntropy } from './semantic-entropy.js';

/** Names of the NLI-based estimators. */
export type NliEstimatorName = 'luq' | 'semanticEntropy';

/** Options of {@link nliEstimators}. */
export interface NliEstimatorOptions {
  /** LUQ's unit splitter (sentences by default; atomic facts for LUQ-Atomic). */
  split?: LuqOptions['split'];
  /** Semantic entropy: P(entail) above this counts as entailment. Default 0.5. */
  threshold?: number;
  /**
   * Semantic entropy: prepend the prompt to each response before comparing (Farquhar et al.'s
   * `condition_on_question`). Default false: long-form answers carry their own context.
   */
  conditionOnPrompt?: boolean;
}

/**
 * LUQ ({@link luq}) as an estimator descriptor: needs the response texts, higher = less trustworthy, in [0, 1].
 *
 * @example
 * ```ts
 * await estimateAllAsync(undefined, answers, { estimators: [luqEstimator(judge)] }); // { luq: 0.31 }
 * ```
 */
export function luqEstimator(
  entailment: Entailment,
  options: Pick<NliEstimatorOptions, 'split'> = {},
): EstimatorDescriptor<'luq'> {
  return {
    name: 'luq',
    label: `LUQ (${entailment.id})`,
    direction: 'higher-less-trustworthy',
    needs: 'texts',
    range: '[0, 1]',
    fn: async (r, ctx) =>
      (await luq(r.texts, entailment, { split: options.split, signal: ctx.signal })).uncertainty,
  };
}

/**
 * Discrete semantic entropy ({@link discreteSemanticEntropy}) as an estimator descriptor: needs the response
 * texts, higher = less trustworthy, in [0, ln N].
 *
 * @example
 * ```ts
 * await estimateAllAsync(undefined, answers, { estimators: [semanticEntropyEstimator(judge)] });
 * ```
 */
export function semanticEntropyEstimator(
  entailment: Entailment,
  options: Pick<NliEstimatorOptions, 'threshold' | 'conditionOnPrompt'> = {},
): EstimatorDescriptor<'semanticEntropy'> {
  return {
    name: 'semanticEntropy',
    label: `Semantic entropy (${entailment.id})`,
    direction: 'higher-less-trustworthy',
    needs: 'texts',
    range: '[0, ln N]',
    fn: async (r, ctx) =>
      (
        await discreteSemanticEntropy(r.texts, entailment, {
          threshold: options.threshold,
          question: options.conditionOnPrompt ? r.prompt : undefined,
          signal: ctx.signal,
        })
      ).entropy,
  };
}

/**
 * Both NLI baselines over one entailment model, ready to append to `ESTIMATORS` for a side-by-side evaluation.
 *
 * @example
 * ```ts
 * const { report } = await evaluateRecords(records, { threshold: 0.5, estimators: [...ESTIMATORS, ...nliEstimators(judge)] });
 * ```
 */
export function nliEstimators(
  entailment: Entailment,
  options: NliEstimatorOptions = {},
): EstimatorDescriptor<NliEstimatorName>[] {
  return [luqEstimator(entailment, options), semanticEntropyEstimator(entailment, options)];
}
