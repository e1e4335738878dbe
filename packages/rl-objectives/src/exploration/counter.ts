import { CounterFormatError, InvalidValueError } from '../core/errors.js';
import { type AnswerNormaliser, normaliseAnswer } from './answers.js';

/**
 * The JSON form of an {@link AnswerCounter}: `counts[questionId][normalisedAnswer] = times seen`.
 * @example
 * ```ts
 * const json: AnswerCounterJSON = {
 *   format: 'proj.answer-counter', version: 1, normaliser: 'default', counts: { q1: { '42': 3 } },
 * };
 * ```
 */
export interface AnswerCounterJSON {
  /** Always `'proj.answer-counter'`: marks the object's kind for readers. */
  format: 'proj.answer-counter';
  /** Schema version of this format, currently 1. */
  version: 1;
  /** Name of the normaliser the keys were made with; loading with another one is refused. */
  normaliser: string;
  /** Times each normalised answer was seen, by question id then answer key (non-negative integers). */
  counts: Record<string, Record<string, number>>;
}

/**
 * Options of {@link AnswerCounter}.
 * @example
 * ```ts
 * const o: AnswerCounterOptions = { normalise: (a) => a.replace(/\s/g, ''), normaliserName: 'no-spaces' };
 * ```
 */
export interface AnswerCounterOptions {
  /** Answer -> equivalence-class key. Default {@link normaliseAnswer}. */
  normalise?: AnswerNormaliser;
  /** Stored in the JSON so a counter is never reloaded with a different normaliser. Default 'default'. */
  normaliserName?: string;
}

/**
 * Persistent count N(x, a) of how often answer class a was seen for question x over all of training: the
 * state of outcome-based historical exploration (UCB bonuses, arXiv 2509.06941). Keys are (question id,
 * normalised answer); a missing answer (`null`, or one that normalises to '') is never counted.
 * Serialise with `JSON.stringify(counter)` and restore with {@link AnswerCounter.fromJSON}.
 *
 * @example
 * ```ts
 * const counter = new AnswerCounter();
 * counter.add('q1', '42');
 * counter.add('q1', ' 42. ');
 * counter.count('q1', '42');   // 2
 * const saved = JSON.stringify(counter);
 * AnswerCounter.fromJSON(JSON.parse(saved)).count('q1', '42'); // 2
 * ```
 */
export class AnswerCounter {
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly normaliseFn: AnswerNormaliser;
  /** The normaliser's name, as stored in the JSON. */
  readonly normaliserName: string;

  constructor(options: AnswerCounterOptions = {}) {
    this.normaliseFn = options.normalise ?? normaliseAnswer;
    this.normaliserName = options.normaliserName ?? (options.normalise ? 'custom' : 'default');
  }

  /** The class key of an answer, or null for a missing answer. */
  key(answer: string | null | undefined): string | null {
    if (answer === null || answer === undefined) return null;
    if (typeof answer !== 'string') {
      throw new InvalidValueError(
        `answers must be strings or null, got ${typeof answer}; convert them first.`,
      );
    }
    const k = this.normaliseFn(answer);
    if (typeof k !== 'string') throw new InvalidValueError('the answer normaliser must return a string.');
    return k === '' ? null : k;
  }

  /** Count `times` more sightings of `answer` for `question`; returns the new count (0 for a missing answer). */
  add(question: string, answer: string | null | undefined, times = 1): number {
    checkQuestion(question);
    const k = this.key(answer);
    if (k === null) return 0;
    return this.addKey(question, k, times);
  }

  /**
   * Count `times` sightings of an already-normalised class key (what {@link AnswerCounter.key} returns);
   * skips normalising again, which a user normaliser need not survive.
   */
  addKey(question: string, classKey: string, times = 1): number {
    checkQuestion(question);
    if (typeof classKey !== 'string' || classKey === '') {
      throw new InvalidValueError('classKey must be a non-empty string (from counter.key(answer)).');
    }
    if (!Number.isInteger(times) || times < 0)
      throw new InvalidValueError(`times must be a non-negative integer, got ${times}.`);
    let byAnswer = this.counts.get(question);
    if (byAnswer === undefined) {
      byAnswer = new Map();
      this.counts.set(question, byAnswer);
    }
    const next = (byAnswer.get(classKey) ?? 0) + times;
    byAnswer.set(classKey, next);
    return next;
  }

