import { abortable, mapPool, throwIfAborted } from '../async/pool.js';
import { EntailmentError } from '../errors.js';

/** A premise and a hypothesis: does the premise entail the hypothesis? */
export interface EntailmentPair {
  /** The text taken as given (in LUQ: another sampled response, whole). */
  premise: string;
  /** The text whose entailment by the premise is judged (in LUQ: one sentence of the scored response). */
  hypothesis: string;
}

/** Options of an entailment call. */
export interface EntailmentCallOptions {
  /** Cancels the call; it rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * A natural-language-inference model as the NLI baselines use it: the probability that a premise entails a
 * hypothesis (for a 3-class MNLI cross-encoder, LUQ's choice is P(entail) / (P(entail) + P(contradict))). The
 * batched form is what the baselines call (one batch per step, so implementations can batch model calls);
 * {@link entailmentFromFunction} builds both from a single-pair function.
 *
 * @example
 * ```ts
 * const judge: Entailment = new LlmJudgeEntailment(model);
 * await judge.entails('Paris is the capital of France.', 'France has a capital.'); // 1
 * await judge.entailsMany([{ premise: 'It rained.', hypothesis: 'The street is dry.' }]); // [0]
 * ```
 */
export interface Entailment {
  /** A human-readable id, for reports. */
  readonly id: string;
  /** P(premise entails hypothesis), in [0, 1]. */
  entails(premise: string, hypothesis: string, options?: EntailmentCallOptions): Promise<number>;
  /** P(entails) for every pair, in order. */
  entailsMany(pairs: readonly EntailmentPair[], options?: EntailmentCallOptions): Promise<number[]>;
}

/** Options of {@link entailmentFromFunction}. */
export interface EntailmentFromFunctionOptions {
  /** The entailment's id. Default `'custom'`. */
  id?: string;
  /** Pairs in flight at most in `entailsMany`. Default 8. */
  concurrency?: number;
}

/**
 * An {@link Entailment} from a function scoring one pair (e.g. a call to an NLI service); `entailsMany` runs it
 * over the pairs with a concurrency limit, preserving order.
 *
 * @example
 * ```ts
 * const nli = entailmentFromFunction(async (p, h) => (await myNliService(p, h)).entailment, { concurrency: 16 });
 * ```
 */
export function entailmentFromFunction(
  fn: (premise: string, hypothesis: string, options: EntailmentCallOptions) => Promise<number> | number,
  options: EntailmentFromFunctionOptions = {},
): Entailment {
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new EntailmentError(`concurrency must be an integer >= 1, got ${String(concurrency)}.`);
  }
  const id = options.id ?? 'custom';
  const one = async (premise: string, hypothesis: string, signal?: AbortSignal): Promise<number> =>
    checkProbability(await fn(premise, hypothesis, { signal }), id, premise, hypothesis);
  return {
    id,
    async entails(premise, hypothesis, callOptions = {}) {
      throwIfAborted(callOptions.signal, 'entails');
      return abortable(one(premise, hypothesis, callOptions.signal), callOptions.signal, 'entails');
    },
    entailsMany(pairs, callOptions = {}) {
      checkPairs(pairs);
      return mapPool(pairs, concurrency, (p, _i, signal) => one(p.premise, p.hypothesis, signal), {
        signal: callOptions.signal,
        what: 'entailsMany',
      });
    },
  };
}

function excerpt(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** `p` when it is a probability, else an EntailmentError naming the pair. */
export function checkProbability(p: unknown, id: string, premise: string, hypothesis: string): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new EntailmentError(
      `entailment '${id}' returned ${String(p)} for premise ${excerpt(premise)} and hypothesis ` +
        `${excerpt(hypothesis)}; it must return a probability in [0, 1].`,
    );
  }
  return p;
}

/** Throws an EntailmentError unless `pairs` is an array of {premise, hypothesis} strings. */
export function checkPairs(pairs: readonly EntailmentPair[]): void {
  if (!Array.isArray(pairs))
    throw new EntailmentError('entailsMany takes an array of {premise, hypothesis}.');
  pairs.forEach((p, i) => {
    if (typeof p?.premise !== 'string' || typeof p?.hypothesis !== 'string') {
      throw new EntailmentError(`pairs[${i}] must be {premise: string, hypothesis: string}.`);
    }
  });
}

/**
 * Calls `entailment.entailsMany` once for the distinct pairs among `pairs` (sampled answers repeat often, and
 * every repeat would cost a model call) and checks what comes back: one probability in [0, 1] per pair.
 */
export async function entailDistinct(
  entailment: Entailment,
  pairs: readonly EntailmentPair[],
  signal: AbortSignal | undefined,
  what: string,
): Promise<number[]> {
  throwIfAborted(signal, what);
  const keyOf = (p: EntailmentPair) => `${p.premise.length}:${p.premise}\u0000${p.hypothesis}`;
  const index = new Map<string, number>();
  const distinct: EntailmentPair[] = [];
  const slot = pairs.map((p) => {
    const k = keyOf(p);
    let s = index.get(k);
    if (s === undefined) {
      s = distinct.length;
      index.set(k, s);
      distinct.push(p);
    }
    return s;
  });
  if (distinct.length === 0) return [];
  const probs = await abortable(entailment.entailsMany(distinct, { signal }), signal, what);
  if (!Array.isArray(probs) || probs.length !== distinct.length) {
    throw new EntailmentError(
      `entailment '${entailment.id}' returned ${Array.isArray(probs) ? probs.length : typeof probs} results for ` +
        `${distinct.length} pairs; entailsMany must return one probability per pair, in order.`,
    );
  }
  distinct.forEach((p, i) => {
    checkProbability(probs[i], entailment.id, p.premise, p.hypothesis);
  });
  return slot.map((s) => probs[s]);
}
