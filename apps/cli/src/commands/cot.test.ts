import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyzeTraceSync,
  evaluateSelection,
  extractHeuristicGraph,
  pruneFailedBranches,
} from '@proj/cot-graph';
import { afterAll, describe, expect, it } from 'vitest';
import { helpText } from '../cli.js';
import { runProj } from '../testing.js';
import { cotCommand } from './cot.js';

const dir = mkdtempSync(join(tmpdir(), 'proj-cot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `proj cot <argv>` through runCli, capturing output. */
const run = (argv: string[], stdin = '') => runProj(['cot', ...argv], stdin);

const clean = 'We need 2x + 1 = 7. Subtracting 1 gives 2x = 6.\n\nSo x = 3.\n\nThe answer is 3.';
const messy = [
  'We need 2x + 1 = 7.',
  'Let me try x = 2. Then 2x + 1 = 5.',
  "That doesn't work, since 5 is not 7.",
  'Let me try x = 4. Then 2x + 1 = 9, which is too big.',
  'Subtracting 1 gives 2x = 6, so x = 3.',
  'The answer is 3.',
].join('\n\n');
const wrong = 'Let me guess x = 2 and stop here.\n\nThe answer is 2.';
const records = [
  { id: 'a1', trace: clean, problem: 'P1', correct: true },
  { id: 'a2', trace: messy, problem: 'P1', correct: true },
  { id: 'a3', trace: wrong, problem: 'P1', correct: false },
  { id: 'b1', trace: messy, problem: 'P2', correct: false },
  { id: 'b2', trace: clean, problem: 'P2', correct: true },
];
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n');

describe('proj cot analyze', () => {
  it('prints a table and summary whose numbers are the library results', async () => {
    const { code, out } = await run(['analyze'], jsonl(records));
    expect(code).toBe(0);
    const m = analyzeTraceSync(messy, { problem: 'P1' }).metrics;
    const row = out.split('\n').find((l) => l.startsWith('a2'))!;
    expect(row.split(/\s+/)).toEqual([
      'a2',
      String(m.characters),
      String(m.steps),
      String(m.failedSteps),
      m.fsf.toFixed(3),
      m.reviewRatio.toFixed(3),
      String(m.branches),
      String(m.firstFailureDepth),
    ]);
    expect(out).toMatch(/^5 trace\(s\): FSF mean/m);
    expect(out).toMatch(/^correct 3 \/ incorrect 2: FSF/m);
  });

  it('--json returns traces and summary; a bad line is reported with its number (exit 1)', async () => {
    const { code, out } = await run(['analyze', '--json'], jsonl(records));
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.traces.map((t: { id: string }) => t.id)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(doc.traces[1].metrics).toEqual(analyzeTraceSync(messy, { problem: 'P1' }).metrics);
    expect(doc.summary.byCorrectness).toMatchObject({ correct: 3, incorrect: 2 });
    const bad = await run(['analyze'], `${JSON.stringify(records[0])}\n{"trace": 3}`);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('proj cot analyze: JsonlError: stdin:2: "trace" must be a string.');
  });

  it('--out writes per-trace JSONL (with --graphs) atomically and prints the summary', async () => {
    const file = join(dir, 'in.jsonl');
    const outFile = join(dir, 'metrics.jsonl');
    writeFileSync(file, jsonl(records));
    const { code, out } = await run(['analyze', file, '--out', outFile, '--graphs', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ out: outFile, summary: { count: 5 } });
    const lines = readFileSync(outFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[1].graph).toEqual(extractHeuristicGraph(messy, { problem: 'P1' }).graph.toJSON());
  });

  it('rejects usage errors with exit 2', async () => {
    expect((await run(['analyze', '--graphs'], jsonl(records))).code).toBe(2);
    const missing = await run(['analyze', join(dir, 'missing.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^proj cot analyze: cannot read .*missing\.jsonl/);
    expect((await run(['analyze'], '\n\n')).err).toMatch(/holds no traces/);
  });
});

describe('proj cot rank', () => {
  it('selects per group and compares strategies like evaluateSelection', async () => {
    const { code, out } = await run(['rank', '--json', '--seed', '3', '--resamples', '300'], jsonl(records));
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    // P1: clean (FSF 0) and wrong (FSF 0) tie on FSF; the shorter one (wrong) wins. P2: clean wins.
    expect(doc.selections.map((s: { group: string; id: string }) => `${s.group}:${s.id}`)).toEqual([
      'P1:a3',
      'P2:b2',
    ]);
    const metrics = (t: string, p: string) => analyzeTraceSync(t, { problem: p }).metrics;
    const expected = evaluateSelection(
      [
        [records[0], records[1], records[2]],
        [records[3], records[4]],
      ].map((g) => ({
        candidates: g.map((r) => {
          const m = metrics(r.trace, r.problem);
          return { fsf: m.fsf, length: m.characters, reviewRatio: m.reviewRatio, correct: r.correct };
        }),
      })),
      { seed: 3, resamples: 300 },
    );
    expect(doc.evaluation.results).toEqual(JSON.parse(JSON.stringify(expected.results)));
  });

  it('prints a table; without groups ranks everything as one group; bad strategy exits 2', async () => {
    const { out } = await run(['rank'], jsonl(records));
    expect(out).toMatch(/^strategy fsf: 2 group\(s\), 5 candidate\(s\)/);
    expect(out).toMatch(/pass@1 over 2 group\(s\), 95% percentile-bootstrap CIs/);
    const single = await run(
      ['rank', '-s', 'length'],
      jsonl(records.map(({ problem: _p, correct: _c, ...r }) => r)),
    );
    expect(single.err).toMatch(/ranking all traces as one group/);
    expect(single.out).toMatch(/add "correct": true\/false/);
    expect((await run(['rank', '--strategy', 'best'], jsonl(records))).code).toBe(2);
    const partial = await run(['rank'], jsonl([records[0], { id: 'x', trace: clean }]));
    expect(partial).toMatchObject({ code: 2 });
    expect(partial.err).toMatch(/line 2 \(x\) has no group/);
  });
});

describe('proj cot prune', () => {
  it('outputs the library prefixes as JSONL', async () => {
    const { code, out, err } = await run(
      ['prune', '--which', 'all', '--summary'],
      jsonl([records[1], records[0]]),
    );
    expect(code).toBe(0);
    const lines = out.split('\n').map((l) => JSON.parse(l));
    const expected = await pruneFailedBranches(messy, extractHeuristicGraph(messy, { problem: 'P1' }).graph, {
      which: 'all',
      summary: 'heuristic',
    });
    expect(lines[0]).toMatchObject({ id: 'a2', edited: true, prefix: expected.prefix });
    expect(lines[1]).toMatchObject({ id: 'a1', edited: false, prefix: clean });
    expect(err).toMatch(/1 of 2 trace\(s\) edited/);
    expect((await run(['prune', '--which', 'some'], jsonl(records))).code).toBe(2);
  });
});

describe('proj cot render', () => {
  it('renders DOT from stdin to SVG on stdout', async () => {
    const { code, out } = await run(
      ['render'],
      '```dot\ndigraph { p [kind=problem]; s [fillcolor=lightpink]; a [kind=answer]; p -> s; p -> a }\n```',
    );
    expect(code).toBe(0);
    expect(out.startsWith('<svg')).toBe(true);
    expect(out.match(/<g class="node /g)).toHaveLength(3);
  });

  it('renders a JSONL record by id to a file, and a graph JSON file', async () => {
    const file = join(dir, 'traces.jsonl');
    writeFileSync(file, jsonl(records));
    const svgFile = join(dir, 'a2.svg');
    const r = await run(['render', file, '--id', 'a2', '--out', svgFile, '--json']);
    expect(r.code).toBe(0);
    const g = extractHeuristicGraph(messy, { problem: 'P1' }).graph;
    expect(JSON.parse(r.out)).toEqual({ out: svgFile, graph: 'a2', nodes: g.size, edges: g.edges.length });
    expect(readFileSync(svgFile, 'utf8')).toContain('</svg>');
    const gfile = join(dir, 'g.json');
    writeFileSync(gfile, JSON.stringify(g.toJSON()));
    expect((await run(['render', gfile, '--rankdir', 'lr'])).out).toContain('<svg');
    expect((await run(['render', file, '--id', 'zz'])).err).toMatch(/no record with id 'zz'/);
    expect((await run(['render', file, '--index', '9'])).code).toBe(2);
    const broken = await run(['render'], 'digraph { a -> }');
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^proj cot render: DotSyntaxError: DOT syntax error at line 1, column 16/);
  });
});

describe('help', () => {
  it('documents the input format and the FSF convention', () => {
    const analyze = cotCommand.subcommands!.find((c) => c.name === 'analyze')!;
    const text = helpText(analyze, ['cot', 'analyze']);
    expect(text).toMatch(/^proj cot analyze \[options\] \[<file\|->\]/);
    expect(text).toContain('FSF = failed steps / steps (problem root and answer sink not counted).');
    expect(cotCommand.subcommands!.map((c) => c.name)).toEqual(['analyze', 'rank', 'prune', 'render']);
  });
});
