import { describe, expect, it } from 'vitest';
import { CotInputError } from '../errors.js';
import { ReasoningGraph, type ReasoningNode } from '../graph/graph.js';
import { segmentTrace } from '../text/segment.js';
import { analyzeTraceSync, auroc, metricsFromGraph, summarizeMetrics, type TraceMetrics } from './analyze.js';
import { countTokens, traceLength } from './length.js';
import { HeuristicChunkLabeller, reviewRatio } from './review.js';
import { branchCount, failedBranches, failedStepFraction, firstFailure } from './structure.js';

const n = (
  id: string,
  status: 'successful' | 'failed' = 'successful',
  kind: ReasoningNode['kind'] = 'step',
  span: [number, number] | null = null,
): ReasoningNode => ({
  id,
  text: id,
  status,
  kind,
  span: span ? { start: span[0], end: span[1] } : null,
});

/**
 * p -> s1 -> s2(f) -> s3(f)      (branch 1: s2, s3)
 * p -> s1 -> s4 -> s5(f)         (branch 2: s5)
 * s4 -> s6 -> a
 * 6 steps, 3 failed.
 */
const graph = new ReasoningGraph(
  [
    n('p', 'successful', 'problem'),
    n('s1', 'successful', 'step', [0, 10]),
    n('s2', 'failed', 'step', [10, 20]),
    n('s3', 'failed', 'step', [20, 30]),
    n('s4', 'successful', 'step', [30, 40]),
    n('s5', 'failed', 'step', [40, 50]),
    n('s6', 'successful', 'step', [50, 60]),
    n('a', 'successful', 'answer', [60, 70]),
  ],
  [
    { from: 'p', to: 's1' },
    { from: 's1', to: 's2' },
    { from: 's2', to: 's3' },
    { from: 's1', to: 's4' },
    { from: 's4', to: 's5' },
    { from: 's4', to: 's6' },
    { from: 's6', to: 'a' },
  ],
);

describe('structure metrics (hand-counted)', () => {
  it('FSF counts steps only by default; 3 failed of 6 steps = 0.5; with terminals 3 / 8', () => {
    expect(graph.validate().valid).toBe(true);
    expect(failedStepFraction(graph)).toBe(0.5);
    expect(failedStepFraction(graph, { includeTerminals: true })).toBe(3 / 8);
  });

  it('FSF of a graph without steps is 0', () => {
    const g = new ReasoningGraph(
      [n('p', 'successful', 'problem'), n('a', 'successful', 'answer')],
      [{ from: 'p', to: 'a' }],
    );
    expect(failedStepFraction(g)).toBe(0);
  });

  it('finds the two failed branches with their spans', () => {
    expect(failedBranches(graph)).toEqual([
      { root: 's2', nodes: ['s2', 's3'], span: { start: 10, end: 30 } },
      { root: 's5', nodes: ['s5'], span: { start: 40, end: 50 } },
    ]);
    expect(branchCount(graph)).toBe(2);
  });

  it('first failure: s2 at depth 2 (p -> s1 -> s2), offset 10', () => {
    expect(firstFailure(graph)).toEqual({ id: 's2', depth: 2, offset: 10 });
  });
});

describe('length', () => {
  it('counts characters and tokens through any tokenizer shape', () => {
    expect(traceLength('ab cd')).toEqual({ characters: 5, tokens: null });
    expect(traceLength('ab cd', (t) => t.split(' ').length)).toEqual({ characters: 5, tokens: 2 });
    expect(countTokens('ab cd', { encode: (t) => [...t].map((c) => c.charCodeAt(0)) })).toBe(5);
    expect(countTokens('ab cd', { encode: () => ({ ids: [1, 2, 3] }) })).toBe(3);
    expect(() => countTokens('x', () => Number.NaN)).toThrow(CotInputError);
  });
});

