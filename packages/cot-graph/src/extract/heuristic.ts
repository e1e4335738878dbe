import type { Embedder } from '@proj/models';
import { CotInputError } from '../errors.js';
import { type ReasoningEdge, ReasoningGraph, type ReasoningNode } from '../graph/graph.js';
import {
  ALTERNATIVE_CUES,
  ANSWER_CUES,
  affirmedMatch,
  COMPARISON_CUES,
  DEAD_END_CUES,
  ERROR_CUES,
  GO_BACK_CUES,
  OPENER_CUES,
  PIVOT_CUES,
  RESTART_CUES,
  SUCCESS_CUES,
  SWITCH_CUES,
  TRIAL_CUES,
  VERIFY_CUES,
  waitRejection,
} from '../text/cues.js';
import { type SegmentOptions, segmentTrace, splitSentences } from '../text/segment.js';
import { contentTokens, dot, lexicalCosine, termCounts } from '../text/similarity.js';
import type { ExtractionResult, ExtractOptions, GraphExtractor } from './types.js';

/** Options of the heuristic extractor. */
export interface HeuristicOptions {
  /** Problem statement for the root node's text (default: empty). */
  problem?: string;
  /** Chunking options (the same chunks the review labellers see). */
  segment?: SegmentOptions;
  /**
   * How many steps up the current path a "doesn't work" / "contradiction" rejection looks for the opener of the
   * attempt it ends ("Suppose...", "Let me try..."). Default 6.
   */
  attemptWindow?: number;
}

/**
 * Which signal made the extractor reject something:
 * - `lexical`: a rejection phrase ("that's wrong", "doesn't work", "too big", "overshoots", "scratch that");
 * - `wait`: "Wait" / "Hold on" followed by a negation or contrast ("Wait, no — ...");
 * - `comparison`: right after a trial value, the result misses its target ("That's below 3360.", "23, not -1");
 * - `question`: a question proposing a value that the next sentences never take up ("Is it 2^10 = 1024?");
 * - `superseded`: the step assigns a quantity a value that a later step replaces for good (x = 8 ... x = 7);
 * - `switch`: "let me try a different approach" abandons the current attempt;
 * - `pivot`: "let me do it properly" / "... instead" abandons the open tentative attempt;
 * - `abandoned`: a new attempt ("Alternatively", "What about") starts while the open tentative attempt's results
 *   are never used again.
 */
export type RejectionSignal =
  | 'lexical'
  | 'wait'
  | 'comparison'
  | 'question'
  | 'superseded'
  | 'switch'
  | 'pivot'
  | 'abandoned';

/** How the extractor read one step (for explanations and debugging). */
export interface StepAnnotation {
  /** The step's node id in the graph (`s1`, `s2`, ... in trace order). */
  id: string;
  /** Character offset in the trace where the step starts (UTF-16 code units, inclusive). */
  start: number;
  /** Character offset in the trace where the step ends (exclusive). */
  end: number;
  /** Id of the node the step branches from: `'problem'` or an earlier step. */
  parent: string;
  /** Opens a tentative attempt. */
  opener: boolean;
  /** Opens a verification. */
  verify: boolean;
  /** Confirms something (closes open attempts). */
  success: boolean;
  /** The rejection this step carries, if any: `error` (a wrong computation) or `dead-end` (an attempt fails). */
  rejection: 'error' | 'dead-end' | null;
  /**
   * What the rejection fails: `self` (the step and its attempt: "... = 100, too big"), `previous` (the steps
   * before it: "Wait, that's wrong.", "Let me try a different approach."), or null.
   */
  rejects: 'self' | 'previous' | null;
  /** The phrase that triggered the rejection (for structural signals, a short description). */
  rejectionPhrase: string | null;
  /** The kind of evidence behind the rejection, or null. */
  signal: RejectionSignal | null;
  /**
   * When this step restarted from an earlier point than the failed attempt's parent (a "go back to" cue, or
   * the numbers it uses): the chosen ancestor.
   */
  restartedFrom: string | null;
}

/** Result of {@link extractHeuristicGraph}. */
export interface HeuristicResult extends ExtractionResult {
  /** How each step was read (cues, rejection, parent), in trace order. */
  steps: StepAnnotation[];
}

