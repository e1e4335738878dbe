import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphError, GraphJsonError } from '../errors.js';
import { type NodeKind, type NodeStatus, ReasoningGraph, type ReasoningNode } from './graph.js';

const node = (id: string, kind: NodeKind = 'step', status: NodeStatus = 'successful'): ReasoningNode => ({
  id,
  text: id,
  kind,
  status,
  span: null,
});
const edges = (...pairs: string[]) => pairs.map((p) => ({ from: p.split('>')[0], to: p.split('>')[1] }));

/** problem -> s1 (failed) -> s2 (failed); problem -> s3 -> s4 -> answer */
export const sample = () =>
  new ReasoningGraph(
    [
      node('problem', 'problem'),
      node('s1', 'step', 'failed'),
      node('s2', 'step', 'failed'),
      node('s3'),
      node('s4'),
      node('answer', 'answer'),
    ],
    edges('problem>s1', 's1>s2', 'problem>s3', 's3>s4', 's4>answer'),
  );

const codes = (g: ReasoningGraph) => g.validate().errors.map((e) => e.code);

describe('ReasoningGraph', () => {
  it('builds adjacency in both directions', () => {
    const g = sample();
    expect(g.children('problem')).toEqual(['s1', 's3']);
    expect(g.parents('answer')).toEqual(['s4']);
    expect(g.size).toBe(6);
    expect(g.problem?.id).toBe('problem');
    expect(g.answer?.id).toBe('answer');
    expect(g.steps.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4']);
    expect(g.validate()).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('rejects duplicate ids, unknown endpoints and duplicate edges at construction', () => {
    expect(() => new ReasoningGraph([node('a'), node('a')], [])).toThrow(/Node id 'a' is used twice/);
    expect(() => new ReasoningGraph([node('a')], edges('a>b'))).toThrow(/unknown node 'b'/);
    expect(() => new ReasoningGraph([node('a'), node('b')], edges('a>b', 'a>b'))).toThrow(GraphError);
  });

  it('reports each rule violation with its code', () => {
    expect(codes(new ReasoningGraph([], []))).toEqual(['empty']);
    // Two roots.
    expect(
      codes(new ReasoningGraph([node('p', 'problem'), node('x'), node('a', 'answer')], edges('p>a', 'x>a'))),
    ).toEqual(['root-count']);
    // No answer node.
    expect(codes(new ReasoningGraph([node('p', 'problem'), node('x')], edges('p>x')))).toEqual([
      'answer-count',
    ]);
    // The answer is not the sink.
    expect(
      codes(new ReasoningGraph([node('p', 'problem'), node('a', 'answer'), node('x')], edges('p>a', 'a>x'))),
    ).toEqual(['answer-not-sink']);
    // Root that is not the problem node.
    expect(
      codes(new ReasoningGraph([node('x'), node('p', 'problem'), node('a', 'answer')], edges('x>p', 'p>a'))),
    ).toEqual(['root-kind']);
    // A cycle also leaves its nodes unreachable from the root.
    expect(
      codes(
        new ReasoningGraph(
          [node('p', 'problem'), node('x'), node('y'), node('a', 'answer')],
          edges('p>a', 'x>y', 'y>x'),
        ),
      ),
    ).toEqual(['cycle', 'unreachable']);
    // A failed answer and a malformed span.
    expect(
      codes(
        new ReasoningGraph(
          [node('p', 'problem'), { ...node('a', 'answer', 'failed'), span: { start: 5, end: 2 } }],
          edges('p>a'),
        ),
      ),
    ).toEqual(['failed-terminal', 'bad-span']);
  });

  it('names the cycle it found', () => {
    const g = new ReasoningGraph(
      [node('p', 'problem'), node('x'), node('y'), node('z'), node('a', 'answer')],
      edges('p>x', 'x>y', 'y>z', 'z>x', 'z>a'),
    );
    const cycle = g.validate().errors.find((e) => e.code === 'cycle');
    expect(cycle?.nodes).toEqual(['x', 'y', 'z', 'x']);
    expect(() => g.topologicalOrder()).toThrow(/cycle/);
    expect(() => g.assertValid()).toThrow(/cycle 'x' -> 'y' -> 'z' -> 'x'/);
  });

  it('warns about successful dead ends and successful children of failed nodes', () => {
    const g = new ReasoningGraph(
      [node('p', 'problem'), node('x', 'step', 'failed'), node('y'), node('z'), node('a', 'answer')],
      edges('p>x', 'x>y', 'y>a', 'p>z'),
    );
    const v = g.validate();
    expect(v.valid).toBe(true);
    expect(v.warnings.map((w) => `${w.code}:${w.nodes?.join()}`)).toEqual([
      'failed-parent:y',
      'successful-dead-end:z',
    ]);
  });

  it('orders topologically with ties in trace order, and measures depths', () => {
    const g = sample();
    expect(g.topologicalOrder()).toEqual(['problem', 's1', 's2', 's3', 's4', 'answer']);
    expect(Object.fromEntries(g.depths())).toEqual({ problem: 0, s1: 1, s3: 1, s2: 2, s4: 2, answer: 3 });
    expect([...g.descendants('s3')].sort()).toEqual(['answer', 's3', 's4']);
  });

  it('round-trips through JSON, as objects and strings', () => {
    const g = new ReasoningGraph(
      [
        { ...node('p', 'problem'), span: null },
        { ...node('s'), span: { start: 0, end: 4 }, text: 'x "y"\n' },
        node('a', 'answer'),
      ],
      edges('p>s', 's>a'),
    );
    expect(ReasoningGraph.fromJSON(g.toJSON()).toJSON()).toEqual(g.toJSON());
    expect(ReasoningGraph.fromJSON(JSON.stringify(g)).toJSON()).toEqual(g.toJSON());
  });

  it('names the JSON path of bad values', () => {
    const bad = (v: unknown) => {
      try {
        ReasoningGraph.fromJSON(v);
      } catch (e) {
        expect(e).toBeInstanceOf(GraphJsonError);
        return (e as GraphJsonError).path;
      }
      return 'no error';
    };
    expect(bad('{oops')).toBe('$');
    expect(bad({ nodes: [], edges: {} })).toBe('$.edges');
    expect(bad({ nodes: [{ id: 'a', status: 'ok', kind: 'step' }], edges: [] })).toBe('$.nodes[0].status');
    expect(bad({ nodes: [{ id: 'a', status: 'failed', kind: 'step', span: { start: 1 } }], edges: [] })).toBe(
      '$.nodes[0].span',
    );
    expect(bad({ format: 'other', nodes: [], edges: [] })).toBe('$.format');
    expect(bad({ nodes: [], edges: [{ from: 'a' }] })).toBe('$.edges[0].to');
  });

  it('property: random trees with failed subtrees are valid and JSON round-trips exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.string()), { minLength: 0, maxLength: 30 }),
        (spec) => {
          const nodes: ReasoningNode[] = [node('p', 'problem')];
          const es: { from: string; to: string }[] = [];
          const failed = new Set<string>();
          spec.forEach(([parentPick, fail, text], i) => {
            const id = `s${i}`;
            const parent = nodes[parentPick % nodes.length].id;
            const isFailed = fail || failed.has(parent);
            if (isFailed) failed.add(id);
            nodes.push({
              id,
              text,
              kind: 'step',
              status: isFailed ? 'failed' : 'successful',
              span: { start: i, end: i + text.length },
            });
            es.push({ from: parent, to: id });
          });
          nodes.push(node('a', 'answer'));
          // Every successful leaf feeds the answer, as both extractors build it.
          const hasKid = new Set(es.map((e) => e.from));
          for (const n of nodes)
            if (n.kind !== 'answer' && !hasKid.has(n.id) && !failed.has(n.id))
              es.push({ from: n.id, to: 'a' });
          if (!es.some((e) => e.to === 'a')) es.push({ from: 'p', to: 'a' });
          const g = new ReasoningGraph(nodes, es);
          const v = g.validate();
          expect(v.errors).toEqual([]);
          expect(ReasoningGraph.fromJSON(JSON.parse(JSON.stringify(g))).toJSON()).toEqual(g.toJSON());
        },
      ),
      { numRuns: 150 },
    );
  });
});
