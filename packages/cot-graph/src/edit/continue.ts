import type { GenerateOptions, LanguageModel, Prompt } from '@proj/models';
import { CotInputError } from '../errors.js';

/** Builds the prompt a model continues from. */
export type ContinuationTemplate = (problem: string, prefix: string) => Prompt;

/**
 * The default template for raw-text (completion) models: the problem, then an open `<think>` block holding the
 * prefix, so the model continues its own reasoning.
 *
 * @example
 * ```ts
 * thinkTemplate('Solve 2x = 6.', 'Let x be...'); // 'Solve 2x = 6.\n\n<think>\nLet x be...'
 * ```
 */
export const thinkTemplate: ContinuationTemplate = (problem, prefix) => `${problem}\n\n<think>\n${prefix}`;

/**
 * A chat template: the problem as the user turn and the prefix as a partial assistant turn. Only servers that
 * continue a final assistant message (e.g. vLLM with `continue_final_message`) treat it as a prefix.
 *
 * @example
 * ```ts
 * await continueFromPrefix(model, { problem, prefix }, { template: chatPrefillTemplate });
 * ```
 */
export const chatPrefillTemplate: ContinuationTemplate = (problem, prefix) => [
  { role: 'user', content: problem },
  { role: 'assistant', content: prefix },
];

/** Result of {@link continueFromPrefix}. */
export interface Continuations {
  /** The prompt the model was given: the template applied to the problem and the prefix. */
  prompt: Prompt;
  /** The generated continuations. */
  continuations: string[];
  /** prefix + continuation, one per sample: complete edited traces. */
  traces: string[];
}

/**
 * Let any {@link LanguageModel} continue an edited prefix (the paper sampled 8 continuations per edit).
 *
 * @throws {CotInputError} when `problem` or `prefix` is not a string.
 *
 * @example
 * ```ts
 * const { prefix } = await pruneFailedBranches(trace, graph, { which: 'last' });
 * const { traces } = await continueFromPrefix(model, { problem, prefix }, { n: 8, seed: 1, maxNewTokens: 4096 });
 * ```
 */
export async function continueFromPrefix(
  model: LanguageModel,
  input: { problem: string; prefix: string },
  options: GenerateOptions & { template?: ContinuationTemplate } = {},
): Promise<Continuations> {
  if (typeof input.problem !== 'string' || typeof input.prefix !== 'string') {
    throw new CotInputError('continueFromPrefix needs { problem: string, prefix: string }.');
  }
  const { template = thinkTemplate, ...gen } = options;
  const prompt = template(input.problem, input.prefix);
  const out = await model.generate([prompt], gen);
  const continuations = (out[0] ?? []).map((g) => g.text);
  return { prompt, continuations, traces: continuations.map((c) => input.prefix + c) };
}