interface Unit {
  start: number;
  end: number;
  /** The rejection sentence is the unit's first sentence (it judges earlier steps, not itself). */
  leading: boolean;
  rejection: 'error' | 'dead-end' | null;
  phrase: string | null;
  signal: RejectionSignal | null;
  /** The rejection fails this unit alone, not the attempt it belongs to. */
  narrow: boolean;
  /** Start of the rejection sentence. */
  sentence: number;
}

interface Plan {
  units: Unit[];
  answer: { start: number; end: number };
  warnings: string[];
  /** Numbers of each unit (the answer is the last entry), the problem's numbers, and where each number is seen. */
  numbers: Set<string>[];
  problemNumbers: Set<string>;
  firstSeen: Map<string, number>;
  lastSeen: Map<string, number>;
}

/** Opening of a conclusion drawn from the step before ("So the angle is ..."). */
const CONSEQUENCE = /^(?:so|thus|therefore|hence|then)\b/i;

/** A rejection that points back ("I subtracted wrong before"): the step carrying it is the correction. */
const BACK_REFERENCE = /\b(?:before|earlier|previously|above|the first time|last time)\b/i;

/** Questions about one's own work ("Did I miss p = 53?", "Is that right?"): not proposals of a value. */
const SELF_CHECK_QUESTION =
  /\b(?:did i|have i|am i|was i|is (?:that|this) (?:right|correct|true|ok|okay)|right|correct)\b|^(?:hmm+,?\s*)?(?:why|how)\b/i;

/** A question that proposes a value ("Is it 1024?", "n = 14 maybe?"), not one that asks for a computation. */
const PROPOSAL =
  /[=≈]|\b(?:is it|could it be|would it be|might it be|can it be|maybe|perhaps|what about|how about|is the answer|or is it)\b/i;

const NUMBER = /(?<![\w.])-?\d+(?:\.\d+)?(?![\w])/g;

function numbersIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(NUMBER)) out.add(String(Number(m[0])));
  return out;
}

/**
 * `name = ... = number` statements of a step: the name stands alone (not `3a = 36`, not `a + c = 20`) and the
 * clause after it ends in a plain number, optionally with a unit (`y = 10 - 8 = 2`, `t = √9 = 3 s`); `P = 2/15`
 * and `a = (20 ± 4)/2` settle nothing here.
 */
const EQUALS = /\s*[=≈≡]/g;
/** The name just before an `=` (searched in the 20 characters before it, so the scan stays linear). */
const NAME_BEFORE = /(?:^|[^A-Za-z0-9_^])([A-Za-z][A-Za-z0-9_]{0,11}(?:\(\d+\))?|\d+\^\d+)$/;
const CLAUSE_END = /[,;:!?\n]|\.(?:\s|$)|\s(?:and|or|so|which|then|but|since|because|giving|gives|i\.e\.)\b/;
const FINAL_VALUE = /(?:^|[=≈≡])\s*(-?\d+(?:\.\d+)?)\s*(?:[A-Za-z°%][A-Za-z°%/²³·]*\s*)?$/;

function assignmentsIn(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  EQUALS.lastIndex = 0;
  for (let eq = EQUALS.exec(text); eq !== null; eq = EQUALS.exec(text)) {
    const window = text.slice(Math.max(0, eq.index - 20), eq.index);
    const m = NAME_BEFORE.exec(window);
    if (!m) continue;
    const before = text.slice(Math.max(0, eq.index - m[1].length - 3), eq.index - m[1].length);
    if (/[\w^.)]$|[+\-*/×·^(=<>≤≥≡≈±]\s*$/.test(before)) continue;
    const from = eq.index + eq[0].length;
    const rest = text.slice(from, from + 120);
    const stop = CLAUSE_END.exec(rest);
    const v = FINAL_VALUE.exec(stop ? rest.slice(0, stop.index) : rest);
    if (!v) continue;
    const value = Number(v[1]);
    const list = out.get(m[1]) ?? [];
    if (!list.includes(value)) list.push(value);
    out.set(m[1], list);
  }
  return out;
}

/** Equal up to 5% (rounded and exact values of one quantity: t = 3 s and t ≈ 3.03 s). */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 0.05 * Math.max(Math.abs(a), Math.abs(b));
}

/** The sentence at `start` and the one after it in its paragraph (a rejection and its usual explanation). */
function rejectionWithReason(trace: string, start: number): string {
  const m = /\n[ \t\r]*\n/g;
  m.lastIndex = start;
  const e = m.exec(trace);
  const s = splitSentences(trace, start, Math.min(e ? e.index : trace.length, start + 400)).slice(0, 2);
  return s.length > 0 ? trace.slice(s[0].start, s[s.length - 1].end) : '';
}

