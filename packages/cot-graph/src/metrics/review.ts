import type { GenerateOptions, LanguageModel, Prompt } from '@proj/models';
import { CotInputError, LabellerError } from '../errors.js';
import { affirmedMatch, DEAD_END_CUES, ERROR_CUES, REVIEW_OPENERS, VERIFY_CUES } from '../text/cues.js';
import { type Chunk, type SegmentOptions, segmentTrace, splitSentences } from '../text/segment.js';
import { contentTokens } from '../text/similarity.js';

/** `progress`: advances the frontier (later steps rely on it). `review`: reads, checks, restates or rewinds. */
export type ChunkLabel = 'progress' | 'review';

/** Per-call options of a labeller. */
export interface LabelOptions {
  /** The problem statement: restating it counts as review. */
  problem?: string;
  /** Cancels the labeller's model calls (LLM labellers). */
  signal?: AbortSignal;
}

/**
 * Labels the chunks of one trace as progress or review. Implementations: {@link HeuristicChunkLabeller} and
 * {@link LlmChunkLabeller} (the paper's method).
 *
 * @example
 * ```ts
 * const labels = await labeller.label(segmentTrace(trace));
 * ```
 */
export interface ChunkLabeller {
  /** Label every chunk of one trace, in order: one label per chunk. */
  label(chunks: readonly Chunk[], options?: LabelOptions): Promise<ChunkLabel[]>;
}

/**
 * Rule-based labeller. A chunk is review when it opens with a review or verification cue ("Wait", "Hmm", "Let me
 * check", "Let me re-read", "So far"...), when its first sentence rejects earlier material ("that's wrong"), or
 * when it restates: at least `restateShare` (default 0.8) of its content words, and all of its numbers, already
 * appeared in the problem or earlier chunks (and it has at least 3 content words). Everything else is progress.
 *
 * @example
 * ```ts
 * const labeller = new HeuristicChunkLabeller();
 * labeller.labelSync(segmentTrace('x = 2 + 3 = 5.\n\nWait, let me check: 2 + 3 = 5. Yes.'));
 * // ['progress', 'review']
 * ```
 */
export class HeuristicChunkLabeller implements ChunkLabeller {
  private readonly restateShare: number;

  constructor(options: { restateShare?: number } = {}) {
    this.restateShare = options.restateShare ?? 0.8;
    if (!(this.restateShare > 0 && this.restateShare <= 1)) {
      throw new CotInputError(`restateShare must be in (0, 1], got ${this.restateShare}.`);
    }
  }

  /** Label synchronously. */
  labelSync(chunks: readonly Chunk[], options: LabelOptions = {}): ChunkLabel[] {
    const seen = new Set<string>(contentTokens(options.problem ?? ''));
    return chunks.map((c) => {
      const tokens = contentTokens(c.text);
      let label: ChunkLabel = 'progress';
      const firstSentence = splitSentences(c.text)[0];
      const first = firstSentence ? c.text.slice(firstSentence.start, firstSentence.end) : '';
      if (REVIEW_OPENERS.test(c.text) || VERIFY_CUES.test(c.text)) label = 'review';
      else if (affirmedMatch(first, ERROR_CUES) || affirmedMatch(first, DEAD_END_CUES)) label = 'review';
      else if (tokens.length >= 3) {
        let old = 0;
        let newNumber = false;
        for (const t of tokens) {
          if (seen.has(t)) old++;
          else if (/^\d/.test(t)) newNumber = true;
        }
        if (!newNumber && old >= this.restateShare * tokens.length) label = 'review';
      }
      for (const t of tokens) seen.add(t);
      return label;
    });
  }

  /** {@link labelSync}, as a promise, for the {@link ChunkLabeller} interface. */
  async label(chunks: readonly Chunk[], options: LabelOptions = {}): Promise<ChunkLabel[]> {
    return this.labelSync(chunks, options);
  }
}

