import { describe, expect, it } from 'vitest';
import { CotInputError } from '../errors.js';
import { ReasoningGraph } from '../graph/graph.js';
import { escapeXml, layoutGraph, renderSvg, wrapLabel } from './svg.js';

const graph = new ReasoningGraph(
  [
    { id: 'p', text: 'Is 2 < 3 & 4 > 1?', kind: 'problem', status: 'successful', span: null },
    { id: 's1', text: 'Guess "no"', kind: 'step', status: 'failed', span: null },
    {
      id: 's2',
      text: 'Compare each pair directly, one after the other, carefully',
      kind: 'step',
      status: 'successful',
      span: null,
    },
    { id: 'a', text: 'yes', kind: 'answer', status: 'successful', span: null },
  ],
  [
    { from: 'p', to: 's1' },
    { from: 'p', to: 's2' },
    { from: 's2', to: 'a' },
  ],
);

describe('wrapLabel', () => {
  it('wraps at word boundaries, cuts long text and hard-breaks long tokens', () => {
    expect(wrapLabel('aa bb cc dd', 5, 100)).toEqual(['aa bb', 'cc dd']);
    expect(wrapLabel('aa bb cc dd', 5, 7)).toEqual(['aa', 'bb\u2026']);
    expect(wrapLabel('abcdefghij', 4, 100)).toEqual(['abcd', 'efgh', 'ij']);
  });
});

describe('layout and SVG', () => {
  it('places every edge downward in TB and rightward in LR', () => {
    const tb = layoutGraph(graph);
    const pos = new Map(tb.nodes.map((n) => [n.id, n]));
    for (const e of graph.edges) expect(pos.get(e.to)!.y).toBeGreaterThan(pos.get(e.from)!.y);
    const lr = layoutGraph(graph, { rankdir: 'LR' });
    const pl = new Map(lr.nodes.map((n) => [n.id, n]));
    for (const e of graph.edges) expect(pl.get(e.to)!.x).toBeGreaterThan(pl.get(e.from)!.x);
    expect(tb.edges.every((e) => e.points.length >= 2)).toBe(true);
  });

  it('renders one group per node, one path per edge, the contract colours and escaped text', () => {
    const svg = renderSvg(graph, { title: 'Trace <1>' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<g class="node /g)).toHaveLength(4);
    expect(svg.match(/<path class="edge"/g)).toHaveLength(3);
    // One failed node, plus the legend swatch.
    expect(svg.match(/fill="#ffb6c1" stroke/g)).toHaveLength(2);
    expect(renderSvg(graph, { legend: false }).match(/fill="#ffb6c1" stroke/g)).toHaveLength(1);
    expect(svg).toContain('<title>Trace &lt;1&gt;</title>');
    expect(svg).toContain('Is 2 &lt; 3 &amp; 4 &gt; 1?');
    expect(svg).toContain('Guess &quot;no&quot;');
    expect(svg).not.toMatch(/<text[^>]*>[^<]*[<>&](?!amp;|lt;|gt;|quot;|#39;)[^<]*<\/text>/);
    expect(renderSvg(graph, { legend: false })).not.toContain('class="legend"');
  });

  it('escapes XML and validates options', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(() => renderSvg(graph, { fontSize: 0 })).toThrow(CotInputError);
  });
});
