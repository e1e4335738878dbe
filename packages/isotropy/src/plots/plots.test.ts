import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { escapeXml, niceTicks, rocPlotSvg, scatterPlotSvg } from './svg.js';
import { writeTextFileAtomic } from './write.js';

/** Minimal well-formedness check: every element opened is closed in order (self-closing ones excepted). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name);
  }
  return stack.length === 0;
}

function attrs(svg: string, tag: string, attr: string): number[] {
  return [...svg.matchAll(new RegExp(`<${tag}[^>]*\\s${attr}="([-0-9.]+)"`, 'g'))].map((m) => Number(m[1]));
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('niceTicks', () => {
  it('gives round steps covering the range (hand-derived)', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-0.05, 1.05, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 47, 4)).toEqual([10, 20, 30, 40]);
    expect(niceTicks(2, 2)).toEqual([2]);
  });
});

describe('scatterPlotSvg', () => {
  const x = [0.1, 0.5, 0.9, 0.3];
  const y = [0.9, 0.5, 0.2, 0.7];

  it('draws one point per pair at linearly mapped positions', () => {
    const svg = scatterPlotSvg({ x, y, title: 'R^2 <&> "test"', fit: { slope: -0.8, intercept: 0.95 } });
    expect(balanced(svg)).toBe(true);
    expect(svg).toContain('R^2 &lt;&amp;&gt; &quot;test&quot;');
    const cx = attrs(svg, 'circle', 'cx');
    const cy = attrs(svg, 'circle', 'cy');
    expect(cx).toHaveLength(4);
    // Plot area x in [60, 460], data range padded by 5% on each side: x = 0.1 -> 60 + 400 * 0.04 / 0.88.
    expect(cx[0]).toBeCloseTo(60 + (400 * 0.04) / 0.88, 1);
    expect(cx[2]).toBeCloseTo(460 - (400 * 0.04) / 0.88, 1);
    // SVG y grows downwards: the highest factuality is the smallest cy.
    expect(cy.indexOf(Math.min(...cy))).toBe(0);
    expect(svg.match(/class="fit"/g)).toHaveLength(1);
  });

  it('leaves out non-finite pairs and survives a constant column', () => {
    const svg = scatterPlotSvg({ x: [1, 1, Number.NaN], y: [0.2, 0.4, 0.5] });
    expect(attrs(svg, 'circle', 'cx')).toHaveLength(2);
    expect(balanced(svg)).toBe(true);
    expect(svg).not.toContain('NaN');
  });
});

describe('rocPlotSvg', () => {
  it('maps (0,0) to the lower-left and (1,1) to the upper-right corner', () => {
    const svg = rocPlotSvg([
      { label: 'a', fpr: [0, 0, 1], tpr: [0, 1, 1], auc: 1 },
      { label: 'b<c', fpr: [0, 1], tpr: [0, 1] },
    ]);
    expect(balanced(svg)).toBe(true);
    const lines = [...svg.matchAll(/<polyline class="roc" points="([^"]+)"/g)].map((m) => m[1]);
    expect(lines).toHaveLength(2);
    // Default frame 480 x 360: plot area x in [60, 460], y from 312 (bottom) to 36 (top).
    expect(lines[0]).toBe('60,312 60,36 460,36');
    expect(svg).toContain('a (AUROC 1.000)');
    expect(svg).toContain('b&lt;c');
  });

  it('escapes XML specials', () => {
    expect(escapeXml(`a<b & 'c' "d">`)).toBe('a&lt;b &amp; &apos;c&apos; &quot;d&quot;&gt;');
  });
});

describe('writeTextFileAtomic', () => {
  it('creates folders, overwrites, and leaves no temporary files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isotropy-write-'));
    dirs.push(dir);
    const path = join(dir, 'sub', 'x.svg');
    await writeTextFileAtomic(path, 'one');
    await writeTextFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(join(dir, 'sub'))).toEqual(['x.svg']);
  });
});