/**
 * The instructions the {@link LlmChunkLabeller} sends (a system message).
 *
 * @example
 * ```ts
 * new LlmChunkLabeller({ model }); // sends REVIEW_LABEL_PROMPT as the system message
 * ```
 */
export const REVIEW_LABEL_PROMPT = `You label one chunk of a model's reasoning trace.
PROGRESS: the chunk advances the solution frontier - it derives a new fact, computes a new value, sets up an equation or a case, or states a conclusion that later steps rely on.
REVIEW: the chunk does not advance the frontier - it re-reads or restates the problem or earlier work, checks or verifies something already derived, summarises, or deletes / rewinds earlier material ("wait, that's wrong").
You see up to five chunks before and after for context; label only the chunk between >>> and <<<.
Answer with exactly one word: PROGRESS or REVIEW.`;

/** Options of {@link LlmChunkLabeller}. */
export interface LlmLabellerOptions {
  /** The judge model (local or remote); asked greedily by default. */
  model: LanguageModel;
  /** Chunks of context shown on each side. Default 5 (the paper's setting). */
  context?: number;
  /** Tries per chunk before giving up on unparseable answers. Default 3. */
  maxAttempts?: number;
  /** Prompts per `generate` call. Default 32. */
  batchSize?: number;
  /** Extra sampling options (default temperature 0, maxNewTokens 8). */
  generate?: Omit<GenerateOptions, 'n' | 'signal'>;
}

/**
 * Build the chat prompt that asks for the label of chunk `i`.
 *
 * @example
 * ```ts
 * await model.generate([reviewLabelPrompt(chunks, 3)], { temperature: 0 });
 * ```
 */
export function reviewLabelPrompt(
  chunks: readonly Chunk[],
  i: number,
  context = 5,
  problem?: string,
): Prompt {
  const lines: string[] = [];
  if (problem) lines.push(`Problem: ${problem}`, '');
  const lo = Math.max(0, i - context);
  const hi = Math.min(chunks.length - 1, i + context);
  for (let j = lo; j <= hi; j++) {
    if (j === i) lines.push(`>>> ${chunks[j].text} <<<`);
    else lines.push(`[${j < i ? 'before' : 'after'}] ${chunks[j].text}`);
  }
  lines.push('', 'Label of the chunk between >>> and <<< (PROGRESS or REVIEW):');
  return [
    { role: 'system', content: REVIEW_LABEL_PROMPT },
    { role: 'user', content: lines.join('\n') },
  ];
}

/**
 * Read PROGRESS / REVIEW from a model answer (first occurrence wins), or null.
 *
 * @example
 * ```ts
 * parseReviewLabel('Label: REVIEW'); // 'review'
 * ```
 */
export function parseReviewLabel(text: string): ChunkLabel | null {
  const m = /\b(progress|review)\b/i.exec(text);
  return m ? (m[1].toLowerCase() as ChunkLabel) : null;
}

/**
 * The paper's labeller: one model call per chunk, showing `context` chunks on each side, answering PROGRESS or
 * REVIEW. Calls are batched (`batchSize` prompts per `generate`); chunks whose answer names neither label are
 * asked again, up to `maxAttempts` times.
 *
 * @throws {LabellerError} (from `label`) when some chunk never gets a readable label.
 *
 * @example
 * ```ts
 * const labeller = new LlmChunkLabeller({ model });
 * const labels = await labeller.label(segmentTrace(trace), { problem });
 * ```
 */
export class LlmChunkLabeller implements ChunkLabeller {
  private readonly model: LanguageModel;
  private readonly context: number;
  private readonly maxAttempts: number;
  private readonly batchSize: number;
  private readonly gen: Omit<GenerateOptions, 'n' | 'signal'>;