/** Crude stem for word overlap: lower case, no plural ending, at most 6 letters ("posts" ~ "post"). */
function stem(word: string): string {
  return word.replace(/(?:es|s)$/, '').slice(0, 6);
}

interface Rejection {
  kind: 'error' | 'dead-end';
  phrase: string;
  signal: RejectionSignal;
}

function lexicalRejection(sentence: string): Rejection | null {
  const d = affirmedMatch(sentence, DEAD_END_CUES);
  if (d) return { kind: 'dead-end', phrase: d[0], signal: 'lexical' };
  const e = affirmedMatch(sentence, ERROR_CUES);
  if (e) return { kind: 'error', phrase: e[0], signal: 'lexical' };
  const w = waitRejection(sentence);
  if (w) return { kind: 'error', phrase: w, signal: 'wait' };
  return null;
}

/**
 * A question that proposes values ("Is it just 2^10 = 1024?") none of which the next two sentences use: the
 * trace moved on without taking it up. Values from the problem do not count as proposals.
 */
function unansweredQuestion(
  trace: string,
  sentence: string,
  end: number,
  problem: Set<string>,
): string | null {
  if (!/\?\s*$/.test(sentence) || SELF_CHECK_QUESTION.test(sentence) || !PROPOSAL.test(sentence)) return null;
  const proposed = [...numbersIn(sentence)].filter((n) => !problem.has(n));
  if (proposed.length === 0) return null;
  const next = splitSentences(trace, end, Math.min(trace.length, end + 400)).slice(0, 2);
  if (next.length === 0) return null;
  const later = numbersIn(next.map((s) => trace.slice(s.start, s.end)).join(' '));
  if (proposed.some((n) => later.has(n))) return null;
  return `question not taken up: ${sentence.length > 60 ? `${sentence.slice(0, 57)}...` : sentence}`;
}

