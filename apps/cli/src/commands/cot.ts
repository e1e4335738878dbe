import { readFile, rename, writeFile } from 'node:fs/promises';
import {
  analyzeTraceSync,
  type CandidateGroup,
  CotInputError,
  evaluateSelection,
  extractHeuristicGraph,
  graphFromDot,
  HeuristicChunkLabeller,
  metricsFromGraph,
  parseTraceJsonl,
  pruneFailedBranches,
  ReasoningGraph,
  renderSvg,
  reviewRatio,
  SELECTION_STRATEGIES,
  type SelectionStrategy,
  segmentTrace,
  selectBestOfK,
  summarizeMetrics,
  type TraceMetrics,
  type TraceRecord,
} from '@proj/cot-graph';
import { type Command, type CommandContext, UsageError } from '../cli.js';

const FORMAT = `Input: JSON Lines (a file, '-' or piped stdin), one trace per line:
  {"id": "q7-s3", "trace": "Okay, so ...", "problem": "Find ...", "correct": true, "group": "q7"}
  "trace" (or "cot" / "reasoning") is required; "id" defaults to line-<n>; "correct" enables the
  correctness statistics; candidates of one problem share "group" (or "problem_id" / "question_id",
  else "problem"). A record may carry its graph ("graph": JSON form, or "dot": DOT text, e.g. from an
  LLM extractor); otherwise the local heuristic extractor builds it (an approximation: see the
  @proj/cot-graph README for its measured precision / recall).
FSF = failed steps / steps (problem root and answer sink not counted).`;

/** Where input comes from, and its text. */
async function readSource(ctx: CommandContext): Promise<{ text: string; source: string }> {
  if (ctx.positionals.length > 1)
    throw new UsageError(`expected one input file, got ${ctx.positionals.length}.`);
  const source = ctx.positionals[0] ?? '-';
  if (source === '-') return { text: await ctx.readStdin(), source: 'stdin' };
  try {
    return { text: await readFile(source, 'utf8'), source };
  } catch (e) {
    throw new UsageError(`cannot read ${source}: ${(e as Error).message}`);
  }
}

async function readRecords(ctx: CommandContext): Promise<TraceRecord[]> {
  const { text, source } = await readSource(ctx);
  const records = parseTraceJsonl(text, source);
  if (records.length === 0)
    throw new UsageError(`${source} holds no traces; give a JSONL file with one {"trace": ...} per line.`);
  return records;
}

async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, 'utf8');
  await rename(tmp, path);
}

function graphOf(r: TraceRecord): ReasoningGraph {
  return r.graph ?? extractHeuristicGraph(r.trace, { problem: r.problem }).graph;
}

/** Metrics of one record: its own graph when given, else the heuristic pipeline. */
function analyzeRecord(r: TraceRecord): { metrics: TraceMetrics; graph: ReasoningGraph; warnings: string[] } {
  if (!r.graph) return analyzeTraceSync(r.trace, { problem: r.problem });
  const v = r.graph.validate();
  if (!v.valid) {
    throw new CotInputError(
      `line ${r.line} (${r.id}): the given graph is invalid: ${v.errors.map((e) => e.message).join(' ')}`,
    );
  }
  const chunks = segmentTrace(r.trace);
  const labels = new HeuristicChunkLabeller().labelSync(chunks, { problem: r.problem });
  return {
    metrics: metricsFromGraph(r.trace, r.graph, reviewRatio(chunks, labels)),
    graph: r.graph,
    warnings: [],
  };
}