  constructor(options: LlmLabellerOptions) {
    this.model = options.model;
    this.context = options.context ?? 5;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.batchSize = options.batchSize ?? 32;
    this.gen = { temperature: 0, maxNewTokens: 8, ...options.generate };
    for (const [k, v, min] of [
      ['context', this.context, 0],
      ['maxAttempts', this.maxAttempts, 1],
      ['batchSize', this.batchSize, 1],
    ] as const) {
      if (!Number.isInteger(v) || v < min)
        throw new CotInputError(`${k} must be an integer >= ${min}, got ${v}.`);
    }
  }

  /**
   * Label every chunk with model calls, in batches, retrying unreadable answers.
   *
   * @throws {LabellerError} when some chunk has no readable label after `maxAttempts` tries.
   * @example
   * ```ts
   * const labels = await new LlmChunkLabeller({ model }).label(segmentTrace(trace), { problem });
   * ```
   */
  async label(chunks: readonly Chunk[], options: LabelOptions = {}): Promise<ChunkLabel[]> {
    const labels: (ChunkLabel | null)[] = chunks.map(() => null);
    const lastAnswers: string[] = chunks.map(() => '');
    let todo = chunks.map((_, i) => i);
    for (let attempt = 0; attempt < this.maxAttempts && todo.length > 0; attempt++) {
      for (let b = 0; b < todo.length; b += this.batchSize) {
        const batch = todo.slice(b, b + this.batchSize);
        const prompts = batch.map((i) => reviewLabelPrompt(chunks, i, this.context, options.problem));
        const out = await this.model.generate(prompts, { ...this.gen, n: 1, signal: options.signal });
        batch.forEach((i, k) => {
          const text = out[k]?.[0]?.text ?? '';
          lastAnswers[i] = text;
          labels[i] = parseReviewLabel(text);
        });
      }
      todo = todo.filter((i) => labels[i] === null);
    }
    if (todo.length > 0) {
      const i = todo[0];
      throw new LabellerError(
        `${todo.length} chunk(s) got no PROGRESS/REVIEW label after ${this.maxAttempts} attempt(s) (first: chunk ${i}, last answer ${JSON.stringify(lastAnswers[i].slice(0, 80))}); use a model that follows the format, or raise maxAttempts.`,
      );
    }
    return labels as ChunkLabel[];
  }
}

/**
 * Review ratio: the share of chunk characters inside review chunks (0 when there are no chunks).
 *
 * @throws {CotInputError} when the label count differs from the chunk count.
 *
 * @example
 * ```ts
 * reviewRatio([{ start: 0, end: 30 }, { start: 32, end: 42 }], ['progress', 'review']); // 10 / 40 = 0.25
 * ```
 */
export function reviewRatio(
  chunks: readonly { start: number; end: number }[],
  labels: readonly ChunkLabel[],
): number {
  if (chunks.length !== labels.length) {
    throw new CotInputError(
      `Got ${labels.length} labels for ${chunks.length} chunks; label every chunk once.`,
    );
  }
  let total = 0;
  let review = 0;
  chunks.forEach((c, i) => {
    const len = c.end - c.start;
    total += len;
    if (labels[i] === 'review') review += len;
  });
  return total === 0 ? 0 : review / total;
}

/** Chunks, labels and the ratio for one trace. */
export interface ReviewAnalysis {
  /** Share of chunk characters in review chunks, in [0, 1]. */
  ratio: number;
  /** The trace's chunks, in order. */
  chunks: Chunk[];
  /** One label per chunk. */
  labels: ChunkLabel[];
}

/**
 * Segment a trace, label its chunks with `labeller` and compute the review ratio.
 *
 * @example
 * ```ts
 * const { ratio } = await analyzeReview(trace, new HeuristicChunkLabeller());
 * ```
 */
export async function analyzeReview(
  trace: string,
  labeller: ChunkLabeller,
  options: LabelOptions & { segment?: SegmentOptions } = {},
): Promise<ReviewAnalysis> {
  const chunks = segmentTrace(trace, options.segment);
  const labels = await labeller.label(chunks, options);
  return { ratio: reviewRatio(chunks, labels), chunks, labels };
}