function plan(trace: string, options: HeuristicOptions): Plan {
  const warnings: string[] = [];
  const problemNumbers = numbersIn(options.problem ?? '');
  const chunks = segmentTrace(trace, options.segment);
  if (chunks.length === 0) {
    warnings.push('the trace is empty; the graph is just problem -> answer');
    const end = { start: trace.length, end: trace.length };
    return {
      units: [],
      answer: end,
      warnings,
      numbers: [new Set()],
      problemNumbers,
      firstSeen: new Map(),
      lastSeen: new Map(),
    };
  }
  let answerIdx = -1;
  for (let i = chunks.length - 1; i >= 0; i--) {
    if (ANSWER_CUES.test(chunks[i].text)) {
      answerIdx = i;
      break;
    }
  }
  if (answerIdx < 0) {
    answerIdx = chunks.length - 1;
    warnings.push('no final-answer phrase found; the last chunk is taken as the answer');
  }
  const units: Unit[] = [];
  const fresh = (start: number): Unit => ({
    start,
    end: start,
    leading: false,
    rejection: null,
    phrase: null,
    signal: null,
    narrow: false,
    sentence: -1,
  });
  const problemWords = new Set(contentTokens(options.problem ?? '').map(stem));
  /** A sentence that only restates the problem (its words and numbers): setup, never part of an attempt. */
  const restates = (sentence: string): boolean => {
    if (problemWords.size === 0 || /[=≈≡]/.test(sentence) || TRIAL_CUES.test(sentence)) return false;
    if (OPENER_CUES.test(sentence) || [...numbersIn(sentence)].some((n) => !problemNumbers.has(n)))
      return false;
    const words = contentTokens(sentence);
    return words.length > 0 && words.filter((w) => problemWords.has(stem(w))).length >= 0.6 * words.length;
  };
  let inTrial = false;
  let paragraph = -1;
  for (const c of chunks.slice(0, answerIdx)) {
    // A trial ("Let me test n = 13: ...") stays open into the next chunk of its paragraph ("So that's below 3360").
    if (c.paragraph !== paragraph) inTrial = false;
    paragraph = c.paragraph;
    let cur: Unit | null = null;
    // While `cur` holds only sentences restating the problem, the next sentence that does not starts a new step:
    // restating is setup, not part of the attempt that follows ("The fence is 60 m ... 60 / 5 = 12 posts").
    let restating = false;
    // The step just cut after a rejection: a second rejection right after it ("... = 100, not 96. That doesn't
    // work.") joins it rather than becoming a failed step of its own.
    let rejected: Unit | null = null;
    for (const s of splitSentences(trace, c.start, c.end)) {
      const sentence = trace.slice(s.start, s.end);
      if (rejected !== null) {
        const again = lexicalRejection(sentence);
        const judgesItself = OPENER_CUES.test(sentence) || VERIFY_CUES.test(sentence);
        if (again && !judgesItself) {
          rejected.end = s.end;
          continue;
        }
        rejected = null;
      }
      const question = unansweredQuestion(trace, sentence, s.end, problemNumbers);
      // A proposal question is a step of its own: the sentences before it are not part of what it proposes.
      if (question && cur) {
        units.push(cur);
        cur = null;
      }
      const restatement = restates(sentence);
      if (cur && restating && !restatement) {
        units.push(cur);
        cur = null;
      }
      const first = cur === null;
      if (cur === null) {
        cur = fresh(s.start);
        restating = restatement;
      }
      cur.end = s.end;
      if (TRIAL_CUES.test(sentence) || OPENER_CUES.test(sentence)) inTrial = true;
      let r = lexicalRejection(sentence);
      if (!r && inTrial) {
        const m = affirmedMatch(sentence, COMPARISON_CUES);
        if (m) r = { kind: 'dead-end', phrase: m[0], signal: 'comparison' };
      }
      if (!r && question) r = { kind: 'dead-end', phrase: question, signal: 'question' };
      if (r) {
        cur.rejection = r.kind;
        cur.phrase = r.phrase;
        cur.signal = r.signal;
        cur.narrow = r.signal === 'question';
        cur.sentence = s.start;
        // A first sentence that opens its own attempt or check ("Let me check x = -2: ... doesn't work") is
        // judging itself; otherwise it judges the steps before it ("But 66 is not a square, so that fails").
        cur.leading =
          first && r.signal !== 'question' && !OPENER_CUES.test(sentence) && !VERIFY_CUES.test(sentence);
        units.push(cur);
        rejected = cur;
        cur = null;
        inTrial = false;
      } else if (affirmedMatch(sentence, SUCCESS_CUES)) {
        inTrial = false;
      }
    }
    if (cur) units.push(cur);
  }
  const answer = { start: chunks[answerIdx].start, end: chunks[chunks.length - 1].end };

  // Numbers per unit, for the data-flow signals (superseded values, unused attempts, restart points).
  const texts = [...units.map((u) => trace.slice(u.start, u.end)), trace.slice(answer.start, answer.end)];
  const numbers = texts.map(numbersIn);
  const firstSeen = new Map<string, number>();
  const lastSeen = new Map<string, number>();
  numbers.forEach((set, i) => {
    for (const n of set) {
      if (!firstSeen.has(n)) firstSeen.set(n, i);
      lastSeen.set(n, i);
    }
  });
  markSuperseded(units, texts, problemNumbers);
  return { units, answer, warnings, numbers, problemNumbers, firstSeen, lastSeen };
}

/**
 * A step that settles `name = v` when the last later step to settle `name` (the answer included) gives a
 * different single value is superseded: its value was replaced ("x = 8, y = 2 ... x = 7 and y = 3"). Not for
 * confirmed or verifying steps, and not for names that settle on three or more values (counters, loop tables).
 */
function markSuperseded(units: Unit[], texts: string[], problem: Set<string>): void {
  const assigned = texts.map(assignmentsIn);
  // A step stands unless it is rejected, by itself or by a "Wait, that's wrong." opening the next step.
  const settled = (i: number) =>
    i >= units.length ||
    (units[i].rejection === null &&
      !(i + 1 < units.length && units[i + 1].rejection !== null && units[i + 1].leading));
  // Values of each name in steps that stand (not rejected): three or more means a quantity that evolves.
  const values = new Map<string, Set<number>>();
  for (const [i, a] of assigned.entries()) {
    if (!settled(i)) continue;
    for (const [name, vs] of a) {
      const set = values.get(name) ?? new Set<number>();
      for (const v of vs) set.add(v);
      values.set(name, set);
    }
  }
  // The value that stands: from the last step that was not itself rejected (or the answer).
  const last = new Map<string, number>();
  assigned.forEach((a, i) => {
    if (settled(i)) for (const name of a.keys()) last.set(name, i);
  });
  units.forEach((u, i) => {
    if (!settled(i)) return;
    const text = texts[i];
    if (VERIFY_CUES.test(text) || affirmedMatch(text, SUCCESS_CUES)) return;
    for (const [name, vs] of assigned[i]) {
      const j = last.get(name);
      // Restating a given ("ab = 96") is never superseded.
      if (j === undefined || j <= i || values.get(name)!.size >= 3) continue;
      if (vs.every((v) => problem.has(String(v)))) continue;
      const final = assigned[j].get(name)!;
      if (final.length !== 1 || vs.some((v) => close(v, final[0]))) continue;
      u.rejection = 'error';
      u.signal = 'superseded';
      u.narrow = true;
      u.phrase = `${name} = ${vs.join(' / ')} replaced by ${name} = ${final[0]}`;
      return;
    }
  });
}

