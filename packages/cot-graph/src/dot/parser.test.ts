import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DotSyntaxError } from '../errors.js';
import { parseDot } from './parser.js';
import { graphFromDot } from './to-graph.js';

const dir = join(import.meta.dirname, 'fixtures');

interface ValidExpectation {
  nodes: [string, string, string, string][];
  edges: [string, string][];
  subgraphs?: [string | null, string[]][];
  strict?: boolean;
  directed?: boolean;
  warnings: number;
}

describe('DOT corpus: valid, LLM-style inputs (expected graphs written by hand)', () => {
  const expected = JSON.parse(readFileSync(join(dir, 'valid', 'expected.json'), 'utf8')) as Record<
    string,
    ValidExpectation
  >;
  const files = readdirSync(join(dir, 'valid')).filter((f) => f !== 'expected.json');

  it('has an expectation for every fixture', () => {
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  for (const file of files) {
    it(file, () => {
      const text = readFileSync(join(dir, 'valid', file), 'utf8');
      const want = expected[file];
      const { graph, warnings, document } = graphFromDot(text);
      expect(graph.nodes.map((n) => [n.id, n.status, n.kind, n.text])).toEqual(want.nodes);
      expect(graph.edges.map((e) => [e.from, e.to])).toEqual(want.edges);
      expect(warnings).toHaveLength(want.warnings);
      expect(graph.validate().valid).toBe(true);
      if (want.subgraphs) expect(document.subgraphs.map((s) => [s.id, s.nodes])).toEqual(want.subgraphs);
      if (want.strict !== undefined) expect(document.strict).toBe(want.strict);
      if (want.directed !== undefined) expect(document.directed).toBe(want.directed);
    });
  }
});

describe('DOT corpus: malformed inputs point at the line with a fix', () => {
  const expected = JSON.parse(readFileSync(join(dir, 'malformed', 'expected.json'), 'utf8')) as Record<
    string,
    { line: number; column: number; problem: string }
  >;
  const files = readdirSync(join(dir, 'malformed')).filter((f) => f !== 'expected.json');

  it('has an expectation for every fixture', () => {
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  for (const file of files) {
    it(file, () => {
      const text = readFileSync(join(dir, 'malformed', file), 'utf8');
      const want = expected[file];
      let err: unknown;
      try {
        parseDot(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DotSyntaxError);
      const e = err as DotSyntaxError;
      expect({ line: e.line, column: e.column, problem: e.problem }).toEqual(want);
      // The message quotes the offending line and puts a caret under the column.
      const src = text.split('\n')[want.line - 1];
      expect(e.message).toContain(
        `DOT syntax error at line ${want.line}, column ${want.column}: ${want.problem}`,
      );
      expect(e.message).toContain(`| ${src}`);
      expect(e.message.split('\n').at(-1)).toBe(`       | ${' '.repeat(want.column - 1)}^`);
    });
  }
});

describe('parseDot details', () => {
  it('applies node defaults only to nodes created after them, scoped to subgraphs', () => {
    const doc = parseDot('digraph { a; node [color=red]; b; subgraph { node [color=blue]; c; b } d; }');
    const attrs = Object.fromEntries(doc.nodes.map((n) => [n.id, n.attributes.color]));
    expect(attrs).toEqual({ a: undefined, b: 'red', c: 'blue', d: 'red' });
  });

  it('expands chains and subgraph endpoints into single edges with the chain attributes', () => {
    const doc = parseDot('digraph { edge [style=dashed]; a -> {b c} -> d [color=red] }');
    expect(doc.edges.map((e) => `${e.from}>${e.to}:${e.attributes.style}/${e.attributes.color}`)).toEqual([
      'a>b:dashed/red',
      'a>c:dashed/red',
      'b>d:dashed/red',
      'c>d:dashed/red',
    ]);
  });

  it('records graph attributes, ids and lines', () => {
    const doc = parseDot('\n\nstrict digraph "G 1" {\n rankdir=LR\n graph [label="x"]\n a\n}');
    expect(doc).toMatchObject({
      strict: true,
      directed: true,
      id: 'G 1',
      attributes: { rankdir: 'LR', label: 'x' },
    });
    expect(doc.nodes[0]).toMatchObject({ id: 'a', line: 6 });
  });

  it('keeps only \\" as a string escape and tracks HTML-valued attributes', () => {
    const doc = parseDot('digraph { a [label="x\\"y\\nz", tooltip=<<b>t</b>>] }');
    expect(doc.nodes[0].attributes.label).toBe('x"y\\nz');
    expect(doc.nodes[0].htmlAttributes).toEqual(['tooltip']);
  });

  it('accepts keywords in any case and curly quotes', () => {
    const doc = parseDot('DiGraph { NODE [fillcolor=pink]; \u201cstep one\u201d -> b }');
    expect(doc.nodes.map((n) => [n.id, n.attributes.fillcolor])).toEqual([
      ['step one', 'pink'],
      ['b', 'pink'],
    ]);
  });

  it('warns about text around the graph but not about comments before it', () => {
    expect(parseDot('// c\n/* d */\ndigraph { a }').warnings).toEqual([]);
    expect(parseDot('Graph:\ndigraph { a }\nDone.').warnings.map((w) => w.line)).toEqual([1, 3]);
  });

  it('parses a 500-node graph quickly and completely', () => {
    const lines = ['digraph {', 'node [style=filled, fillcolor=lightblue];'];
    for (let i = 1; i < 500; i++)
      lines.push(`s${i} [label="step ${i}", fillcolor=${i % 7 === 0 ? 'lightpink' : 'lightblue'}];`);
    for (let i = 1; i < 499; i++) lines.push(`s${i} -> s${i + 1};`);
    lines.push('}');
    const doc = parseDot(lines.join('\n'));
    expect(doc.nodes).toHaveLength(499);
    expect(doc.edges).toHaveLength(498);
  });
});