  /** N(question, answer): how often its class has been seen (0 if never, or for a missing answer). */
  count(question: string, answer: string | null | undefined): number {
    checkQuestion(question);
    const k = this.key(answer);
    if (k === null) return 0;
    return this.countKey(question, k);
  }

  /** N for an already-normalised class key (what {@link AnswerCounter.key} returns). */
  countKey(question: string, classKey: string): number {
    checkQuestion(question);
    return this.counts.get(question)?.get(classKey) ?? 0;
  }

  /** Number of distinct answer classes seen for a question. */
  distinct(question: string): number {
    return this.counts.get(question)?.size ?? 0;
  }

  /** Number of questions with at least one counted answer. */
  get questionCount(): number {
    return this.counts.size;
  }

  /** The (class key, count) pairs of a question, most frequent first. */
  answersOf(question: string): [string, number][] {
    const m = this.counts.get(question);
    if (!m) return [];
    return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  /** Plain-object form for `JSON.stringify`. */
  toJSON(): AnswerCounterJSON {
    const counts: Record<string, Record<string, number>> = {};
    for (const [q, m] of this.counts) {
      // defineProperty (not counts[q] = ...) keeps a question id such as "__proto__" an ordinary key.
      Object.defineProperty(counts, q, {
        value: Object.fromEntries(m),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return { format: 'proj.answer-counter', version: 1, normaliser: this.normaliserName, counts };
  }

  /**
   * Restore a counter from {@link AnswerCounter.toJSON} output. Pass the same normaliser (and name) it was
   * saved with.
   * @throws {CounterFormatError} for malformed JSON or a normaliser name mismatch.
   */
  static fromJSON(json: unknown, options: AnswerCounterOptions = {}): AnswerCounter {
    const counter = new AnswerCounter(options);
    if (json === null || typeof json !== 'object')
      throw new CounterFormatError('an answer counter must be a JSON object.');
    const o = json as Partial<AnswerCounterJSON>;
    if (o.format !== 'proj.answer-counter' || o.version !== 1) {
      throw new CounterFormatError(
        `not an answer counter (format ${JSON.stringify(o.format)}, version ${JSON.stringify(o.version)}); expected format "proj.answer-counter", version 1.`,
      );
    }
    if (o.normaliser !== counter.normaliserName) {
      throw new CounterFormatError(
        `the counter was saved with normaliser "${o.normaliser}" but is loaded with "${counter.normaliserName}"; pass the same normalise function and normaliserName.`,
      );
    }
    if (o.counts === null || typeof o.counts !== 'object' || Array.isArray(o.counts)) {
      throw new CounterFormatError('counts must be an object { questionId: { answer: count } }.');
    }
    for (const [q, byAnswer] of Object.entries(o.counts)) {
      if (byAnswer === null || typeof byAnswer !== 'object' || Array.isArray(byAnswer)) {
        throw new CounterFormatError(`counts[${JSON.stringify(q)}] must be an object { answer: count }.`);
      }
      const m = new Map<string, number>();
      for (const [a, c] of Object.entries(byAnswer)) {
        if (!Number.isInteger(c) || (c as number) < 0) {
          throw new CounterFormatError(
            `counts[${JSON.stringify(q)}][${JSON.stringify(a)}] is ${JSON.stringify(c)}; counts are non-negative integers.`,
          );
        }
        if ((c as number) > 0) m.set(a, c as number);
      }
      if (m.size > 0) counter.counts.set(q, m);
    }
    return counter;
  }
}

function checkQuestion(q: unknown): void {
  if (typeof q !== 'string') throw new InvalidValueError(`question ids must be strings, got ${typeof q}.`);
}
