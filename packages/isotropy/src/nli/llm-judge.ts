import type { ChatMessage, LanguageModel, Prompt } from '@proj/models';
import { abortable, throwIfAborted } from '../async/pool.js';
import { EntailmentError } from '../errors.js';
import {
  checkPairs,
  type Entailment,
  type EntailmentCallOptions,
  type EntailmentPair,
} from './entailment.js';

/** What the judge is asked to answer. */
export type JudgeMode = 'label' | 'probability';

/** Options of {@link LlmJudgeEntailment}. */
export interface LlmJudgeOptions {
  /**
   * `'label'` (default): the judge answers yes or no, read as 1 or 0. `'probability'`: the judge answers a
   * probability in [0, 1] (or a percentage); yes / no replies are still accepted.
   */
  mode?: JudgeMode;
  /** Builds the judge's prompt for one pair; default {@link defaultJudgePrompt}. */
  prompt?: (pair: EntailmentPair, mode: JudgeMode) => Prompt;
  /** Re-asks for replies that cannot be read, with a reminder of the expected format. Default 2. */
  maxRetries?: number;
  /** Token budget of a reply. Default 8 (label) or 12 (probability). */
  maxNewTokens?: number;
  /** Pairs per `generate` call (the model batches or parallelises within a call). Default 32. */
  batchSize?: number;
  /** Seed of the (greedy, temperature 0) judge calls, for endpoints that sample anyway. Default 0. */
  seed?: number;
  /**
   * What an unreadable reply counts as once retries are spent: `'throw'` (default) rejects with an
   * {@link EntailmentError} holding the replies; a number in [0, 1] is used as the probability (LUQ's
   * reference code uses 0.5).
   */
  unparseable?: 'throw' | number;
  /** The entailment's id. Default `judge:<model id>`. */
  id?: string;
}

/**
 * The default judge prompt: the premise, the hypothesis, and a one-word (or one-number) answer request.
 *
 * @example
 * ```ts
 * defaultJudgePrompt({ premise: 'It rained all day.', hypothesis: 'The ground got wet.' }, 'label');
 * ```
 */
export function defaultJudgePrompt(pair: EntailmentPair, mode: JudgeMode): string {
  const ask =
    mode === 'label'
      ? 'Answer with one word: yes or no.'
      : 'Answer with only the probability that the hypothesis is entailed, a number between 0 and 1.';
  return (
    'You check natural language inference.\n\n' +
    `Premise: ${pair.premise}\n\n` +
    `Hypothesis: ${pair.hypothesis}\n\n` +
    'Does the premise entail the hypothesis, that is, if the premise is true, must the hypothesis be true as well? ' +
    `${ask}\nAnswer:`
  );
}

