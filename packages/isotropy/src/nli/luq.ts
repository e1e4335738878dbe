import { abortable, throwIfAborted } from '../async/pool.js';
import { ResponseInputError } from '../errors.js';
import { checkResponses } from './check.js';
import { type Entailment, type EntailmentPair, entailDistinct } from './entailment.js';
import { splitSentences } from './sentences.js';

/** Options of {@link luq}. */
export interface LuqOptions {
  /**
   * Splits a response into the units that are checked ({@link splitSentences} by default). Return atomic facts
   * (e.g. from an LLM) instead to get LUQ-Atomic.
   */
  split?: (response: string) => readonly string[] | Promise<readonly string[]>;
  /** Cancels the computation; it rejects with an AbortError and starts no further entailment call. */
  signal?: AbortSignal;
}

/** Result of {@link luq}. */
export interface LuqResult {
  /** 1 - mean of `confidence`, in [0, 1]; higher = less trustworthy. */
  uncertainty: number;
  /** C(r_i) per sample: how well the other samples support its units, in [0, 1]. */
  confidence: number[];
  /** The units (sentences) of each sample that were checked. */
  units: string[][];
}

/**
 * LUQ, the long-text uncertainty of Zhang et al. 2024 ("LUQ: Long-text Uncertainty Quantification for LLMs",
 * arXiv 2403.20279). For N sampled responses r_1..r_N, with r_i split into units s_i1..s_im:
 *
 *   S(r_i, r_k) = (1/m) sum_j P(entail | premise r_k, hypothesis s_ij)     (k != i)
 *   C(r_i)      = (1/(N-1)) sum_{k != i} S(r_i, r_k)
 *   LUQ         = 1 - (1/N) sum_i C(r_i)
 *
 * i.e. 1 - the mean over samples of the mean over their sentences of the mean over the other samples of the
 * probability that the other sample entails the sentence. The premise is the whole other response and the
 * hypothesis one sentence, as in the authors' code. A response with no units (empty) has C = 0: it supports
 * nothing. All N(N-1)m distinct pairs go to the entailment model in one `entailsMany` call.
 *
 * @throws {ResponseInputError} on fewer than 2 responses or non-strings; {@link EntailmentError} when the model
 *   returns something other than one probability per pair; an AbortError on cancellation.
 * @example
 * ```ts
 * const { uncertainty, confidence } = await luq(answers, new LlmJudgeEntailment(model));
 * ```
 */
export async function luq(
  responses: readonly string[],
  entailment: Entailment,
  options: LuqOptions = {},
): Promise<LuqResult> {
  checkResponses('luq', responses);
  const { signal } = options;
  const split = options.split ?? splitSentences;
  const units: string[][] = [];
  for (const [i, r] of responses.entries()) {
    throwIfAborted(signal, 'luq');
    const u = await abortable(Promise.resolve(split(r)), signal, 'luq');
    if (!Array.isArray(u) || !u.every((s) => typeof s === 'string')) {
      throw new ResponseInputError(`luq: split(responses[${i}]) must return an array of strings.`);
    }
    units.push([...u]);
  }
  const n = responses.length;
  const pairs: EntailmentPair[] = [];
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      for (const s of units[i]) pairs.push({ premise: responses[k], hypothesis: s });
    }
  const probs = await entailDistinct(entailment, pairs, signal, 'luq');
  const confidence: number[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const m = units[i].length;
    if (m === 0) {
      confidence.push(0);
      continue;
    }
    let c = 0;
    for (let k = 0; k < n - 1; k++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += probs[at++];
      c += s / m;
    }
    confidence.push(c / (n - 1));
  }
  const mean = confidence.reduce((a, b) => a + b, 0) / n;
  return { uncertainty: 1 - mean, confidence, units };
}