const fmt = (x: number | null, d = 3) => (x === null ? '-' : x.toFixed(d));

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'Per-trace length, review ratio, FSF, branches and first-failure depth, with batch statistics.',
  usage: '[options] [<file|->]',
  description: `Analyse chain-of-thought traces: build each trace's reasoning graph, then report its length, review
ratio, Failed-Step Fraction (FSF), failed branches and the depth of the first failure, plus batch statistics
(and, when records say whether they were correct, per-class means and each metric's AUROC for wrong answers).

${FORMAT}

Output: a table (default) or, with --json, {"traces": [{id, line, metrics, warnings}], "summary": {...}}.
--out <file> writes one JSON line per trace instead (add --graphs to include each graph) and prints only
the summary.

Examples:
  proj cot analyze traces.jsonl
  cat traces.jsonl | proj cot analyze --json | jq .summary
  proj cot analyze traces.jsonl --out metrics.jsonl --graphs`,
  options: {
    out: {
      type: 'string',
      short: 'o',
      valueName: 'file',
      description: 'Write per-trace JSONL here (atomically).',
    },
    graphs: { type: 'boolean', description: 'With --out: include each reasoning graph (JSON form).' },
  },
  async run(ctx) {
    const records = await readRecords(ctx);
    if (ctx.values.graphs && typeof ctx.values.out !== 'string')
      throw new UsageError('--graphs needs --out <file>.');
    const rows = records.map((r) => ({ r, ...analyzeRecord(r) }));
    const summary = summarizeMetrics(rows.map(({ r, metrics }) => ({ metrics, correct: r.correct })));
    if (typeof ctx.values.out === 'string') {
      const lines = rows.map(({ r, metrics, graph, warnings }) =>
        JSON.stringify({
          id: r.id,
          line: r.line,
          metrics,
          warnings,
          ...(ctx.values.graphs ? { graph: graph.toJSON() } : {}),
        }),
      );
      await writeAtomic(ctx.values.out, `${lines.join('\n')}\n`);
      ctx.out(
        ctx.values.json
          ? JSON.stringify({ out: ctx.values.out, summary })
          : `${humanSummary(summary)}\nwrote ${ctx.values.out}`,
      );
      return 0;
    }
    if (ctx.values.json) {
      ctx.out(
        JSON.stringify({
          traces: rows.map(({ r, metrics, warnings }) => ({ id: r.id, line: r.line, metrics, warnings })),
          summary,
        }),
      );
      return 0;
    }
    ctx.out(
      table(
        ['id', 'chars', 'steps', 'failed', 'FSF', 'review', 'branches', 'first-fail depth'],
        rows.map(({ r, metrics: m }) => [
          r.id,
          String(m.characters),
          String(m.steps),
          String(m.failedSteps),
          fmt(m.fsf),
          fmt(m.reviewRatio),
          String(m.branches),
          m.firstFailureDepth === null ? '-' : String(m.firstFailureDepth),
        ]),
      ),
    );
    ctx.out('');
    ctx.out(humanSummary(summary));
    return 0;
  },
};

function humanSummary(s: ReturnType<typeof summarizeMetrics>): string {
  const m = s.metrics;
  const lines = [
    `${s.count} trace(s): FSF mean ${fmt(m.fsf.mean)} (median ${fmt(m.fsf.median)}), review ratio mean ${fmt(m.reviewRatio.mean)}, length mean ${Math.round(m.characters.mean)} chars, branches mean ${fmt(m.branches.mean, 2)}`,
  ];
  const c = s.byCorrectness;
  if (c) {
    lines.push(
      `correct ${c.correct} / incorrect ${c.incorrect}: FSF ${fmt(c.meanCorrect.fsf ?? null)} vs ${fmt(c.meanIncorrect.fsf ?? null)}, review ${fmt(c.meanCorrect.reviewRatio ?? null)} vs ${fmt(c.meanIncorrect.reviewRatio ?? null)}, length ${fmt(c.meanCorrect.characters ?? null, 0)} vs ${fmt(c.meanIncorrect.characters ?? null, 0)}`,
      `AUROC for a wrong answer (0.5 = no signal): ${Object.entries(c.aurocIncorrect)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}`,
    );
  }
  return lines.join('\n');
}

function intFlag(v: unknown, name: string, def: number, min: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${String(v)}'.`);
  return n;
}