interface MutableNode {
  id: string;
  start: number;
  end: number;
  parent: string;
  failed: boolean;
  opener: boolean;
  closed: boolean;
}

function build(
  trace: string,
  p: Plan,
  options: HeuristicOptions,
  similarity: (unitIndex: number, nodeId: string) => number,
): HeuristicResult {
  const window = options.attemptWindow ?? 6;
  if (!(Number.isInteger(window) && window >= 1)) {
    throw new CotInputError(`attemptWindow must be an integer >= 1, got ${window}.`);
  }
  const nodes = new Map<string, MutableNode>();
  const kids = new Map<string, string[]>([['problem', []]]);
  const steps: StepAnnotation[] = [];
  let current = 'problem';
  let restartDefault: string | null = null;

  const pathTo = (id: string): string[] => {
    const path: string[] = [];
    for (let n: string | undefined = id; n !== undefined && n !== 'problem'; n = nodes.get(n)?.parent)
      path.push(n);
    path.push('problem');
    return path.reverse();
  };
  const markFailed = (id: string): void => {
    const stack = [id];
    while (stack.length > 0) {
      const n = stack.pop()!;
      nodes.get(n)!.failed = true;
      stack.push(...kids.get(n)!);
    }
  };
  const findOpener = (from: string): string | null => {
    let n: string | undefined = from;
    for (let k = 0; k < window && n !== undefined && n !== 'problem'; k++) {
      const node: MutableNode = nodes.get(n)!;
      if (node.opener && !node.closed) return n;
      n = node.parent;
    }
    return null;
  };

  /** Close every attempt on the path to `id` (once a node is closed, its ancestors are too: stop there). */
  const closePath = (id: string): void => {
    for (let n = id; n !== 'problem'; n = nodes.get(n)!.parent) {
      const node = nodes.get(n)!;
      if (node.closed) return;
      node.closed = true;
    }
  };
  const isVerify = (id: string): boolean => id !== 'problem' && steps[order(id) - 1].verify;
  const parentOf = (id: string): string => nodes.get(id)!.parent;
  /** Which step a rejection of `target` fails, with everything below it. */
  const textOf = (id: string): string => trace.slice(nodes.get(id)!.start, nodes.get(id)!.end);
  /**
   * "So the angle is 240 - 90 = 150." rejected by "Hmm, no. I forgot that the hour hand moves": when the
   * rejection (and the sentence after it) shares more words with the premise just before a "So ..." conclusion
   * (same paragraph) than with the conclusion, the premise is wrong too.
   */
  const premiseOf = (target: string, by: string): string => {
    const up = parentOf(target);
    if (up === 'problem' || !CONSEQUENCE.test(textOf(target))) return target;
    if (/\n[ \t\r]*\n/.test(trace.slice(nodes.get(up)!.end, nodes.get(target)!.start))) return target;
    const named = new Set(contentTokens(by).map(stem));
    const hits = (id: string) => contentTokens(textOf(id)).filter((w) => named.has(stem(w))).length;
    return hits(up) > hits(target) ? up : target;
  };
  const scopeOf = (
    kind: 'error' | 'dead-end',
    target: string,
    narrow: boolean,
    by: string | null,
  ): string => {
    if (narrow) return target;
    if (kind === 'dead-end') return findOpener(target) ?? target;
    // A failed check implicates the step that was checked.
    if (isVerify(target) && parentOf(target) !== 'problem') return parentOf(target);
    const up = parentOf(target);
    if (up !== 'problem' && isVerify(up) && parentOf(up) !== 'problem') return parentOf(up);
    return by === null ? target : premiseOf(target, by);
  };
  /** Fail `target` (and what the rejection's scope adds); `by` is the text of a rejection of earlier steps. */
  const fail = (
    kind: 'error' | 'dead-end',
    target: string,
    narrow = false,
    by: string | null = null,
  ): void => {
    const scope = scopeOf(kind, target, narrow, by);
    markFailed(scope);
    stepsSinceFailure = 0;
    restartDefault = parentOf(scope);
    // Attempts above the branch point are settled: later failures stay inside the new attempt.
    closePath(restartDefault);
  };
  /**
   * Whether the attempt from `opener` to `current` produced numbers (not in the problem, not seen before it)
   * that unit `ui` or anything after it uses. Undecided (no such numbers): true, the attempt is kept.
   */
  const attemptUsedLater = (opener: string, ui: number): boolean => {
    const from = order(opener) - 1;
    let produced = 0;
    for (const n of pathTo(current)) {
      if (n === 'problem' || order(n) - 1 < from) continue;
      for (const x of p.numbers[order(n) - 1]) {
        if (p.problemNumbers.has(x) || p.firstSeen.get(x)! < from) continue;
        produced++;
        if (p.lastSeen.get(x)! >= ui) return true;
      }
    }
    return produced === 0;
  };
  /**
   * Where a new attempt after a failure attaches: the deepest step on the path to the failed attempt's parent
   * that first wrote a number the new step uses (B uses information from A); the failed attempt's parent when no
   * step above it did.
   */
  const dataFlowParent = (ui: number, from: string): string => {
    const uses = p.numbers[ui];
    if (uses.size === 0) return from;
    let n = from;
    while (n !== 'problem') {
      const k = order(n) - 1;
      for (const x of p.numbers[k])
        if (uses.has(x) && p.firstSeen.get(x) === k && !p.problemNumbers.has(x)) return n;
      n = parentOf(n);
    }
    return from;
  };
  let lastRejected: string | null = null;
  let stepsSinceFailure = Number.POSITIVE_INFINITY;

  p.units.forEach((u, ui) => {
    stepsSinceFailure++;
    const text = trace.slice(u.start, u.end);
    const id = `s${ui + 1}`;
    const opener = OPENER_CUES.test(text);
    const verify = VERIFY_CUES.test(text);
    let rejection = u.rejection;
    let signal = u.signal;
    const pointsBack =
      rejection !== null && signal === 'lexical' && BACK_REFERENCE.test(trace.slice(u.sentence, u.end));
    // "I made a slip the first time" shortly after a failure was handled comments on that failure.
    if (pointsBack && stepsSinceFailure <= 2) {
      rejection = null;
      signal = null;
    }
    const backRef = rejection !== null && pointsBack && !u.leading;
    let phrase = u.phrase;
    if (rejection === null && restartDefault === null && current !== 'problem') {
      const sw = SWITCH_CUES.exec(text);
      const pivot = sw ? null : PIVOT_CUES.exec(text);
      const alt = sw || pivot ? null : ALTERNATIVE_CUES.exec(text);
      if (sw) {
        // "Let me try a different approach" abandons the current attempt without naming a flaw.
        rejection = 'dead-end';
        phrase = sw[0];
        signal = 'switch';
      } else if (pivot && findOpener(current) !== null) {
        // "Let me do it properly" gives up the tentative attempt in progress (there must be one).
        rejection = 'dead-end';
        phrase = pivot[0];
        signal = 'pivot';
      } else if (alt) {
        // "Alternatively, ..." next to an open attempt: a verification if that attempt's results are used again,
        // a silent abandonment if they never are.
        const o = findOpener(current);
        if (o !== null && !attemptUsedLater(o, ui)) {
          rejection = 'dead-end';
          phrase = `${alt[0]} (the attempt from ${o} is never used again)`;
          signal = 'abandoned';
        }
      }
    }
    const switching = rejection !== null && u.rejection === null;
    const annotate = (parent: string, restartedFrom: string | null, success: boolean) => {
      nodes.set(id, { id, start: u.start, end: u.end, parent, failed: false, opener, closed: false });
      kids.set(id, []);
      kids.get(parent)!.push(id);
      const rejects = rejection === null ? null : u.leading || backRef || switching ? 'previous' : 'self';
      steps.push({
        id,
        start: u.start,
        end: u.end,
        parent,
        opener,
        verify,
        success,
        rejection,
        rejects,
        rejectionPhrase: rejection ? phrase : null,
        signal: rejection ? signal : null,
        restartedFrom,
      });
    };

    // "Wait, that's wrong." right after a failure was handled: it belongs to the failed branch it comments on.
    if (rejection !== null && u.leading && restartDefault !== null && lastRejected !== null) {
      annotate(lastRejected, null, false);
      markFailed(id);
      lastRejected = id;
      return;
    }
    // A rejection of what came before ("Wait, that's wrong.", "... I subtracted wrong before."): fail it first.
    if (rejection !== null && (u.leading || backRef || switching) && restartDefault === null) {
      if (current === 'problem') {
        rejection = null; // nothing before it to reject
      } else {
        const target = current;
        fail(rejection, target, false, u.leading ? rejectionWithReason(trace, u.sentence) : null);
        if (u.leading) {
          // The rejection sentence itself is part of the abandoned branch.
          annotate(target, null, false);
          markFailed(id);
          lastRejected = id;
          return;
        }
      }
    }

    let parent = current;
    let restartedFrom: string | null = null;
    if (restartDefault !== null) {
      parent = restartDefault;
      if (GO_BACK_CUES.test(text)) {
        if (RESTART_CUES.test(text)) {
          parent = 'problem';
        } else {
          // Return to the most similar point on the successful path that led to the failure.
          let best = -Infinity;
          for (const cand of pathTo(restartDefault)) {
            if (cand === 'problem' && !options.problem) continue;
            const sim = similarity(ui, cand);
            if (sim > best) {
              best = sim;
              parent = cand;
            }
          }
          if (!(best > 0)) parent = restartDefault;
        }
        restartedFrom = parent;
      } else if (restartDefault !== 'problem') {
        parent = dataFlowParent(ui, restartDefault);
        if (parent !== restartDefault) restartedFrom = parent;
      }
      restartDefault = null;
    }
    const success =
      (rejection === null || backRef || switching) && affirmedMatch(text, SUCCESS_CUES) !== null;
    annotate(parent, restartedFrom, success);

    if (rejection !== null && !backRef && !switching) {
      // The rejection ends this step ("... = 100, which is too big."): the step, and the attempt it belongs to,
      // failed.
      fail(rejection, id, u.narrow);
      lastRejected = id;
      current = restartDefault!;
    } else {
      current = id;
      if (success) closePath(id);
    }
  });

  const outNodes: ReasoningNode[] = [
    { id: 'problem', text: options.problem ?? '', kind: 'problem', status: 'successful', span: null },
  ];
  const edges: ReasoningEdge[] = [];
  for (const n of nodes.values()) {
    outNodes.push({
      id: n.id,
      text: trace.slice(n.start, n.end),
      kind: 'step',
      status: n.failed ? 'failed' : 'successful',
      span: { start: n.start, end: n.end },
    });
    edges.push({ from: n.parent, to: n.id });
  }
  outNodes.push({
    id: 'answer',
    text: trace.slice(p.answer.start, p.answer.end),
    kind: 'answer',
    status: 'successful',
    span: { start: p.answer.start, end: p.answer.end },
  });
  // The answer rests on the current line of reasoning and on every other successful line that ended (a
  // verification by a second method, say): the answer is the only successful sink.
  const toAnswer = new Set<string>([current]);
  for (const n of nodes.values()) if (!n.failed && kids.get(n.id)!.length === 0) toAnswer.add(n.id);
  for (const id of [...toAnswer].sort((a, b) => order(a) - order(b))) edges.push({ from: id, to: 'answer' });
  return { graph: new ReasoningGraph(outNodes, edges), warnings: p.warnings, steps };
}

