import type { Prompt } from '@proj/models';
import { TrustScorerError } from '../errors.js';

/**
 * The paper's wrapper: each sampled answer is embedded as an excerpt about the prompt's topic, so that the
 * embedding reflects what the answer says about that topic rather than its style. `{topic}` and `{answer}`
 * are replaced (literally: `$` and other characters in answers are kept as they are).
 *
 * @example
 * ```ts
 * excerptText('Paris.', { topic: 'France' }); // "The following is an excerpt from a text about: 'France'\n\nParis."
 * ```
 */
export const DEFAULT_EXCERPT_TEMPLATE =
  "The following is an excerpt from a text about: '{topic}'\n\n{answer}";

/**
 * Default character budget of an answer before it is wrapped and embedded. The paper truncates answers to the
 * embedder's window, about 1000 tokens; English runs at about 4 characters per token, so 4000 characters stay
 * inside such a window with the wrapper added. A character budget needs no tokenizer, so it works the same for
 * local and remote embedders. Embedders with shorter windows (many BERT-style models take 512 tokens) silently
 * truncate or reject longer input: lower `maxChars` for them (about 2000 for 512 tokens).
 *
 * @example
 * ```ts
 * new TrustScorer({ model, embedder, maxChars: DEFAULT_MAX_ANSWER_CHARS / 2 }); // a 512-token embedder
 * ```
 */
export const DEFAULT_MAX_ANSWER_CHARS = 4000;

/** How answers become the texts that are embedded. */
export interface ExcerptOptions {
  /**
   * Template with `{topic}` and `{answer}` placeholders, or a function of (answer, topic); default
   * {@link DEFAULT_EXCERPT_TEMPLATE}. `false` embeds the bare answer.
   */
  template?: string | ((answer: string, topic: string) => string) | false;
  /** Prepended to every text, for embedders trained with task prefixes (nomic-embed: `'clustering: '`). */
  taskPrefix?: string;
  /**
   * Character budget of the answer, applied before wrapping ({@link DEFAULT_MAX_ANSWER_CHARS}); `Infinity`
   * keeps answers whole.
   */
  maxChars?: number;
}

/** A text ready to embed, and whether its answer was cut to the budget. */
export interface Excerpt {
  /** The exact string to embed: task prefix, excerpt template and the (possibly cut) answer. */
  text: string;
  /** True when the answer was longer than `maxChars` and was cut before wrapping. */
  truncated: boolean;
}

/**
 * Cut `text` to at most `maxChars` characters, at the last whitespace in the final fifth of the budget when
 * there is one (so that the last word is not cut in half), and never inside a UTF-16 surrogate pair.
 *
 * @throws {TrustScorerError} when maxChars is not a positive integer or Infinity.
 * @example
 * ```ts
 * truncateAnswer('alpha beta gamma', 12); // 'alpha beta'
 * ```
 */
export function truncateAnswer(text: string, maxChars: number): string {
  checkMaxChars(maxChars);
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--; // a high surrogate whose pair would be cut off
  const floor = Math.floor(maxChars * 0.8);
  for (let i = end; i > floor; i--) {
    if (/\s/.test(text[i])) return text.slice(0, i).trimEnd();
  }
  return text.slice(0, end);
}

function checkMaxChars(maxChars: number): void {
  if (!(maxChars === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxChars) && maxChars > 0))) {
    throw new TrustScorerError(
      `maxChars must be a positive integer (characters of an answer to embed) or Infinity, got ${String(maxChars)}.`,
    );
  }
}

/**
 * Validate excerpt options once (so per-answer wrapping cannot fail halfway through a batch).
 *
 * @throws {TrustScorerError} on a bad template, task prefix or budget.
 */
export function checkExcerptOptions(options: ExcerptOptions): void {
  const { template, taskPrefix, maxChars } = options;
  if (maxChars !== undefined) checkMaxChars(maxChars);
  if (taskPrefix !== undefined && typeof taskPrefix !== 'string') {
    throw new TrustScorerError(
      `taskPrefix must be a string (e.g. 'clustering: '), got ${typeof taskPrefix}.`,
    );
  }
  if (template === undefined || template === false || typeof template === 'function') return;
  if (typeof template !== 'string' || !template.includes('{answer}')) {
    throw new TrustScorerError(
      `template must be a string containing '{answer}' (and usually '{topic}'), a function, or false; got ${JSON.stringify(template)}.`,
    );
  }
}

/**
 * The text embedded for one answer: the answer cut to `maxChars`, wrapped as an excerpt about `topic`, behind
 * the optional task prefix.
 *
 * @throws {TrustScorerError} on bad options.
 * @example
 * ```ts
 * excerptText('Ada Lovelace was a mathematician.', { topic: 'Ada Lovelace', taskPrefix: 'clustering: ' }).text;
 * // "clustering: The following is an excerpt from a text about: 'Ada Lovelace'\n\nAda Lovelace was a mathematician."
 * ```
 */
export function excerptText(answer: string, options: ExcerptOptions & { topic: string }): Excerpt {
  checkExcerptOptions(options);
  return wrap(answer, options.topic, options);
}

/** {@link excerptText} without re-validating the options (the scorer validates them once). */
export function wrap(answer: string, topic: string, options: ExcerptOptions): Excerpt {
  const budget = options.maxChars ?? DEFAULT_MAX_ANSWER_CHARS;
  const cut = truncateAnswer(answer, budget);
  const template = options.template ?? DEFAULT_EXCERPT_TEMPLATE;
  let body: string;
  if (template === false) body = cut;
  else if (typeof template === 'function') body = template(cut, topic);
  else body = template.replace(/\{(topic|answer)\}/g, (_, key: string) => (key === 'topic' ? topic : cut));
  return { text: `${options.taskPrefix ?? ''}${body}`, truncated: cut.length < answer.length };
}

/**
 * The topic of a prompt, for the excerpt wrapper: the prompt itself, or for chat turns the content of the last
 * user message (what the user asked about).
 *
 * @example
 * ```ts
 * topicOf([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Who was Ada Lovelace?' }]);
 * // 'Who was Ada Lovelace?'
 * ```
 */
export function topicOf(prompt: Prompt): string {
  if (typeof prompt === 'string') return prompt.trim();
  for (let i = prompt.length - 1; i >= 0; i--) if (prompt[i].role === 'user') return prompt[i].content.trim();
  return prompt.length > 0 ? prompt[prompt.length - 1].content.trim() : '';
}

/**
 * An `embedText` function for {@link scoreRecords} / {@link evaluateRecords} that wraps each response the way
 * the trust scorer does: cut to the budget, as an excerpt about the record's `topic` (default: its prompt).
 *
 * @throws {TrustScorerError} on bad options.
 * @example
 * ```ts
 * await evaluateJsonl('eval.jsonl', { threshold: 0.5, embed: (t) => embedder.embed(t), embedText: excerptEmbedText() });
 * ```
 */
export function excerptEmbedText(
  options: ExcerptOptions = {},
): (response: string, record: { prompt: string; topic?: string }) => string {
  checkExcerptOptions(options);
  return (response, record) => wrap(response, record.topic ?? topicOf(record.prompt), options).text;
}
