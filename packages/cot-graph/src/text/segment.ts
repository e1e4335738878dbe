import { CotInputError } from '../errors.js';
import type { TextSpan } from '../graph/graph.js';

/** A chunk of a trace: a paragraph, or part of one that begins with a discourse cue. */
export interface Chunk {
  /** 0-based position in the chunk list. */
  index: number;
  /** Offsets into the trace, whitespace trimmed: `trace.slice(start, end) === text`. */
  start: number;
  /** End offset in the trace (exclusive). */
  end: number;
  /** The chunk's text, whitespace trimmed. */
  text: string;
  /** 0-based paragraph of the chunk's first character. */
  paragraph: number;
  /** The discourse cue the chunk opens with (lower-cased), or null (paragraph start without a cue). */
  cue: string | null;
}

/** Options of {@link segmentTrace}. */
export interface SegmentOptions {
  /** Chunks with fewer characters are merged into a neighbour ("Hmm." is not a step). Default 20. */
  minChars?: number;
  /**
   * Sentence openers that start a new chunk inside a paragraph, matched at the sentence start (case-insensitive).
   * Default {@link DISCOURSE_CUES}.
   */
  cues?: RegExp;
}

/**
 * Discourse cues that open a new chunk: the paper's examples ("Wait", "Alternatively", "Let me check", "Hmm",
 * "But", "So", "Let me verify") and their usual companions in reasoning-model traces.
 *
 * @example
 * ```ts
 * segmentTrace(trace, { cues: /^(?:wait|so|but)\b/i }); // a narrower cue set
 * ```
 */
export const DISCOURSE_CUES =
  /^(?:wait|hmm+|hm+|alternatively|but|so|actually|hold on|oh|oops|now|okay|ok|let me|let's|let us|another|maybe|perhaps|therefore|thus|hence|instead|however|first|next|finally|double[- ]check|check|verify|on second thought|going back|no,|yes,)(?=[\s,.:;!?-]|$)/i;

const WS = /\s/;

function trimSpan(text: string, start: number, end: number): TextSpan | null {
  while (start < end && WS.test(text[start])) start++;
  while (end > start && WS.test(text[end - 1])) end--;
  return end > start ? { start, end } : null;
}

/**
 * Paragraphs: runs of text separated by blank lines, whitespace trimmed.
 *
 * @example
 * ```ts
 * splitParagraphs('a\n\nb'); // [{ start: 0, end: 1 }, { start: 3, end: 4 }]
 * ```
 */
export function splitParagraphs(text: string): TextSpan[] {
  const out: TextSpan[] = [];
  const re = /\n[ \t\r]*\n\s*/g;
  let from = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const s = trimSpan(text, from, m.index);
    if (s) out.push(s);
    from = m.index + m[0].length;
  }
  const s = trimSpan(text, from, text.length);
  if (s) out.push(s);
  return out;
}

/**
 * Sentences of `text[from, to)`: ends after `.`, `!` or `?` (plus closing quotes or brackets) followed by
 * whitespace, and at line breaks, so that equations on their own lines are separate units. Whitespace trimmed.
 *
 * @example
 * ```ts
 * splitSentences('x = 3.5 here. Next one?').length; // 2
 * ```
 */
export function splitSentences(text: string, from = 0, to = text.length): TextSpan[] {
  const out: TextSpan[] = [];
  const re = /[.!?]+["')\]*]*(?=\s)|\n/g;
  re.lastIndex = from;
  let start = from;
  for (let m = re.exec(text); m !== null && m.index < to; m = re.exec(text)) {
    const end = Math.min(m.index + m[0].length, to);
    const s = trimSpan(text, start, end);
    if (s) out.push(s);
    start = end;
  }
  const s = trimSpan(text, start, to);
  if (s) out.push(s);
  return out;
}

/**
 * Split a trace into chunks, the unit of the review-ratio labellers and of the heuristic extractor's steps:
 * paragraphs, further split before sentences that open with a discourse cue ("Wait", "So", "Let me check"...).
 * Chunks shorter than `minChars` join the next chunk of their paragraph (or the previous one at its end); a whole
 * short paragraph joins the next paragraph, except the last one, which stands alone.
 *
 * @throws {CotInputError} when `trace` is not a string or `minChars` is negative.
 *
 * @example
 * ```ts
 * segmentTrace('Let x = 2. Then y = 4.\n\nWait, that is wrong. So y = 5.').map((c) => c.text);
 * // ['Let x = 2. Then y = 4.', 'Wait, that is wrong.', 'So y = 5.']
 * ```
 */
export function segmentTrace(trace: string, options: SegmentOptions = {}): Chunk[] {
  if (typeof trace !== 'string')
    throw new CotInputError(`segmentTrace needs a string trace, got ${typeof trace}.`);
  const minChars = options.minChars ?? 20;
  if (!(minChars >= 0)) throw new CotInputError(`minChars must be >= 0, got ${minChars}.`);
  const cues = options.cues ?? DISCOURSE_CUES;
  interface Raw {
    start: number;
    end: number;
    paragraph: number;
    cue: string | null;
  }
  const raw: Raw[] = [];
  const paragraphs = splitParagraphs(trace);
  paragraphs.forEach((p, pi) => {
    const sentences = splitSentences(trace, p.start, p.end);
    let cur: Raw | null = null;
    for (const s of sentences) {
      const m = cues.exec(trace.slice(s.start, Math.min(s.end, s.start + 40)));
      if (cur === null || m) {
        if (cur) raw.push(cur);
        cur = { start: s.start, end: s.end, paragraph: pi, cue: m ? m[0].toLowerCase() : null };
      } else {
        cur.end = s.end;
      }
    }
    if (cur) raw.push(cur);
  });
  // Merge short chunks. Each pass merges at most one neighbour per chunk; repeat until stable (rarely > 2 passes).
  const merged: Raw[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c.end - c.start >= minChars) {
      merged.push(c);
      continue;
    }
    const next = raw[i + 1];
    const prev = merged[merged.length - 1];
    const alone = (!next || next.paragraph !== c.paragraph) && (!prev || prev.paragraph !== c.paragraph);
    if (next && (next.paragraph === c.paragraph || alone)) {
      raw[i + 1] = { start: c.start, end: next.end, paragraph: c.paragraph, cue: c.cue ?? next.cue };
    } else if (prev && !alone) {
      prev.end = c.end;
    } else {
      // A short closing paragraph ("The answer is 3.") stands alone.
      merged.push(c);
    }
  }
  return merged.map((c, index) => ({
    index,
    start: c.start,
    end: c.end,
    text: trace.slice(c.start, c.end),
    paragraph: c.paragraph,
    cue: c.cue,
  }));
}