function order(id: string): number {
  return id === 'problem' ? 0 : Number(id.slice(1));
}

/**
 * The local, model-free extractor (an approximation of the paper's LLM graphs). It splits the trace into chunks
 * (paragraphs and discourse cues) and cuts each chunk after sentences that reject something, read from:
 * rejection phrases ("that's wrong", "doesn't work", "contradiction", "too big", "overshoots", "scratch that"),
 * "Wait" / "Hold on" plus a negation ("Wait, no — ..."), comparisons right after a trial value ("Let me test
 * n = 13: ... That's below 3360."), and questions proposing a value that the next sentences never use ("Is it
 * 2^10 = 1024?"). A step whose `name = value` is replaced for good by a later step is superseded. The graph grows
 * as a path: a rejection marks failed the attempt it ends (back to its opener — "Suppose", "Let me try", "Maybe"
 * — within `attemptWindow` steps, or the rejected step alone for arithmetic-style errors, superseded values and
 * questions); "let me try a different approach" and "let me do it properly" / "... instead" abandon the open
 * attempt; "Alternatively" / "What about" abandon it when its numbers are never used again (otherwise it was
 * verified). The next step branches from the ancestor the failed attempt started from: the deepest step on that
 * path that first wrote a number the new step uses, or, on a "going back to..." cue, the most similar step
 * (bag-of-words cosine here; the {@link HeuristicExtractor} can use an Embedder). Sentences that only restate the
 * problem are steps of their own. The last chunk with a final-answer phrase (or the last chunk) is the answer;
 * every successful dead end also feeds the answer. It sees only what these rules name: an approximation.
 *
 * @throws {CotInputError} when `trace` is not a string or options are out of range.
 *
 * @example
 * ```ts
 * const { graph, steps } = extractHeuristicGraph(
 *   'Let me try x = 2. Then 2x = 4, too small.\n\nSo x = 3, since 2 * 3 = 6.\n\nThe answer is 3.',
 *   { problem: 'Solve 2x = 6.' },
 * );
 * graph.steps.map((s) => s.status); // ['failed', 'successful']
 * steps[0].signal;                   // 'lexical' (the phrase "too small")
 * ```
 */