const rankCommand: Command = {
  name: 'rank',
  summary:
    'Best-of-k selection per problem by fsf | length | review | random, with pass@1 and bootstrap CIs.',
  usage: '[options] [<file|->]',
  description: `Pick one trace per problem from its k candidates: lowest FSF (ties: shorter), shortest, lowest review
ratio (ties: shorter) or random. When every record says whether it was correct, also compare all
strategies: pass@1 with a percentile-bootstrap CI over problems, and the gain over random selection
(paired CI). A tie is scored as the mean correctness of the tied candidates.

${FORMAT}

Output: a table of the selections and the comparison, or with --json
{"strategy", "selections": [{group, id, line, k}], "evaluation": {...}}.

Examples:
  proj cot rank candidates.jsonl
  proj cot rank candidates.jsonl --strategy length --json`,
  options: {
    strategy: {
      type: 'string',
      short: 's',
      default: 'fsf',
      valueName: 'name',
      description: `Selection strategy: ${SELECTION_STRATEGIES.join(', ')}.`,
    },
    seed: {
      type: 'string',
      default: '0',
      valueName: 'n',
      description: 'Seed for random selection, ties and the bootstrap.',
    },
    ties: {
      type: 'string',
      default: 'first',
      valueName: 'first|random',
      description: 'Candidates tied on every key.',
    },
    resamples: { type: 'string', default: '2000', valueName: 'n', description: 'Bootstrap resamples.' },
    confidence: {
      type: 'string',
      default: '0.95',
      valueName: 'p',
      description: 'Confidence level of the intervals.',
    },
  },
  async run(ctx) {
    const strategy = String(ctx.values.strategy ?? 'fsf') as SelectionStrategy;
    if (!SELECTION_STRATEGIES.includes(strategy)) {
      throw new UsageError(`unknown strategy '${strategy}'; use one of ${SELECTION_STRATEGIES.join(', ')}.`);
    }
    const ties = String(ctx.values.ties ?? 'first');
    if (ties !== 'first' && ties !== 'random')
      throw new UsageError(`--ties must be first or random, got '${ties}'.`);
    const seed = intFlag(ctx.values.seed, 'seed', 0, 0);
    const resamples = intFlag(ctx.values.resamples, 'resamples', 2000, 1);
    const confidence = Number(ctx.values.confidence ?? 0.95);
    if (!(confidence > 0 && confidence < 1))
      throw new UsageError(`--confidence must be in (0, 1), got '${String(ctx.values.confidence)}'.`);
    const records = await readRecords(ctx);
    const grouped = records.some((r) => r.group !== undefined);
    if (grouped) {
      const missing = records.find((r) => r.group === undefined);
      if (missing) {
        throw new UsageError(
          `line ${missing.line} (${missing.id}) has no group; give every candidate "group" (or "problem_id" / "problem").`,
        );
      }
    } else {
      ctx.err('note: no record has a group key; ranking all traces as one group.');
    }
    const groups = new Map<string, { r: TraceRecord; fsf: number; length: number; reviewRatio: number }[]>();
    for (const r of records) {
      const { metrics } = analyzeRecord(r);
      const key = r.group ?? 'all';
      if (!groups.has(key)) groups.set(key, []);
      groups
        .get(key)!
        .push({ r, fsf: metrics.fsf, length: metrics.characters, reviewRatio: metrics.reviewRatio });
    }
    const selections = [...groups].map(([group, cands], gi) => {
      const i = selectBestOfK(cands, strategy, { seed: seed + gi, ties: ties as 'first' | 'random' });
      const c = cands[i];
      return {
        group,
        id: c.r.id,
        line: c.r.line,
        k: cands.length,
        fsf: c.fsf,
        length: c.length,
        reviewRatio: c.reviewRatio,
        correct: c.r.correct,
      };
    });
    const labelled = records.every((r) => typeof r.correct === 'boolean');
    const evaluation = labelled
      ? evaluateSelection(
          [...groups].map(([id, cands]) => ({
            id,
            candidates: cands.map((c) => ({
              fsf: c.fsf,
              length: c.length,
              reviewRatio: c.reviewRatio,
              correct: c.r.correct as boolean,
            })),
          })) as CandidateGroup[],
          { seed, resamples, confidence },
        )
      : null;
    if (ctx.values.json) {
      ctx.out(
        JSON.stringify({
          strategy,
          selections,
          evaluation: evaluation && {
            groups: evaluation.groups,
            candidates: evaluation.candidates,
            results: evaluation.results,
          },
        }),
      );
      return 0;
    }
    ctx.out(`strategy ${strategy}: ${selections.length} group(s), ${records.length} candidate(s)`);
    ctx.out(
      table(
        ['group', 'k', 'selected', 'FSF', 'chars', 'review', 'correct'],
        selections.map((s) => [
          s.group.length > 40 ? `${s.group.slice(0, 37)}...` : s.group,
          String(s.k),
          s.id,
          fmt(s.fsf),
          String(s.length),
          fmt(s.reviewRatio),
          s.correct === undefined ? '-' : s.correct ? 'yes' : 'no',
        ]),
      ),
    );
    if (evaluation) {
      ctx.out('');
      ctx.out(
        `pass@1 over ${evaluation.groups} group(s), ${Math.round(confidence * 100)}% percentile-bootstrap CIs (${resamples} resamples, seed ${seed}):`,
      );
      ctx.out(
        table(
          ['strategy', 'pass@1', 'CI', 'vs random', 'CI'],
          evaluation.results.map((x) => [
            x.strategy,
            fmt(x.passAt1.estimate),
            `[${fmt(x.passAt1.lower)}, ${fmt(x.passAt1.upper)}]`,
            `${x.gainOverRandom.estimate >= 0 ? '+' : ''}${fmt(x.gainOverRandom.estimate)}`,
            `[${fmt(x.gainOverRandom.lower)}, ${fmt(x.gainOverRandom.upper)}]`,
          ]),
        ),
      );
    } else {
      ctx.out('(add "correct": true/false to every record to compare strategies by pass@1)');
    }
    return 0;
  },
};

