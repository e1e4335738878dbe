import { CotInputError } from '../errors.js';
import type { ReasoningGraph, TextSpan } from '../graph/graph.js';
import { splitSentences } from '../text/segment.js';

/** A trace with hand labels of which text belongs to failed (abandoned) steps. */
export interface LabelledTrace {
  /** The id given to {@link parseLabelledTrace} (e.g. the file name); `''` by default. */
  id: string;
  /** The `# problem:` header value, or `''` when there is none. */
  problem: string;
  /** The `# answer:` header value, or null when there is none. */
  answer: string | null;
  /** The trace with the markers removed. */
  trace: string;
  /** Failed regions of `trace`, in order. */
  failed: TextSpan[];
}

/**
 * Read the labelled-trace format: optional `# key: value` header lines (`problem`, `answer`) ended by a `---` line,
 * then the trace, with failed text wrapped in `⟦` and `⟧`.
 *
 * @throws {CotInputError} on nested or unbalanced markers (naming the line).
 *
 * @example
 * ```ts
 * const t = parseLabelledTrace('# problem: 2x = 6\n---\n⟦x = 2? No, too small.⟧ x = 3.');
 * t.trace;  // 'x = 2? No, too small. x = 3.'
 * t.failed; // [{ start: 0, end: 21 }]
 * ```
 */
export function parseLabelledTrace(markup: string, id = ''): LabelledTrace {
  let body = markup;
  const header: Record<string, string> = {};
  const sep = /^---[ \t]*$/m.exec(markup);
  if (sep && /^(#[^\n]*\n|\s*\n)*$/.test(markup.slice(0, sep.index))) {
    for (const line of markup.slice(0, sep.index).split('\n')) {
      const m = /^#\s*([\w-]+)\s*:\s*(.*)$/.exec(line);
      if (m) header[m[1].toLowerCase()] = m[2].trim();
    }
    body = markup.slice(sep.index + sep[0].length).replace(/^\r?\n/, '');
  }
  body = body.replace(/\s+$/, '');
  let trace = '';
  const failed: TextSpan[] = [];
  let open = -1;
  let line = 1;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\n') line++;
    if (c !== '⟦' && c !== '⟧') continue;
    trace += body.slice(from, i);
    from = i + 1;
    if (c === '⟦') {
      if (open >= 0)
        throw new CotInputError(
          `${id || 'labelled trace'}: nested '⟦' at body line ${line}; close the first one.`,
        );
      open = trace.length;
    } else {
      if (open < 0)
        throw new CotInputError(`${id || 'labelled trace'}: '⟧' without '⟦' at body line ${line}.`);
      failed.push({ start: open, end: trace.length });
      open = -1;
    }
  }
  trace += body.slice(from);
  if (open >= 0) throw new CotInputError(`${id || 'labelled trace'}: a '⟦' is never closed; add '⟧'.`);
  return { id, problem: header.problem ?? '', answer: header.answer ?? null, trace, failed };
}

/** True positives, false positives and false negatives (sentences or characters), with the derived rates. */
export interface PrecisionRecall {
  /** Units marked failed in both the prediction and the gold labels. */
  tp: number;
  /** Units marked failed in the prediction only. */
  fp: number;
  /** Units marked failed in the gold labels only. */
  fn: number;
  /** tp / (tp + fp); 1 when nothing was predicted (no false alarms). */
  precision: number;
  /** tp / (tp + fn); 1 when there was nothing to find. */
  recall: number;
  /** Harmonic mean of precision and recall, in [0, 1]; 0 when both are 0. */
  f1: number;
}

/** Failed-marking agreement, by sentence and by character. */
export interface FailedMarkingScore {
  /** Per sentence: a sentence is failed when more than half of its non-space characters are covered. */
  sentences: PrecisionRecall;
  /** Per non-space character of the trace. */
  characters: PrecisionRecall;
}

function rates(tp: number, fp: number, fn: number): PrecisionRecall {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

/**
 * Spans of a graph's failed nodes (nodes without spans are skipped).
 *
 * @example
 * ```ts
 * failedSpans(graph); // [{ start: 10, end: 30 }, ...]
 * ```
 */
export function failedSpans(graph: ReasoningGraph): TextSpan[] {
  return graph.nodes.filter((n) => n.status === 'failed' && n.span !== null).map((n) => n.span!);
}

function coverage(text: string, spans: readonly TextSpan[]): Uint8Array {
  const mark = new Uint8Array(text.length);
  for (const s of spans) mark.fill(1, Math.max(0, s.start), Math.min(text.length, s.end));
  return mark;
}

/**
 * Compare predicted failed regions with gold ones. Sentence level: a sentence (see `splitSentences`) counts as
 * failed when more than half of its non-space characters are covered; character level counts non-space
 * characters. Sum the counts of several traces with {@link sumScores} for micro-averages.
 *
 * @example
 * ```ts
 * const gold = parseLabelledTrace(markup);
 * const { graph } = extractHeuristicGraph(gold.trace);
 * scoreFailedMarking(gold.trace, failedSpans(graph), gold.failed).sentences.recall;
 * ```
 */
export function scoreFailedMarking(
  trace: string,
  predicted: readonly TextSpan[],
  gold: readonly TextSpan[],
): FailedMarkingScore {
  const p = coverage(trace, predicted);
  const g = coverage(trace, gold);
  const chars = [0, 0, 0];
  for (let i = 0; i < trace.length; i++) {
    if (/\s/.test(trace[i])) continue;
    if (p[i] && g[i]) chars[0]++;
    else if (p[i]) chars[1]++;
    else if (g[i]) chars[2]++;
  }
  const sent = [0, 0, 0];
  for (const s of splitSentences(trace)) {
    let total = 0;
    let pc = 0;
    let gc = 0;
    for (let i = s.start; i < s.end; i++) {
      if (/\s/.test(trace[i])) continue;
      total++;
      pc += p[i];
      gc += g[i];
    }
    const pf = pc * 2 > total;
    const gf = gc * 2 > total;
    if (pf && gf) sent[0]++;
    else if (pf) sent[1]++;
    else if (gf) sent[2]++;
  }
  return { sentences: rates(sent[0], sent[1], sent[2]), characters: rates(chars[0], chars[1], chars[2]) };
}

/**
 * Micro-average several scores: add their counts and recompute the rates.
 *
 * @example
 * ```ts
 * sumScores([scoreA, scoreB]).sentences.f1;
 * ```
 */
export function sumScores(scores: readonly FailedMarkingScore[]): FailedMarkingScore {
  const add = (k: 'sentences' | 'characters') =>
    rates(
      scores.reduce((a, s) => a + s[k].tp, 0),
      scores.reduce((a, s) => a + s[k].fp, 0),
      scores.reduce((a, s) => a + s[k].fn, 0),
    );
  return { sentences: add('sentences'), characters: add('characters') };
}
