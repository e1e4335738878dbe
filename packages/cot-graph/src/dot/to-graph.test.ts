import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReasoningGraph, type ReasoningNode } from '../graph/graph.js';
import { statusFromColor } from './colors.js';
import { graphFromDot, labelText } from './to-graph.js';
import { graphToDot, quoteDot } from './writer.js';

describe('statusFromColor', () => {
  it.each([
    ['lightpink', 'failed'],
    ['LightPink', 'failed'],
    ['pink3', 'failed'],
    ['#ffb6c1', 'failed'],
    ['#FFB6C1CC', 'failed'],
    ['#f00', 'failed'],
    ['salmon', 'failed'],
    ['mistyrose', 'failed'],
    ['"0.0 0.5 1.0"'.replace(/"/g, ''), 'failed'],
    ['lightblue', 'successful'],
    ['#add8e6', 'successful'],
    ['lightgreen', 'successful'],
    ['white', 'successful'],
    ['yellow', 'successful'],
    ['/blues9/lightblue', 'successful'],
    ['0.6,0.3,1', 'successful'],
    ['lightpink:lightblue', 'failed'],
    ['bananas', null],
    ['#12345', null],
  ] as const)('%s -> %s', (color, status) => {
    expect(statusFromColor(color)).toBe(status);
  });
});

describe('labelText', () => {
  it('resolves label escapes and strips HTML', () => {
    expect(labelText('a\\nb\\lc\\\\d \\N', 'id7', false)).toBe('a\nb\nc\\d id7');
    expect(labelText('<b>x</b> &lt; <i>y</i><br/>z &amp; w', 'n', true)).toBe('x < y\nz & w');
  });
});

describe('graphFromDot', () => {
  it('infers problem and answer from words when several roots or dead ends exist', () => {
    const { graph, warnings } = graphFromDot(
      'digraph { question -> a -> b; orphan; question -> c -> "final answer"; b [fillcolor=pink]; orphan [fillcolor=pink] }',
    );
    expect(graph.problem?.id).toBe('question');
    expect(graph.answer?.id).toBe('final answer');
    expect(warnings.some((w) => w.includes("took the root 'question'"))).toBe(true);
    // The orphan makes the graph invalid: a model gets this back as an error.
    expect(graph.validate().errors.map((e) => e.code)).toEqual(['root-count']);
  });

  it('drops self-loops and duplicate edges with a warning naming the line', () => {
    const { graph, warnings } = graphFromDot(
      'digraph {\n p [kind=problem]; a [kind=answer];\n p -> a;\n p -> a;\n a -> a;\n}',
    );
    expect(graph.edges).toEqual([{ from: 'p', to: 'a' }]);
    expect(warnings).toEqual([
      "line 4: dropped the duplicate edge 'p' -> 'a'",
      "line 5: dropped the self-loop on 'a'",
    ]);
  });

  it('reads span= and kind= written by graphToDot, and notes unknown colours and kinds', () => {
    const { graph, warnings } = graphFromDot(
      'digraph { p [kind=problem]; s [kind=middle, fillcolor=chartreusey, span="3:9"]; a [kind=answer]; p -> s -> a }',
    );
    expect(graph.node('s')).toMatchObject({ kind: 'step', status: 'successful', span: { start: 3, end: 9 } });
    expect(warnings).toEqual([
      "node 's': colour 'chartreusey' is not recognised; read as successful",
      "node 's': unknown kind 'middle' ignored (use problem, step or answer)",
    ]);
  });
});

describe('graphToDot', () => {
  it('writes the contract: rankdir=TB, lightblue / lightpink, quoted ids', () => {
    const g = new ReasoningGraph(
      [
        { id: 'p', text: 'Solve "2x = 6"', kind: 'problem', status: 'successful', span: null },
        { id: 's 1', text: 'x = 2?\nno', kind: 'step', status: 'failed', span: { start: 0, end: 9 } },
        { id: 'a', text: '3', kind: 'answer', status: 'successful', span: null },
      ],
      [
        { from: 'p', to: 's 1' },
        { from: 'p', to: 'a' },
      ],
    );
    expect(graphToDot(g)).toBe(
      [
        'digraph "CoT" {',
        '  rankdir=TB;',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
        '  "p" [label="Solve \\"2x = 6\\"", fillcolor=lightblue, kind=problem];',
        '  "s 1" [label="x = 2?\\nno", fillcolor=lightpink, kind=step, span="0:9"];',
        '  "a" [label="3", fillcolor=lightblue, kind=answer];',
        '  "p" -> "s 1";',
        '  "p" -> "a";',
        '}',
        '',
      ].join('\n'),
    );
    expect(graphToDot(g, { maxLabelChars: 4, metadata: false })).toContain(
      '"p" [label="Sol\u2026", fillcolor=lightblue];',
    );
  });

  it('quotes backslashes, quotes and newlines', () => {
    expect(quoteDot('a\\b"c\nd')).toBe('"a\\\\b\\"c\\nd"');
  });

  it('property: graphToDot -> graphFromDot round-trips any graph (ids and texts with quotes, backslashes, newlines)', () => {
    const text = fc.string({
      unit: fc.constantFrom(
        'a',
        'Z',
        ' ',
        '"',
        '\\',
        '\n',
        'n',
        'é',
        '{',
        '}',
        ';',
        '->',
        '#',
        '/',
        '*',
        '<',
      ),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, fc.boolean(), fc.nat()), { maxLength: 12 }),
        fc.string(),
        (spec, problemText) => {
          const nodes: ReasoningNode[] = [
            {
              id: 'problem',
              text: problemText.replace(/\r/g, ''),
              kind: 'problem',
              status: 'successful',
              span: null,
            },
          ];
          const es: { from: string; to: string }[] = [];
          spec.forEach(([t, failed, pick], i) => {
            const id = `${t.slice(0, 3)}#${i}`;
            nodes.push({
              id,
              text: t,
              kind: 'step',
              status: failed ? 'failed' : 'successful',
              span: pick % 2 ? { start: pick, end: pick + 3 } : null,
            });
            es.push({ from: nodes[pick % (nodes.length - 1)].id, to: id });
          });
          nodes.push({ id: 'answer', text: 'done', kind: 'answer', status: 'successful', span: null });
          es.push({ from: nodes[nodes.length - 2].id, to: 'answer' });
          const g = new ReasoningGraph(nodes, es);
          expect(graphFromDot(graphToDot(g)).graph.toJSON()).toEqual(g.toJSON());
        },
      ),
      { numRuns: 200 },
    );
  });
});
