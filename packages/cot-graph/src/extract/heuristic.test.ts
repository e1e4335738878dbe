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

  /** `id:status[:signal]` for every step, and `id<-parent`. */
  const read = (trace: string, problem?: string) => {
    const r = extractHeuristicGraph(trace, { problem });
    expect(r.graph.validate()).toEqual({ valid: true, errors: [], warnings: [] });
    return {
      r,
      steps: r.steps.map((s) => [s.id, r.graph.node(s.id)!.status[0], s.signal].filter(Boolean).join(':')),
      parents: r.steps.map((s) => `${s.id}<-${s.parent}`),
    };
  };

  it('a comparison right after a trial value is a failed numeric check', () => {
    const { r, steps, parents } = read(
      'We need n with n(n + 1) = 56.\n\nLet me test n = 6: 6 * 7 = 42. That is below 56.\n\n' +
        'n = 7: 7 * 8 = 56. Yes, that works.\n\nThe answer is 7.',
    );
    expect(steps).toEqual(['s1:s', 's2:f:comparison', 's3:s']);
    expect(parents).toEqual(['s1<-problem', 's2<-s1', 's3<-s1']);
    expect(r.steps[1]).toMatchObject({ rejection: 'dead-end', rejects: 'self', rejectionPhrase: 'below' });
    // A second rejection right after the first joins its step.
    const twice = read(
      'We need a and b with sum 20 and product 96.\n\n' +
        "Let me try a = 10 and b = 10. Then the product is 100, not 96. That doesn't work.\n\n" +
        'Solving t^2 - 20t + 96 = 0 gives t = 8 or t = 12.\n\nThe answer is 8 and 12.',
    );
    expect(twice.steps).toEqual(['s1:s', 's2:f:comparison', 's3:s']);
    expect(twice.r.graph.node('s2')!.text).toBe(
      "Let me try a = 10 and b = 10. Then the product is 100, not 96. That doesn't work.",
    );
    // Without a trial, "less than 180" is just a comparison.
    const plain = read(
      'The difference is 240 - 110 = 130 degrees, less than 180 degrees.\n\nThe answer is 130.',
    );
    expect(plain.steps).toEqual(['s1:s']);
  });

  it('"Wait" with a negation rejects the step before; "Wait, let me make sure ..." does not', () => {
    const { steps, parents } = read(
      'Two dice are rolled and we want the chance that the sum is 8.\n\n' +
        'The sums run from 2 to 12, which is 11 values, so the chance is 1/11.\n\n' +
        'Wait, the sums are not equally likely.\n\n' +
        'Counting pairs: (2,6), (3,5), (4,4), (5,3), (6,2) gives 5 of 36 outcomes.\n\nThe answer is 5/36.',
    );
    expect(steps).toEqual(['s1:s', 's2:f', 's3:f:wait', 's4:s']);
    expect(parents).toEqual(['s1<-problem', 's2<-s1', 's3<-s2', 's4<-s1']);
    const check = read(
      'Halving both sides, x = 4.\n\nWait, I want to make sure that is not a typo: 2 * 4 = 8.\n\nThe answer is 4.',
    );
    expect(check.steps).toEqual(['s1:s', 's2:s']);
  });

  it('a value replaced for good by a later step is superseded; a quantity with three values is not', () => {
    const { r, steps, parents } = read(
      'Let x and y be the numbers, so x + y = 10 and x - y = 4.\n\n' +
        'Adding the equations gives 2x = 16, so x = 8.\n\nThen y = 10 - 8 = 2.\n\n' +
        'Adding again, 10 + 4 = 14, so 2x = 14 and x = 7, which makes y = 3.\n\nThe answer is x = 7 and y = 3.',
      'Two numbers have sum 10 and difference 4. Find them.',
    );
    expect(steps).toEqual(['s1:s', 's2:f:superseded', 's3:f:superseded', 's4:s']);
    expect(parents).toEqual(['s1<-problem', 's2<-s1', 's3<-s1', 's4<-s1']);
    expect(r.steps[1].rejectionPhrase).toBe('x = 8 replaced by x = 7');
    expect(r.steps[2].rejectionPhrase).toBe('y = 2 replaced by y = 3');
    const loop = read(
      'Trace the loop that adds squares.\n\nAfter the first pass, s = 1.\n\nAfter the second pass, s = 17.\n\n' +
        'After the third pass, s = 66.\n\nThe answer is 66.',
    );
    expect(loop.steps).toEqual(['s1:s', 's2:s', 's3:s', 's4:s']);
  });

  it('"let me do it properly" abandons the open tentative attempt', () => {
    const { steps, parents } = read(
      'We need two numbers with sum 10 and product 21.\n\nMaybe 5 and 5: the product is 25.\n\n' +
        'Let me do it properly: they are the roots of t^2 - 10t + 21 = 0, which factors as (t - 3)(t - 7), so 3 and 7.' +
        '\n\nThe answer is 3 and 7.',
      'Find two numbers with sum 10 and product 21.',
    );
    expect(steps).toEqual(['s1:s', 's2:f', 's3:s:pivot']);
    expect(parents).toEqual(['s1<-problem', 's2<-s1', 's3<-s1']);
  });

  it('"Alternatively" abandons an attempt whose numbers are never used again, and keeps one it confirms', () => {
    const problem = 'How many diagonals does an octagon have?';
    const second =
      'Alternatively, each of the 8 vertices joins 5 non-neighbours, and each diagonal has two ends: 8 * 5 / 2 = 20.';
    const abandoned = read(
      'We want the number of diagonals of an octagon.\n\n' +
        'Maybe count them from a drawing: the first vertex seems to give 6 lines, the second another 4.\n\n' +
        `${second}\n\nThe answer is 20.`,
      problem,
    );
    expect(abandoned.steps).toEqual(['s1:s', 's2:f', 's3:s:abandoned']);
    expect(abandoned.parents).toEqual(['s1<-problem', 's2<-s1', 's3<-s1']);
    const verified = read(
      'We want the number of diagonals of an octagon.\n\n' +
        'Maybe count pairs: C(8, 2) = 28 segments, minus 8 sides, leaves 20.\n\n' +
        `${second}\n\nThe answer is 20.`,
      problem,
    );
    expect(verified.steps).toEqual(['s1:s', 's2:s', 's3:s']);
  });

  it('a question proposing a value that the next sentences never use fails alone', () => {
    const { steps, parents } = read(
      'We count the ways to climb the stairs.\n\nIs it 2^4 = 16? The number of moves is not fixed.\n\n' +
        'W(1) = 1, W(2) = 2, W(3) = 3, W(4) = 5.\n\nThe answer is 5.',
      'In how many ways can you climb 4 stairs taking 1 or 2 steps at a time?',
    );
    expect(steps).toEqual(['s1:s', 's2:f:question', 's3:s', 's4:s']);
    expect(parents).toEqual(['s1<-problem', 's2<-s1', 's3<-s1', 's4<-s3']);
    // Taken up at once: 14 is used by the next sentence.
    const taken = read(
      'The product n(n + 1)(n + 2) is 3360 and n is near 14.\n\nn = 14 maybe? 14 * 15 * 16 = 3360.\n\nThe answer is 16.',
      'Three consecutive integers have product 3360. What is the largest?',
    );
    expect(taken.steps).toEqual(['s1:s', 's2:s']);
  });

  it('a new attempt restarts from the step that first wrote the numbers it uses', () => {
    const { r, steps, parents } = read(
      "A rectangle's length is 3 more than its width and its area is 40.\n\n" +
        'So w(w + 3) = 40, that is w^2 + 3w - 40 = 0, with discriminant 9 + 160 = 169.\n\n' +
        'The perimeter 2(2w + 3) will follow once w is known, 4w + 6.\n\n' +
        'Let me try w = 4: 4 * 7 = 28, too small.\n\nFrom the discriminant 169, w = (-3 + 13)/2 = 5.\n\nThe answer is 5.',
    );
    expect(steps).toEqual(['s1:s', 's2:s', 's3:s', 's4:f:lexical', 's5:s']);
    // The failed attempt hung below s3, but 169 comes from s2.
    expect(parents).toEqual(['s1<-problem', 's2<-s1', 's3<-s2', 's4<-s3', 's5<-s2']);
    expect(r.steps[4].restartedFrom).toBe('s2');
    expect(r.graph.parents('answer')).toEqual(['s5']);
  });

  it('restating the problem is a step of its own, kept when the attempt after it fails', () => {
    const { steps } = read(
      'The fence is 60 m long with a post every 5 m.\n60 / 5 = 12, so there are 12 posts.\n\n' +
        'Wait, that counts the gaps, not the posts.\n\n' +
        'With a post at each end there is one more post than gaps: 13.\n\nThe answer is 13.',
      'A straight fence is 60 meters long with a post every 5 meters, including both ends. How many posts are there?',
    );
    expect(steps).toEqual(['s1:s', 's2:f', 's3:f:wait', 's4:s']);
  });

  it('handles empty traces and rejects bad options', () => {
    const r = extractHeuristicGraph('   ');
    expect(r.graph.nodes.map((n) => n.id)).toEqual(['problem', 'answer']);
    expect(r.graph.validate().valid).toBe(true);
    expect(() => extractHeuristicGraph('x', { attemptWindow: 0 })).toThrow(CotInputError);
    expect(() => extractHeuristicGraph(42 as never)).toThrow(/must be a string/);
  });
});
