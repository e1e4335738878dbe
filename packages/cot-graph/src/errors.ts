/**
 * Typed errors of @proj/cot-graph. Each message names what was wrong and how to fix it, so callers can show it
 * to users as is; `instanceof` (or `name`) tells the kinds apart.
 */

/** One problem found in a reasoning graph (see {@link ReasoningGraph.validate}). */
export interface GraphIssue {
  /** Stable machine-readable code, e.g. `'cycle'` or `'unreachable'`. */
  code: string;
  /** Human-readable description with the fix. */
  message: string;
  /** Node ids involved, when any. */
  nodes?: string[];
}

/**
 * A reasoning graph that breaks the rules: duplicate or unknown node ids, several roots, no answer node, a cycle,
 * unreachable nodes. `issues` lists every problem found, not just the first.
 *
 * @example
 * ```ts
 * try { graph.assertValid(); } catch (e) { if (e instanceof GraphError) console.error(e.issues.map((i) => i.code)); }
 * ```
 */
export class GraphError extends Error {
  /** Always `'GraphError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'GraphError';
  /** Every problem found. */
  readonly issues: GraphIssue[];

  constructor(issues: GraphIssue[], prefix = 'Invalid reasoning graph') {
    super(`${prefix}: ${issues.map((i) => i.message).join(' ')}`);
    this.issues = issues;
  }
}

/**
 * A JSON value that is not a serialised reasoning graph; `path` says where (e.g. `nodes[2].status`).
 *
 * @example
 * ```ts
 * try { ReasoningGraph.fromJSON({ nodes: 1 }); } catch (e) { if (e instanceof GraphJsonError) console.error(e.path); }
 * ```
 */
export class GraphJsonError extends Error {
  /** Always `'GraphJsonError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'GraphJsonError';
  /** JSON path of the offending value. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`Bad reasoning-graph JSON at ${path}: ${problem}`);
    this.path = path;
  }
}

/**
 * Graphviz DOT text that cannot be parsed. `line` and `column` are 1-based positions in the text given to the
 * parser (code fences and chatter around the graph included), and the message quotes the offending line.
 *
 * @example
 * ```ts
 * try { parseDot('digraph { a -> }'); } catch (e) { if (e instanceof DotSyntaxError) console.error(e.line, e.message); }
 * ```
 */
export class DotSyntaxError extends Error {
  /** Always `'DotSyntaxError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'DotSyntaxError';
  /** 1-based line of the problem. */
  readonly line: number;
  /** 1-based column of the problem. */
  readonly column: number;
  /** The problem alone, without position and excerpt. */
  readonly problem: string;

  constructor(problem: string, line: number, column: number, sourceLine: string | undefined) {
    const excerpt =
      sourceLine === undefined
        ? ''
        : `\n  ${String(line).padStart(4)} | ${sourceLine}\n       | ${' '.repeat(Math.max(0, column - 1))}^`;
    super(`DOT syntax error at line ${line}, column ${column}: ${problem}${excerpt}`);
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}

/**
 * An extractor that could not produce a valid graph: the model kept returning malformed DOT, or the trace is not
 * usable. `attempts` holds each failed attempt's error message, in order.
 *
 * @example
 * ```ts
 * try { await extractor.extract(trace); } catch (e) { if (e instanceof ExtractionError) console.error(e.attempts); }
 * ```
 */
export class ExtractionError extends Error {
  /** Always `'ExtractionError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'ExtractionError';
  /** Why each attempt failed. */
  readonly attempts: string[];

  constructor(message: string, attempts: string[] = []) {
    super(message);
    this.attempts = attempts;
  }
}

/**
 * A chunk labeller that could not label every chunk (the model's answers never named a label).
 *
 * @example
 * ```ts
 * try { await labeller.label(chunks); } catch (e) { if (e instanceof LabellerError) console.error(e.message); }
 * ```
 */
export class LabellerError extends Error {
  /** Always `'LabellerError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'LabellerError';
}

/**
 * Arguments a metric, ranking or editing function cannot work with: empty candidate groups, NaN metrics,
 * a graph without text spans where spans are needed, unknown strategy names.
 *
 * @example
 * ```ts
 * try { selectBestOfK([], 'fsf'); } catch (e) { if (e instanceof CotInputError) console.error(e.message); }
 * ```
 */
export class CotInputError extends Error {
  /** Always `'CotInputError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'CotInputError';
}

/**
 * A malformed JSONL line of traces: bad JSON or a record missing / mistyping a field. `line` is 1-based.
 *
 * @example
 * ```ts
 * try { parseTraceJsonl('{"trace": 1}', 'in.jsonl'); } catch (e) { if (e instanceof JsonlError) console.error(e.line); }
 * ```
 */
export class JsonlError extends Error {
  /** Always `'JsonlError'`, for checks where `instanceof` cannot work (logs, serialised errors). */
  override name = 'JsonlError';
  /** 1-based line of the offending record. */
  readonly line: number;
  /** Where the text came from (a path, or `stdin`). */
  readonly source: string;

  constructor(source: string, line: number, problem: string) {
    super(`${source}:${line}: ${problem}`);
    this.line = line;
    this.source = source;
  }
}
