/**
 * The two done-when figures of @proj/cot-graph:
 *   - heuristic analysis (extract the graph, label review chunks, all metrics) of a 50,000-character trace < 20 ms
 *   - parsing a 500-node DOT graph < 5 ms
 * plus, for scale, the pieces and the same 500-node graph read from its JSON form by JSON.parse (a floor no DOT
 * parser can beat). Prints a table and writes bench/results/cot-graph.json.
 *
 *   npx tsx --conditions=@proj/source packages/cot-graph/bench/cot.bench.ts
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  analyzeTraceSync,
  extractHeuristicGraph,
  graphFromDot,
  graphToDot,
  parseDot,
  parseLabelledTrace,
  renderSvg,
  segmentTrace,
} from '../src/index.js';

const here = import.meta.dirname;
const labelled = join(here, '..', 'src', 'eval', 'fixtures', 'labelled');

/**
 * A 50,000-character trace made of the hand-labelled dev traces, repeated (realistic cue density). The held-out
 * traces stay out of every run but the measurement.
 */
function longTrace(chars: number): string {
  const parts: string[] = [];
  for (const folder of ['dev']) {
    for (const f of readdirSync(join(labelled, folder)).sort()) {
      parts.push(parseLabelledTrace(readFileSync(join(labelled, folder, f), 'utf8')).trace);
    }
  }
  let out = '';
  for (let i = 0; out.length < chars; i++) out += `${parts[i % parts.length]}\n\n`;
  return out.slice(0, chars);
}

/** A 500-node graph as a model would write it: code fence, comments, defaults, labels, quotes, chains. */
function bigDot(nodes: number): string {
  const lines = [
    'Here is the graph for the trace.',
    '',
    '```dot',
    'digraph CoT {',
    '  rankdir=TB; // as requested',
    '  node [shape=box, style=filled, fillcolor=lightblue];',
    '  problem [kind=problem, label="Problem"];',
  ];
  for (let i = 1; i < nodes - 1; i++) {
    const failed = i % 9 === 4 || i % 9 === 5;
    lines.push(
      `  s${i} [label="Step ${i}: compute the value of x_${i} from the previous step", quote="So x_${i} = ${i * 7} because", fillcolor=${failed ? 'lightpink' : 'lightblue'}];`,
    );
  }
  lines.push('  answer [kind=answer, label="x = 42"];');
  lines.push('  /* edges: a main line with failed side branches */');
  let prev = 'problem';
  for (let i = 1; i < nodes - 1; i++) {
    if (i % 9 === 4) {
      lines.push(`  ${prev} -> s${i} -> s${i + 1};`);
    } else if (i % 9 !== 5) {
      lines.push(`  ${prev} -> s${i};`);
      prev = `s${i}`;
    }
  }
  lines.push(`  ${prev} -> answer;`, '}', '```');
  return lines.join('\n');
}

function time(fn: () => unknown, warmup: number, reps: number): { median: number; p90: number; min: number } {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(reps / 2)], p90: t[Math.floor(reps * 0.9)], min: t[0] };
}

const trace = longTrace(50_000);
const dot = bigDot(500);
const parsed = graphFromDot(dot);
if (parsed.graph.size !== 500 || !parsed.graph.validate().valid)
  throw new Error('bench DOT graph is not a valid 500-node graph');
const analysis = analyzeTraceSync(trace);
const graphJson = JSON.stringify(parsed.graph.toJSON());

const rows: { name: string; targetMs: number | null; r: ReturnType<typeof time> }[] = [
  {
    name: 'heuristic analysis, 50,000-char trace',
    targetMs: 20,
    r: time(() => analyzeTraceSync(trace), 20, 200),
  },
  { name: '  segmentTrace only', targetMs: null, r: time(() => segmentTrace(trace), 20, 200) },
  {
    name: '  extractHeuristicGraph only',
    targetMs: null,
    r: time(() => extractHeuristicGraph(trace), 20, 200),
  },
  { name: 'parseDot, 500-node DOT', targetMs: 5, r: time(() => parseDot(dot), 50, 500) },
  { name: '  graphFromDot (parse + build graph)', targetMs: null, r: time(() => graphFromDot(dot), 50, 500) },
  { name: '  graphToDot (write)', targetMs: null, r: time(() => graphToDot(parsed.graph), 50, 500) },
  {
    name: '  JSON.parse of the same graph (floor)',
    targetMs: null,
    r: time(() => JSON.parse(graphJson), 50, 500),
  },
  {
    name: 'renderSvg, 500 nodes (dagre layout)',
    targetMs: null,
    r: time(() => renderSvg(parsed.graph), 2, 10),
  },
];

console.log(
  `trace: ${trace.length} chars, ${analysis.metrics.steps} steps, FSF ${analysis.metrics.fsf.toFixed(3)}; DOT: ${dot.length} chars, 500 nodes\n`,
);
console.log(
  `${'benchmark'.padEnd(44)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(9)} ${'target'.padStart(7)} ${'median/target'.padStart(14)}`,
);
for (const { name, targetMs, r } of rows) {
  console.log(
    `${name.padEnd(44)} ${r.median.toFixed(3).padStart(10)} ${r.p90.toFixed(3).padStart(9)} ${(targetMs === null ? '' : `${targetMs}`).padStart(7)} ${(targetMs === null ? '' : (r.median / targetMs).toFixed(3)).padStart(14)}`,
  );
}
const pass = rows.every((x) => x.targetMs === null || x.r.median < x.targetMs);
console.log(`\n${pass ? 'PASS' : 'FAIL'}: every target met by the median`);

const outDir = join(here, '..', '..', '..', 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const path = join(outDir, 'cot-graph.json');
const result = {
  benchmark: 'cot-graph',
  date: new Date().toISOString(),
  node: process.version,
  traceChars: trace.length,
  traceSteps: analysis.metrics.steps,
  dotNodes: parsed.graph.size,
  dotChars: dot.length,
  pass,
  resultsMs: Object.fromEntries(rows.map(({ name, targetMs, r }) => [name.trim(), { ...r, targetMs }])),
};
writeFileSync(`${path}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
renameSync(`${path}.tmp`, path);
if (!pass) process.exitCode = 1;