const pruneCommand: Command = {
  name: 'prune',
  summary: 'Remove the first / last / all failed branches; output prefixes ready for continuation.',
  usage: '[options] [<file|->]',
  description: `Edit traces as in the paper: cut at a failed branch and remove it (or replace it by a one-line summary),
so that a model can continue from the edited prefix.

${FORMAT}

Output: JSON Lines {"id", "line", "edited", "prefix", "removed": [[start, end], ...], "summaries"} on stdout
or in --out <file>; a summary on stderr (or on stdout as JSON with --out and --json).

Examples:
  proj cot prune wrong.jsonl --which last > prefixes.jsonl
  proj cot prune wrong.jsonl --which all --summary --keep-suffix --out edited.jsonl`,
  options: {
    which: {
      type: 'string',
      short: 'w',
      default: 'last',
      valueName: 'first|last|all',
      description: 'Which failed branches to remove.',
    },
    summary: { type: 'boolean', description: 'Replace each removed branch by a one-line summary.' },
    'keep-suffix': {
      type: 'boolean',
      description: 'Keep the text after the cut (an edited full trace, not a prefix).',
    },
    out: { type: 'string', short: 'o', valueName: 'file', description: 'Write the JSONL here (atomically).' },
  },
  async run(ctx) {
    const which = String(ctx.values.which ?? 'last');
    if (which !== 'first' && which !== 'last' && which !== 'all') {
      throw new UsageError(`--which must be first, last or all, got '${which}'.`);
    }
    const records = await readRecords(ctx);
    const lines: string[] = [];
    let edited = 0;
    let removedChars = 0;
    for (const r of records) {
      const res = await pruneFailedBranches(r.trace, graphOf(r), {
        which,
        summary: ctx.values.summary ? 'heuristic' : 'none',
        keepSuffix: Boolean(ctx.values['keep-suffix']),
      });
      if (res.edited) edited++;
      for (const s of res.removed) removedChars += s.end - s.start;
      lines.push(
        JSON.stringify({
          id: r.id,
          line: r.line,
          edited: res.edited,
          prefix: res.prefix,
          removed: res.removed.map((s) => [s.start, s.end]),
          summaries: res.summaries,
        }),
      );
    }
    const summary = { traces: records.length, edited, removedChars, which };
    const human = `pruned ${which} failed branch(es): ${edited} of ${records.length} trace(s) edited, ${removedChars} characters removed`;
    if (typeof ctx.values.out === 'string') {
      await writeAtomic(ctx.values.out, `${lines.join('\n')}\n`);
      ctx.out(
        ctx.values.json
          ? JSON.stringify({ ...summary, out: ctx.values.out })
          : `${human}; wrote ${ctx.values.out}`,
      );
    } else {
      ctx.out(lines.join('\n'));
      ctx.err(human);
    }
    return 0;
  },
};

