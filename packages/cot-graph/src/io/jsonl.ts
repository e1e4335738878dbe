import { graphFromDot } from '../dot/to-graph.js';
import { JsonlError } from '../errors.js';
import { ReasoningGraph } from '../graph/graph.js';

/** One trace record of a JSONL file. */
export interface TraceRecord {
  /** `id` field, or `line-<n>`. */
  id: string;
  /** 1-based line in the file. */
  line: number;
  /** The chain-of-thought text, from the `trace`, `cot` or `reasoning` field. */
  trace: string;
  /** The problem statement (`problem` field), when given; also the default group. */
  problem?: string;
  /** Whether the trace's final answer was right (needed for evaluation). */
  correct?: boolean;
  /** Candidates with the same group are ranked together: `group`, `problem_id` or `question_id`, else `problem`. */
  group?: string;
  /** A graph given with the record (`graph`: the JSON form, or `dot`: DOT text), used instead of extracting. */
  graph?: ReasoningGraph;
}

const TRACE_KEYS = ['trace', 'cot', 'reasoning'] as const;
const GROUP_KEYS = ['group', 'problem_id', 'question_id'] as const;

/**
 * Parse JSONL of traces: one JSON object per line with `trace` (or `cot` / `reasoning`), and optionally `id`,
 * `problem`, `correct`, a group key (`group` / `problem_id` / `question_id`), and a precomputed `graph` (JSON form)
 * or `dot`. Blank lines are skipped.
 *
 * @throws {JsonlError} naming the source and line of the first bad record.
 *
 * @example
 * ```ts
 * const records = parseTraceJsonl('{"id":"a","trace":"x = 2.","correct":true}\n', 'traces.jsonl');
 * records[0].trace; // 'x = 2.'
 * ```
 */
export function parseTraceJsonl(text: string, source = 'input'): TraceRecord[] {
  const out: TraceRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '') return;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      throw new JsonlError(
        source,
        line,
        `invalid JSON (${(e as Error).message}); each line must be one JSON object.`,
      );
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new JsonlError(source, line, 'expected a JSON object like {"trace": "..."}.');
    }
    const o = v as Record<string, unknown>;
    const key = TRACE_KEYS.find((k) => k in o);
    if (key === undefined)
      throw new JsonlError(source, line, 'missing the "trace" field (or "cot" / "reasoning").');
    if (typeof o[key] !== 'string') throw new JsonlError(source, line, `"${key}" must be a string.`);
    const rec: TraceRecord = { id: `line-${line}`, line, trace: o[key] as string };
    if (o.id !== undefined) {
      if (typeof o.id !== 'string' && typeof o.id !== 'number')
        throw new JsonlError(source, line, '"id" must be a string or number.');
      rec.id = String(o.id);
    }
    if (o.problem !== undefined) {
      if (typeof o.problem !== 'string') throw new JsonlError(source, line, '"problem" must be a string.');
      rec.problem = o.problem;
    }
    if (o.correct !== undefined) {
      if (typeof o.correct !== 'boolean')
        throw new JsonlError(source, line, '"correct" must be true or false.');
      rec.correct = o.correct;
    }
    const gk = GROUP_KEYS.find((k) => o[k] !== undefined);
    if (gk) {
      if (typeof o[gk] !== 'string' && typeof o[gk] !== 'number')
        throw new JsonlError(source, line, `"${gk}" must be a string or number.`);
      rec.group = String(o[gk]);
    } else if (rec.problem !== undefined) {
      rec.group = rec.problem;
    }
    try {
      if (o.graph !== undefined) rec.graph = ReasoningGraph.fromJSON(o.graph);
      else if (o.dot !== undefined) {
        if (typeof o.dot !== 'string') throw new Error('"dot" must be a string of DOT text.');
        rec.graph = graphFromDot(o.dot).graph;
      }
    } catch (e) {
      throw new JsonlError(source, line, `bad graph: ${(e as Error).message}`);
    }
    out.push(rec);
  });
  return out;
}