describe('review ratio', () => {
  it('is the character share of review chunks: 10 / (30 + 10) = 0.25', () => {
    expect(
      reviewRatio(
        [
          { start: 0, end: 30 },
          { start: 32, end: 42 },
        ],
        ['progress', 'review'],
      ),
    ).toBe(0.25);
    expect(reviewRatio([], [])).toBe(0);
    expect(() => reviewRatio([{ start: 0, end: 1 }], [])).toThrow(/Got 0 labels for 1 chunks/);
  });

  it('heuristic labeller: cues, rejections and restatements are review; new work is progress', () => {
    const trace = [
      'The triangle has sides 3, 4 and 5.', // restates the problem: review
      'Its semi-perimeter is (3 + 4 + 5) / 2 = 6.', // new number 6: progress
      'Wait, let me re-read the question.', // review opener
      'The area is sqrt(6 * 3 * 2 * 1) = 6.', // new tokens sqrt, area: progress
      'Let me check: 3 * 4 / 2 = 6 as a right triangle.', // verification: review
      'That is wrong, I misread.', // rejection: review
    ].join('\n\n');
    const chunks = segmentTrace(trace);
    expect(chunks).toHaveLength(6);
    const labels = new HeuristicChunkLabeller().labelSync(chunks, {
      problem: 'A triangle has sides 3, 4 and 5. Find its area.',
    });
    expect(labels).toEqual(['review', 'progress', 'review', 'progress', 'review', 'review']);
    // Review characters: chunks 0, 2, 4, 5.
    const len = (i: number) => chunks[i].end - chunks[i].start;
    const total = chunks.reduce((a, c) => a + c.end - c.start, 0);
    expect(reviewRatio(chunks, labels)).toBeCloseTo((len(0) + len(2) + len(4) + len(5)) / total, 12);
  });
});

describe('auroc', () => {
  it('matches the hand-computed Mann-Whitney value, ties counting one half', () => {
    // Positives 0.35, 0.8; negatives 0.1, 0.4: pairs won 0.35>0.1, 0.8>0.1, 0.8>0.4 = 3 of 4.
    expect(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    // One tie (0.5 vs 0.5) of 2 pairs plus one win: (1 + 0.5) / 2.
    expect(auroc([0.5, 0.5, 0.2], [true, false, false])).toBe(0.75);
    expect(auroc([1, 2], [true, true])).toBeNull();
  });
});

describe('analyze and summarize', () => {
  it('metricsFromGraph collects every metric', () => {
    const m = metricsFromGraph('x'.repeat(70), graph, 0.2, { tokenizer: () => 7 });
    expect(m).toEqual({
      characters: 70,
      tokens: 7,
      reviewRatio: 0.2,
      fsf: 0.5,
      steps: 6,
      failedSteps: 3,
      branches: 2,
      firstFailureDepth: 2,
      firstFailureOffset: 10,
    });
  });

  it('analyzeTraceSync runs the heuristic pipeline end to end', () => {
    const trace =
      'Let me try x = 2. Then 2x = 4, which is too small.\n\nSo x = 3, because 2 * 3 = 6.\n\nThe answer is 3.';
    const { metrics, graph: g } = analyzeTraceSync(trace, { problem: 'Solve 2x = 6.' });
    expect(g.steps.map((s) => s.status)).toEqual(['failed', 'successful']);
    expect(metrics).toMatchObject({
      fsf: 0.5,
      steps: 2,
      failedSteps: 1,
      branches: 1,
      firstFailureDepth: 1,
      firstFailureOffset: 0,
    });
  });

  it('summarizes a batch, with per-class means and AUROC when correctness is known', () => {
    const m = (fsf: number, characters: number): TraceMetrics => ({
      characters,
      tokens: null,
      reviewRatio: 0,
      fsf,
      steps: 4,
      failedSteps: fsf * 4,
      branches: fsf > 0 ? 1 : 0,
      firstFailureDepth: fsf > 0 ? 1 : null,
      firstFailureOffset: null,
    });
    const s = summarizeMetrics([
      { metrics: m(0, 100), correct: true },
      { metrics: m(0.25, 300), correct: true },
      { metrics: m(0.5, 200), correct: false },
    ]);
    expect(s.metrics.fsf).toEqual({ mean: 0.25, median: 0.25, min: 0, max: 0.5 });
    expect(s.metrics.characters).toEqual({ mean: 200, median: 200, min: 100, max: 300 });
    expect(s.metrics.tokens).toBeUndefined();
    expect(s.byCorrectness?.meanCorrect.fsf).toBe(0.125);
    expect(s.byCorrectness?.meanIncorrect.fsf).toBe(0.5);
    // Incorrect has the highest FSF (AUROC 1); by length it beats one of two correct (AUROC 0.5).
    expect(s.byCorrectness?.aurocIncorrect.fsf).toBe(1);
    expect(s.byCorrectness?.aurocIncorrect.characters).toBe(0.5);
    expect(() => summarizeMetrics([])).toThrow(CotInputError);
  });
});