const renderCommand: Command = {
  name: 'render',
  summary: 'Draw a reasoning graph as SVG (from a JSONL trace, DOT, or graph JSON).',
  usage: '[options] [<file|->]',
  description: `Render one reasoning graph to SVG with a layered layout (no Graphviz needed): lightblue successful
steps, lightpink failed ones, the full step text as a tooltip. The input is either
  - Graphviz DOT (as an LLM extractor returns it; code fences and chatter are fine),
  - a graph in JSON form ({"nodes": [...], "edges": [...]}), or
  - JSON Lines of traces: the record picked by --id or --index (default: the first) is extracted
    with the local heuristic extractor unless it carries "graph" / "dot".

Output: the SVG on stdout, or in --out <file> (atomically) with a one-line note (JSON with --json).

Examples:
  proj cot render traces.jsonl --id q7-s3 --out q7-s3.svg
  proj cot render graph.dot > graph.svg`,
  options: {
    out: { type: 'string', short: 'o', valueName: 'file', description: 'Write the SVG here (atomically).' },
    id: { type: 'string', valueName: 'id', description: 'JSONL input: render the record with this id.' },
    index: {
      type: 'string',
      valueName: 'n',
      description: 'JSONL input: render the n-th record (1-based). Default 1.',
    },
    title: { type: 'string', valueName: 'text', description: 'Title drawn above the graph.' },
    rankdir: { type: 'string', default: 'TB', valueName: 'TB|LR', description: 'Layout direction.' },
    'max-label': {
      type: 'string',
      default: '90',
      valueName: 'n',
      description: 'Characters of step text shown per node.',
    },
  },
  async run(ctx) {
    const rankdir = String(ctx.values.rankdir ?? 'TB').toUpperCase();
    if (rankdir !== 'TB' && rankdir !== 'LR')
      throw new UsageError(`--rankdir must be TB or LR, got '${rankdir}'.`);
    const maxLabelChars = intFlag(ctx.values['max-label'], 'max-label', 90, 1);
    const { text, source } = await readSource(ctx);
    const { graph, name } = graphFromInput(text, source, ctx);
    const svg = renderSvg(graph, {
      rankdir,
      maxLabelChars,
      title: typeof ctx.values.title === 'string' ? ctx.values.title : undefined,
    });
    if (typeof ctx.values.out === 'string') {
      await writeAtomic(ctx.values.out, svg);
      const info = { out: ctx.values.out, graph: name, nodes: graph.size, edges: graph.edges.length };
      ctx.out(
        ctx.values.json
          ? JSON.stringify(info)
          : `wrote ${info.out} (${name}: ${info.nodes} nodes, ${info.edges} edges)`,
      );
    } else {
      ctx.out(svg.trimEnd());
    }
    return 0;
  },
};

function graphFromInput(
  text: string,
  source: string,
  ctx: CommandContext,
): { graph: ReasoningGraph; name: string } {
  const trimmed = text.trimStart();
  if (trimmed === '') throw new UsageError(`${source} is empty.`);
  if (/\.(dot|gv)$/i.test(source) || !trimmed.startsWith('{')) {
    const { graph, warnings } = graphFromDot(text);
    for (const w of warnings) ctx.err(`warning: ${w}`);
    return { graph, name: 'DOT graph' };
  }
  // A whole-file JSON object with nodes is a graph; anything else is JSONL of traces.
  try {
    const whole = JSON.parse(text) as unknown;
    if (typeof whole === 'object' && whole !== null && 'nodes' in whole)
      return { graph: ReasoningGraph.fromJSON(whole), name: 'graph JSON' };
  } catch {
    // JSONL: handled below.
  }
  const records = parseTraceJsonl(text, source);
  let rec: TraceRecord | undefined;
  if (typeof ctx.values.id === 'string') {
    rec = records.find((r) => r.id === ctx.values.id);
    if (!rec) throw new UsageError(`no record with id '${ctx.values.id}' in ${source}.`);
  } else {
    const i = intFlag(ctx.values.index, 'index', 1, 1);
    rec = records[i - 1];
    if (!rec) throw new UsageError(`--index ${i} is past the last record (${records.length}) of ${source}.`);
  }
  return { graph: graphOf(rec), name: rec.id };
}

/**
 * `proj cot`: chain-of-thought structure (arXiv 2509.19284) on JSONL traces: `analyze` (FSF, review ratio, length,
 * branches), `rank` (best-of-k selection and its pass@1), `prune` (remove failed branches for continuation) and
 * `render` (SVG of a reasoning graph).
 *
 * @example
 * ```ts
 * import { cotCommand } from './commands/cot.js';
 * export const commands: Command[] = [demoCommand, rlCommand, cotCommand];
 * ```
 */
export const cotCommand: Command = {
  name: 'cot',
  summary: 'Chain-of-thought structure: FSF and other metrics, best-of-k ranking, pruning, SVG graphs.',
  description:
    'Chain-of-thought structure (arXiv 2509.19284): turn traces into reasoning graphs, measure the Failed-Step Fraction, review ratio and length, rank candidates, prune failed branches and draw the graphs.',
  subcommands: [analyzeCommand, rankCommand, pruneCommand, renderCommand],
};
