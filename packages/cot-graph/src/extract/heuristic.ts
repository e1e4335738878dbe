import type { Embedder } from '@proj/models';
import { CotInputError } from '../errors.js';
import { type ReasoningEdge, ReasoningGraph, type ReasoningNode } from '../graph/graph.js';
import {
  ANSWER_CUES,
  affirmedMatch,
  DEAD_END_CUES,
  ERROR_CUES,
  GO_BACK_CUES,
  OPENER_CUES,
  RESTART_CUES,
  SUCCESS_CUES,
  SWITCH_CUES,
  VERIFY_CUES,
} from '../text/cues.js';
import { type SegmentOptions, segmentTrace, splitSentences } from '../text/segment.js';
import { dot, lexicalCosine, termCounts } from '../text/similarity.js';
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

/** How the extractor read one step (for explanations and debugging). */
export interface StepAnnotation {
  id: string;
  start: number;
  end: number;
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
  /** The phrase that triggered the rejection. */
  rejectionPhrase: string | null;
  /** When this step restarted from an earlier point by a "go back to" cue: the chosen ancestor. */
  restartedFrom: string | null;
}

/** Result of {@link extractHeuristicGraph}. */
export interface HeuristicResult extends ExtractionResult {
  steps: StepAnnotation[];
}

interface Unit {
  start: number;
  end: number;
  /** The rejection sentence is the unit's first sentence (it judges earlier steps, not itself). */
  leading: boolean;
  rejection: 'error' | 'dead-end' | null;
  phrase: string | null;
  /** Start of the rejection sentence. */
  sentence: number;
}

interface Plan {
  units: Unit[];
  answer: { start: number; end: number };
  warnings: string[];
}

/** A rejection that points back ("I subtracted wrong before"): the step carrying it is the correction. */
const BACK_REFERENCE = /\b(?:before|earlier|previously|above|the first time|last time)\b/i;

function rejectionOf(sentence: string): { kind: 'error' | 'dead-end'; phrase: string } | null {
  const d = affirmedMatch(sentence, DEAD_END_CUES);
  if (d) return { kind: 'dead-end', phrase: d[0] };
  const e = affirmedMatch(sentence, ERROR_CUES);
  if (e) return { kind: 'error', phrase: e[0] };
  return null;
}

function plan(trace: string, options: HeuristicOptions): Plan {
  const warnings: string[] = [];
  const chunks = segmentTrace(trace, options.segment);
  if (chunks.length === 0) {
    warnings.push('the trace is empty; the graph is just problem -> answer');
    return { units: [], answer: { start: trace.length, end: trace.length }, warnings };
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
  for (const c of chunks.slice(0, answerIdx)) {
    let cur: Unit | null = null;
    for (const s of splitSentences(trace, c.start, c.end)) {
      const first = cur === null;
      if (cur === null)
        cur = { start: s.start, end: s.end, leading: false, rejection: null, phrase: null, sentence: -1 };
      cur.end = s.end;
      const sentence = trace.slice(s.start, s.end);
      const r = rejectionOf(sentence);
      if (r) {
        cur.rejection = r.kind;
        cur.phrase = r.phrase;
        cur.sentence = s.start;
        // A first sentence that opens its own attempt or check ("Let me check x = -2: ... doesn't work") is
        // judging itself; otherwise it judges the steps before it ("But 66 is not a square, so that fails").
        cur.leading = first && !OPENER_CUES.test(sentence) && !VERIFY_CUES.test(sentence);
        units.push(cur);
        cur = null;
      }
    }
    if (cur) units.push(cur);
  }
  return { units, answer: { start: chunks[answerIdx].start, end: chunks[chunks.length - 1].end }, warnings };
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
  const scopeOf = (kind: 'error' | 'dead-end', target: string): string => {
    if (kind === 'dead-end') return findOpener(target) ?? target;
    // A failed check implicates the step that was checked.
    if (isVerify(target) && parentOf(target) !== 'problem') return parentOf(target);
    const up = parentOf(target);
    if (up !== 'problem' && isVerify(up) && parentOf(up) !== 'problem') return parentOf(up);
    return target;
  };
  const fail = (kind: 'error' | 'dead-end', target: string): void => {
    const scope = scopeOf(kind, target);
    markFailed(scope);
    stepsSinceFailure = 0;
    restartDefault = parentOf(scope);
    // Attempts above the branch point are settled: later failures stay inside the new attempt.
    closePath(restartDefault);
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
    const pointsBack = rejection !== null && BACK_REFERENCE.test(trace.slice(u.sentence, u.end));
    // "I made a slip the first time" shortly after a failure was handled comments on that failure.
    if (pointsBack && stepsSinceFailure <= 2) rejection = null;
    const backRef = rejection !== null && pointsBack && !u.leading;
    let phrase = u.phrase;
    // "Let me try a different approach" abandons the current attempt without naming a flaw.
    if (rejection === null && restartDefault === null && current !== 'problem') {
      const sw = SWITCH_CUES.exec(text);
      if (sw) {
        rejection = 'dead-end';
        phrase = sw[0];
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
        fail(rejection, target);
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
      }
      restartDefault = null;
    }
    const success =
      (rejection === null || backRef || switching) && affirmedMatch(text, SUCCESS_CUES) !== null;
    annotate(parent, restartedFrom, success);

    if (rejection !== null && !backRef && !switching) {
      // The rejection ends this step ("... = 100, which is too big."): the step, and the attempt it belongs to,
      // failed.
      fail(rejection, id);
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
 * (paragraphs and discourse cues), cuts each chunk after rejection sentences ("that's wrong", "doesn't work",
 * "contradiction", "too big"...), and grows the graph as a path: a rejection marks failed the attempt it ends
 * (back to its opener — "Suppose", "Let me try", "Maybe" — within `attemptWindow` steps, or the rejected step
 * alone for arithmetic-style errors), and the next step branches from the ancestor the failed attempt started
 * from, or, on a "going back to..." cue, from the most similar step on the path (bag-of-words cosine here; the
 * {@link HeuristicExtractor} can use an Embedder). The last chunk with a final-answer phrase (or the last chunk)
 * is the answer; every successful dead end also feeds the answer.
 *
 * @throws {CotInputError} when `trace` is not a string or options are out of range.
 *
 * @example
 * ```ts
 * const { graph } = extractHeuristicGraph(
 *   'Let me try x = 2. Then 2x = 4, too small.\n\nSo x = 3, since 2 * 3 = 6.\n\nThe answer is 3.',
 *   { problem: 'Solve 2x = 6.' },
 * );
 * graph.steps.map((s) => s.status); // ['failed', 'successful']
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
