import type { Embedder } from '@proj/models';
import { describe, expect, it } from 'vitest';
import { CotInputError } from '../errors.js';
import { failedStepFraction } from '../metrics/structure.js';
import { extractHeuristicGraph, HeuristicExtractor } from './heuristic.js';

const parents = (r: ReturnType<typeof extractHeuristicGraph>) =>
  Object.fromEntries(r.graph.nodes.map((n) => [n.id, r.graph.parents(n.id).join(',')]));
const statuses = (r: ReturnType<typeof extractHeuristicGraph>) =>
  r.graph.steps.map((s) => `${s.id}:${s.status[0]}`);

describe('extractHeuristicGraph (expected graphs derived by hand)', () => {
  it('a dead-end rejection fails the attempt from its opener; the next step restarts from the opener parent', () => {
    const trace = [
      'We need x with 2x + 1 = 7.',
      'Let me try x = 2. Then 2x + 1 = 5.',
      "That doesn't work, since 5 is not 7.",
      'Subtracting 1 gives 2x = 6, so x = 3.',
      'The answer is 3.',
    ].join('\n\n');
    const r = extractHeuristicGraph(trace, { problem: 'Solve 2x + 1 = 7.' });
    expect(statuses(r)).toEqual(['s1:s', 's2:f', 's3:f', 's4:s']);
    expect(parents(r)).toEqual({ problem: '', s1: 'problem', s2: 's1', s3: 's2', s4: 's1', answer: 's4' });
    expect(r.steps[2]).toMatchObject({
      rejection: 'dead-end',
      rejects: 'previous',
      rejectionPhrase: "doesn't work",
    });
    expect(r.graph.answer?.text).toBe('The answer is 3.');
    expect(r.graph.problem?.text).toBe('Solve 2x + 1 = 7.');
    expect(failedStepFraction(r.graph)).toBe(0.5);
    expect(r.graph.validate()).toEqual({ valid: true, errors: [], warnings: [] });
    for (const n of r.graph.steps) expect(trace.slice(n.span!.start, n.span!.end)).toBe(n.text);
  });

  it('a failed check implicates the checked step; "wrong before" shortly after is a correction', () => {
    const trace = [
      'We need to compute 17 * 6 exactly.',
      'First, 17 * 6 = 112 by direct multiplication.',
      'Let me check: 112 / 6 = 18.67, so something is off.',
      'I multiplied wrong before: 17 * 6 = 102.',
      'So the product is 102.',
    ].join('\n\n');
    const r = extractHeuristicGraph(trace);
    expect(statuses(r)).toEqual(['s1:s', 's2:f', 's3:f', 's4:s']);
    expect(parents(r)).toMatchObject({ s2: 's1', s3: 's2', s4: 's1', answer: 's4' });
    expect(r.steps[2]).toMatchObject({ verify: true, rejection: 'error', rejects: 'self' });
    expect(r.steps[3].rejection).toBeNull();
    expect(r.warnings).toEqual(['no final-answer phrase found; the last chunk is taken as the answer']);
  });

  const goBack = [
    'Write the area condition: width times length equals forty, with length equal to width plus three.',
    'Numerically, that means we want a product of 40 from two numbers differing by 3.',
    'Let me try guessing pairs: 4 and 7 give 28.',
    'That product is too small for 40.',
    'Going back to the area condition, width times length equals forty and length is width plus three, so w^2 + 3w = 40.',
    'Factoring, (w + 8)(w - 5) = 0, so w = 5.',
    'The answer is 5.',
  ].join('\n\n');

  it('"going back to ..." restarts from the most similar step on the path (bag of words)', () => {
    const r = extractHeuristicGraph(goBack);
    expect(statuses(r)).toEqual(['s1:s', 's2:s', 's3:f', 's4:f', 's5:s', 's6:s']);
    expect(parents(r)).toMatchObject({ s3: 's2', s4: 's3', s5: 's1', s6: 's5' });
    expect(r.steps[4].restartedFrom).toBe('s1');
    // s2 keeps its failed child, so it is not a dead end; the answer rests on the new line only.
    expect(r.graph.parents('answer')).toEqual(['s6']);
    expect(r.graph.validate()).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('with an Embedder, embedding similarity picks the restart point', async () => {
    const calls: string[][] = [];
    const embedder: Embedder = {
      id: 'fake',
      dimension: 2,
      async embed(texts) {
        calls.push([...texts]);
        // "Going back..." and "Numerically..." point the same way; everything else is orthogonal to them.
        return texts.map((t) =>
          /^(Going back|Numerically)/.test(t) ? new Float32Array([0, 1]) : new Float32Array([1, 0]),
        );
      },
    };
    const r = await new HeuristicExtractor({ embedder }).extract(goBack);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(7); // six steps and the (empty) problem
    expect(r.steps[4].restartedFrom).toBe('s2');
    expect(r.graph.parents('s5')).toEqual(['s2']);
  });

  it('"let me try a different approach" abandons the current attempt and starts a new one', () => {
    const trace = [
      'We want the number of diagonals of a hexagon.',
      'Let me try drawing it and counting the lines one at a time from each corner.',
      'Let me try a different approach: each of the 6 vertices connects to 3 non-adjacent vertices, giving 6 * 3 / 2 = 9.',
      'The answer is 9.',
    ].join('\n\n');
    const r = extractHeuristicGraph(trace);
    expect(statuses(r)).toEqual(['s1:s', 's2:f', 's3:s']);
    expect(parents(r)).toMatchObject({ s2: 's1', s3: 's1' });
    expect(r.steps[2]).toMatchObject({ rejection: 'dead-end', rejects: 'previous' });
  });

  it('a rejection with nothing before it, and negated or questioned ones, fail nothing', () => {
    const trace = [
      'This looks impossible at first glance, but the numbers are small.',
      "Is 7 * 8 = 56 wrong? No mistake there, it isn't wrong.",
      'The answer is 56.',
    ].join('\n\n');
    const r = extractHeuristicGraph(trace);
    expect(r.graph.steps.every((s) => s.status === 'successful')).toBe(true);
    expect(failedStepFraction(r.graph)).toBe(0);
  });

  it('handles empty traces and rejects bad options', () => {
    const r = extractHeuristicGraph('   ');
    expect(r.graph.nodes.map((n) => n.id)).toEqual(['problem', 'answer']);
    expect(r.graph.validate().valid).toBe(true);
    expect(() => extractHeuristicGraph('x', { attemptWindow: 0 })).toThrow(CotInputError);
    expect(() => extractHeuristicGraph(42 as never)).toThrow(/must be a string/);
  });
});