export function extractHeuristicGraph(trace: string, options: HeuristicOptions = {}): HeuristicResult {
  if (typeof trace !== 'string') throw new CotInputError(`The trace must be a string, got ${typeof trace}.`);
  const p = plan(trace, options);
  const counts = new Map<string, Map<string, number>>();
  const countsOf = (key: string, text: string) => {
    let c = counts.get(key);
    if (!c) {
      c = termCounts(text);
      counts.set(key, c);
    }
    return c;
  };
  return build(trace, p, options, (ui, nodeId) => {
    const u = p.units[ui];
    const a = countsOf(`u${ui}`, trace.slice(u.start, u.end));
    if (nodeId === 'problem') return lexicalCosine(a, countsOf('problem', options.problem ?? ''));
    const n = p.units[Number(nodeId.slice(1)) - 1];
    return lexicalCosine(a, countsOf(`u${Number(nodeId.slice(1)) - 1}`, trace.slice(n.start, n.end)));
  });
}

/**
 * {@link GraphExtractor} over {@link extractHeuristicGraph}. With an `embedder`, step similarity (used to pick
 * the ancestor a "going back to..." attempt restarts from) is the cosine of embeddings instead of bag-of-words;
 * the embedder is called once per trace with every step's text.
 *
 * @example
 * ```ts
 * const extractor = new HeuristicExtractor({ embedder }); // embedder optional
 * const { graph } = await extractor.extract(trace, { problem });
 * ```
 */
