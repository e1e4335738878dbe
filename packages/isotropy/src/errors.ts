/**
 * Typed errors of @proj/isotropy. Each message names what was wrong and how to fix it, so callers can
 * surface it to users as is; `instanceof` (or `name`) tells the kinds apart.
 */

/**
 * Sampled responses that cannot be scored: too few of them, embeddings with ragged rows, non-finite values or
 * zero vectors, a malformed Gram matrix, or texts that are not strings.
 *
 * @example
 * ```ts
 * try { semanticIsotropy([[1, 0]]); } catch (e) { if (e instanceof ResponseInputError) console.error(e.message); }
 * ```
 */
export class ResponseInputError extends Error {
  /** Always `'ResponseInputError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'ResponseInputError';
}

/**
 * Inputs that a statistic cannot be computed on: mismatched lengths, NaN, constant data, a single class.
 *
 * @example
 * ```ts
 * try { auroc([0.1, 0.2], [true, true]); } catch (e) { if (e instanceof StatsInputError) console.error(e.message); }
 * ```
 */
export class StatsInputError extends Error {
  /** Always `'StatsInputError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'StatsInputError';
}

/**
 * A malformed evaluation file: bad JSON or a record missing / mistyping a field. `line` is 1-based.
 *
 * @example
 * ```ts
 * try { parseEvaluationJsonl('{"prompt": 1}'); } catch (e) { if (e instanceof JsonlError) console.error(e.line); }
 * ```
 */
export class JsonlError extends Error {
  /** Always `'JsonlError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'JsonlError';
  /** 1-based line number of the offending record, in the file or string given. */
  readonly line: number;
  /** Where the text came from (a path or a caller-given label). */
  readonly source: string;

  constructor(source: string, line: number, problem: string) {
    super(`${source}:${line}: ${problem}`);
    this.line = line;
    this.source = source;
  }
}

/**
 * An evaluation that cannot run as configured: no way to get embeddings, unknown estimator names,
 * score columns of the wrong length.
 *
 * @example
 * ```ts
 * try { evaluateScores({ x: [1] }, [0.5, 0.2], { threshold: 0.5 }); } catch (e) { console.error(e.name); }
 * ```
 */
export class EvaluationError extends Error {
  /** Always `'EvaluationError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'EvaluationError';
}

/**
 * A {@link TrustScorer} that cannot run as configured or called: bad options (n < 2, temperature < 0, ...), a
 * missing model or embedder for the requested step, or a model / embedder that returned the wrong number of
 * answers or vectors.
 *
 * @example
 * ```ts
 * try { new TrustScorer({ embedder, n: 1 }); } catch (e) { if (e instanceof TrustScorerError) console.error(e.message); }
 * ```
 */
export class TrustScorerError extends Error {
  /** Always `'TrustScorerError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'TrustScorerError';
}

/**
 * An entailment model that misbehaved: a probability outside [0, 1], the wrong number of results, or (for the
 * LLM judge) replies that could not be read as yes / no / a probability after every retry. `replies` holds the
 * judge's last unreadable replies when there were any.
 *
 * @example
 * ```ts
 * try { await judge.entails(a, b); } catch (e) { if (e instanceof EntailmentError) console.error(e.replies); }
 * ```
 */
export class EntailmentError extends Error {
  /** Always `'EntailmentError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'EntailmentError';
  /** The unreadable replies of an LLM judge, when that was the problem. */
  readonly replies: readonly string[];

  constructor(message: string, options: { replies?: readonly string[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.replies = options.replies ?? [];
  }
}

/**
 * Scoring was cancelled through its AbortSignal. `name` is `'AbortError'`, as for fetch and other Web APIs, so
 * `e.name === 'AbortError'` checks work across libraries; `cause` is the signal's reason.
 *
 * @example
 * ```ts
 * const ctrl = new AbortController();
 * const run = scorer.scoreMany(prompts, { signal: ctrl.signal });
 * ctrl.abort();
 * await run.catch((e) => e instanceof AbortError); // true
 * ```
 */
export class AbortError extends Error {
  /** Always `'AbortError'`, as in fetch and other Web APIs, so `e.name === 'AbortError'` checks match. */
  override name = 'AbortError';
}