const YES = /^(yes|true|entail(s|ed|ment)?|supported|correct)\b/;
const NO =
  /^(no|false|not (?!sure|certain|clear)|does ?n[o']t|doesnt|contradict(s|ed|ion)?|neutral|refuted|unsupported|incorrect)\b/;

/**
 * Read a judge's reply as a probability of entailment, or undefined when it cannot be read. Case, leading
 * markdown / quotes / "Answer:" and trailing punctuation are ignored. Labels: yes / y / true / entailed /
 * entailment / supported -> 1; no / n / not ... / false / contradiction / neutral / refuted -> 0. Numbers in
 * [0, 1] and percentages (0.85, .85, 85%) are read as probabilities; other numbers are unreadable. Both forms
 * are read in either {@link JudgeMode}: a judge that answers in the other form still answered. A reply that
 * does not start with an answer but contains exactly one of the words yes / no is read as that word; a reply
 * with both words is unreadable.
 *
 * @example
 * ```ts
 * parseJudgement('**Yes.**'); // 1
 * parseJudgement('Answer: 85%'); // 0.85
 * parseJudgement('It is hard to say'); // undefined
 * ```
 */
export function parseJudgement(reply: string): number | undefined {
  let t = String(reply).toLowerCase().trim();
  if (/^-\s*\.?\d/.test(t)) return undefined; // a negative number is no probability
  t = t.replace(/^(?:[\s*_`"'“‘>#:-]|(?:final )?answer\s*:|label\s*:|probability\s*:)+/g, '');
  const num = /^(\d+(?:\.\d+)?|\.\d+)\s*(%)?/.exec(t);
  if (num) {
    const v = num[2] ? Number(num[1]) / 100 : Number(num[1]);
    return v >= 0 && v <= 1 ? v : undefined;
  }
  const word = t.replace(/[\s.!*_`"'”’)]+$/g, '');
  if (word === 'y') return 1;
  if (word === 'n') return 0;
  const yes = /\byes\b/.test(t);
  const no = /\bno\b/.test(t);
  if (yes && no) return undefined; // "yes and no", "maybe yes, maybe no"
  if (YES.test(t)) return 1;
  if (NO.test(t)) return 0;
  if (yes !== no) return yes ? 1 : 0;
  return undefined;
}

function reminder(mode: JudgeMode): string {
  return mode === 'label'
    ? 'Reply with exactly one word: yes or no.'
    : 'Reply with only a number between 0 and 1.';
}

function retryPrompt(prompt: Prompt, reply: string, mode: JudgeMode): Prompt {
  const note = `Your reply ${JSON.stringify(reply.slice(0, 200))} could not be read. ${reminder(mode)}`;
  if (typeof prompt === 'string') return `${prompt} ${reply.trim()}\n\n${note}\nAnswer:`;
  const turns: ChatMessage[] = [
    ...prompt,
    { role: 'assistant', content: reply },
    { role: 'user', content: note },
  ];
  return turns;
}

/**
 * An {@link Entailment} that asks any {@link LanguageModel} (local or remote) to judge entailment, greedily
 * (temperature 0), and reads its reply robustly ({@link parseJudgement}); unreadable replies are asked again
 * with a format reminder, up to `maxRetries` times. Pairs go to `model.generate` in batches of `batchSize`.
 *
 * @example
 * ```ts
 * const judge = new LlmJudgeEntailment(model, { mode: 'label' });
 * const u = await luq(answers, judge);
 * ```
 */
export class LlmJudgeEntailment implements Entailment {
  readonly id: string;
  /** What the judge is asked for: a yes / no `'label'` (read as 1 / 0) or a `'probability'`. */
  readonly mode: JudgeMode;
  private readonly model: LanguageModel;
  private readonly options: LlmJudgeOptions;
  private readonly maxRetries: number;
  private readonly batchSize: number;

  /** @throws {EntailmentError} on bad options. */
  constructor(model: LanguageModel, options: LlmJudgeOptions = {}) {
    if (!model || typeof model.generate !== 'function') {
      throw new EntailmentError('LlmJudgeEntailment needs a LanguageModel (an object with generate()).');
    }
    const mode = options.mode ?? 'label';
    if (mode !== 'label' && mode !== 'probability') {
      throw new EntailmentError(`mode must be 'label' or 'probability', got ${JSON.stringify(mode)}.`);
    }
    const int = (v: number | undefined, name: string, min: number, fallback: number): number => {
      if (v === undefined) return fallback;
      if (!Number.isSafeInteger(v) || v < min) {
        throw new EntailmentError(`${name} must be an integer >= ${min}, got ${String(v)}.`);
      }
      return v;
    };
    this.maxRetries = int(options.maxRetries, 'maxRetries', 0, 2);
    this.batchSize = int(options.batchSize, 'batchSize', 1, 32);
    int(options.maxNewTokens, 'maxNewTokens', 1, 8);
    const u = options.unparseable ?? 'throw';
    if (u !== 'throw' && !(typeof u === 'number' && u >= 0 && u <= 1)) {
      throw new EntailmentError(`unparseable must be 'throw' or a probability in [0, 1], got ${String(u)}.`);
    }
    this.model = model;
    this.mode = mode;
    this.options = options;
    this.id = options.id ?? `judge:${model.id}`;
  }

  /**
   * P(premise entails hypothesis) as the judge answers it.
   * @throws {EntailmentError} when no reply could be read and `unparseable` is 'throw'; an AbortError on
   *   cancellation; whatever the model throws.
   * @example
   * ```ts
   * await judge.entails('Ada Lovelace wrote the first program.', 'Ada Lovelace programmed.'); // 1
   * ```
   */
  async entails(premise: string, hypothesis: string, options: EntailmentCallOptions = {}): Promise<number> {
    return (await this.entailsMany([{ premise, hypothesis }], options))[0];
  }

  /**
   * {@link entails} for many pairs, batched into `generate` calls of `batchSize` prompts.
   * @example
   * ```ts
   * await judge.entailsMany([{ premise: a, hypothesis: b }, { premise: b, hypothesis: a }]);
   * ```
   */
  async entailsMany(
    pairs: readonly EntailmentPair[],
    options: EntailmentCallOptions = {},
  ): Promise<number[]> {
    checkPairs(pairs);
    const { signal } = options;
    const build = this.options.prompt ?? defaultJudgePrompt;
    const out = new Array<number>(pairs.length);
    for (let start = 0; start < pairs.length; start += this.batchSize) {
      const batch = pairs.slice(start, start + this.batchSize);
      const prompts = batch.map((p) => build(p, this.mode));
      let pending = batch.map((_, k) => k);
      let unread: string[] = [];
      for (let attempt = 0; attempt <= this.maxRetries && pending.length > 0; attempt++) {
        throwIfAborted(signal, 'entailsMany');
        const replies = await this.ask(
          pending.map((k) => prompts[k]),
          attempt,
          signal,
        );
        const still: number[] = [];
        unread = [];
        pending.forEach((k, r) => {
          const v = parseJudgement(replies[r]);
          if (v !== undefined) {
            out[start + k] = v;
            return;
          }
          still.push(k);
          unread.push(replies[r]);
          prompts[k] = retryPrompt(prompts[k], replies[r], this.mode);
        });
        pending = still;
      }
      if (pending.length === 0) continue;
      const u = this.options.unparseable ?? 'throw';
      if (u === 'throw') {
        throw new EntailmentError(
          `the judge ${this.model.id} gave ${pending.length} unreadable repl${pending.length === 1 ? 'y' : 'ies'} ` +
            `after ${this.maxRetries + 1} attempt(s) (first: ${JSON.stringify(unread[0].slice(0, 120))}); ` +
            'use a stronger instruction-following model, a custom prompt, or { unparseable: 0.5 }.',
          { replies: unread },
        );
      }
      for (const k of pending) out[start + k] = u;
    }
    return out;
  }

  private async ask(prompts: Prompt[], attempt: number, signal: AbortSignal | undefined): Promise<string[]> {
    const gens = await abortable(
      this.model.generate(prompts, {
        n: 1,
        temperature: 0,
        maxNewTokens: this.options.maxNewTokens ?? (this.mode === 'label' ? 8 : 12),
        seed: (this.options.seed ?? 0) + attempt,
        signal,
      }),
      signal,
      'entailsMany',
    );
    if (!Array.isArray(gens) || gens.length !== prompts.length || gens.some((g) => !g?.[0])) {
      throw new EntailmentError(
        `the judge ${this.model.id} returned ${Array.isArray(gens) ? gens.length : typeof gens} results for ` +
          `${prompts.length} prompts; generate() must return one sample per prompt.`,
      );
    }
    return gens.map((g) => String(g[0].text));
  }
}