export class HeuristicExtractor implements GraphExtractor {
  constructor(private readonly options: HeuristicOptions & { embedder?: Embedder } = {}) {}

  /**
   * Extract the graph of one trace; `options.problem` overrides the constructor's `problem`.
   *
   * @throws {CotInputError} when `trace` is not a string, options are out of range, or the embedder returns
   *   the wrong number of vectors.
   * @example
   * ```ts
   * const { graph, steps } = await new HeuristicExtractor().extract(trace, { problem: 'Solve 2x = 6.' });
   * ```
   */
  async extract(trace: string, options: ExtractOptions = {}): Promise<HeuristicResult> {
    const { embedder, ...rest } = this.options;
    const opts: HeuristicOptions = { ...rest, problem: options.problem ?? rest.problem };
    if (!embedder) return extractHeuristicGraph(trace, opts);
    if (typeof trace !== 'string')
      throw new CotInputError(`The trace must be a string, got ${typeof trace}.`);
    const p = plan(trace, opts);
    const texts = p.units.map((u) => trace.slice(u.start, u.end));
    const vecs =
      texts.length > 0
        ? await embedder.embed([...texts, opts.problem ?? ''], { signal: options.signal })
        : [];
    if (vecs.length !== texts.length + 1 && texts.length > 0) {
      throw new CotInputError(`The embedder returned ${vecs.length} vectors for ${texts.length + 1} texts.`);
    }
    return build(trace, p, opts, (ui, nodeId) =>
      dot(vecs[ui], nodeId === 'problem' ? vecs[texts.length] : vecs[Number(nodeId.slice(1)) - 1]),
    );
  }
}
