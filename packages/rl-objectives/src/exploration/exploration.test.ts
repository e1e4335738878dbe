import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/close.js';
import { CounterFormatError, InvalidValueError, ShapeError } from '../core/errors.js';
import { extractBoxed, normaliseAnswer } from './answers.js';
import {
  batchRepetitionPenalty,
  explorationAdvantages,
  explorationTokenAdvantages,
  ucbBonuses,
  zeroAllCorrectGroups,
} from './bonuses.js';
import { AnswerCounter } from './counter.js';
import fixture from './fixtures/exploration.json' with { type: 'json' };

describe('answer normalisation and extraction', () => {
  it('normaliseAnswer: trim, lowercase, collapse spaces, strip trailing periods', () => {
    expect(normaliseAnswer('  The   Answer is 42. ')).toBe('the answer is 42');
    expect(normaliseAnswer('3.5')).toBe('3.5');
    expect(normaliseAnswer('x\t=\n 2...')).toBe('x = 2');
    expect(normaliseAnswer(' . ')).toBe('');
  });

  it('extractBoxed: last box, nested braces, escaped braces, bare form, truncated', () => {
    expect(extractBoxed('so x = \\boxed{\\frac{1}{2}}.')).toBe('\\frac{1}{2}');
    expect(extractBoxed('\\boxed{1} then \\boxed{ 2 }')).toBe('2');
    expect(extractBoxed('\\boxed{\\{a\\}}')).toBe('\\{a\\}');
    expect(extractBoxed('answer: \\boxed 7$')).toBe('7');
    expect(extractBoxed('\\fbox{ok}')).toBe('ok');
    expect(extractBoxed('\\boxed{1} and a cut-off \\boxed{2')).toBe('1');
    expect(extractBoxed('no box here')).toBeNull();
  });
});

describe('AnswerCounter', () => {
  it('counts by (question, normalised answer) and ignores missing answers', () => {
    const c = new AnswerCounter();
    expect(c.add('q1', '42')).toBe(1);
    expect(c.add('q1', ' 42. ')).toBe(2);
    expect(c.add('q1', null)).toBe(0);
    expect(c.add('q1', ' .')).toBe(0);
    expect(c.add('q2', '42', 3)).toBe(3);
    expect(c.count('q1', '42')).toBe(2);
    expect(c.count('q3', '42')).toBe(0);
    expect(c.distinct('q1')).toBe(1);
    expect(c.questionCount).toBe(2);
    expect(c.answersOf('q2')).toEqual([['42', 3]]);
  });

  it('round-trips through JSON, including awkward keys', () => {
    const c = new AnswerCounter();
    c.add('__proto__', 'constructor');
    c.add('q', 'toString', 2);
    const back = AnswerCounter.fromJSON(JSON.parse(JSON.stringify(c)));
    expect(back.count('__proto__', 'constructor')).toBe(1);
    expect(back.count('q', 'toString')).toBe(2);
    expect(back.count('q', 'valueOf')).toBe(0);
    expect(JSON.stringify(back)).toBe(JSON.stringify(c));
  });

  it('a pluggable normaliser is recorded and enforced on reload', () => {
    const digits = (a: string) => a.replace(/\D/g, '');
    const c = new AnswerCounter({ normalise: digits, normaliserName: 'digits' });
    c.add('q', 'x = 12');
    expect(c.count('q', '12 apples')).toBe(1);
    const json = JSON.parse(JSON.stringify(c));
    expect(() => AnswerCounter.fromJSON(json)).toThrow(CounterFormatError);
    expect(
      AnswerCounter.fromJSON(json, { normalise: digits, normaliserName: 'digits' }).count('q', '12'),
    ).toBe(1);
  });

  it('rejects malformed JSON', () => {
    expect(() => AnswerCounter.fromJSON(null)).toThrow(CounterFormatError);
    expect(() => AnswerCounter.fromJSON({ format: 'x' })).toThrow(/expected format "proj.answer-counter"/);
    const base = { format: 'proj.answer-counter', version: 1, normaliser: 'default' };
    expect(() => AnswerCounter.fromJSON({ ...base, counts: [] })).toThrow(CounterFormatError);
    expect(() => AnswerCounter.fromJSON({ ...base, counts: { q: { a: 1.5 } } })).toThrow(
      /non-negative integers/,
    );
    expect(() => AnswerCounter.fromJSON({ ...base, counts: { q: 3 } })).toThrow(CounterFormatError);
  });
});

describe('UCB bonuses and batch penalty against the Python reference (4 steps, persistent counter)', () => {
  it('replays the fixture steps', () => {
    let counter = new AnswerCounter();
    for (const [s, step] of fixture.steps.entries()) {
      const answers = step.answers as (string | null)[];
      const variant = step.variant as 'naive' | 'mean' | 'con';
      const countsFrom = step.countsFrom as 'after-batch' | 'before-batch';
      // bonuses alone on a copy of the counter (no update) ...
      const probe = AnswerCounter.fromJSON(JSON.parse(JSON.stringify(counter)));
      const b = ucbBonuses(probe, step.questionIds, answers, {
        variant,
        countsFrom,
        b0: fixture.b0,
        update: false,
      });
      expectClose(b, step.bonuses, 1e-14, `step ${s} bonuses`);
      expect(JSON.stringify(probe)).toBe(JSON.stringify(counter));
      // ... then the full advantages, which update the counter
      const bonus = variant === 'naive' ? 'ucb' : variant === 'mean' ? 'ucb-mean' : 'ucb-con';
      const res = explorationAdvantages(step.rewards, step.questionIds, answers, {
        bonus,
        counter,
        countsFrom,
        b0: fixture.b0,
        c: fixture.c,
      });
      expectClose(res.bonuses, step.zeroedBonuses, 1e-14, `step ${s} zeroed`);
      expectClose(res.baseAdvantages, step.baseAdvantages, 1e-12, `step ${s} base`);
      expectClose(res.advantages, step.advantages, 1e-12, `step ${s} advantages`);
      const counts: Record<string, number> = {};
      for (const [q, byAnswer] of Object.entries(counter.toJSON().counts)) {
        for (const [a, n] of Object.entries(byAnswer)) counts[`${q}\u0000${a}`] = n;
      }
      expect(counts).toEqual(step.countsAfter);
      expectClose(
        batchRepetitionPenalty(step.questionIds, answers),
        step.batchPenalty,
        1e-14,
        `step ${s} batch`,
      );
      // persistence across steps: continue from a serialised copy
      counter = AnswerCounter.fromJSON(JSON.parse(JSON.stringify(counter)));
    }
  });

  it('hand-derived bonuses', () => {
    const c = new AnswerCounter();
    expectClose(ucbBonuses(c, ['q', 'q', 'q', 'q'], ['1', '1', '2', null]), [
      Math.SQRT1_2,
      Math.SQRT1_2,
      1,
      0,
    ]);
    // next batch, counts from history only: '1' seen 2 times, '3' never
    expectClose(ucbBonuses(c, ['q', 'q'], ['1', '3'], { countsFrom: 'before-batch' }), [Math.SQRT1_2, 1]);
    expectClose(batchRepetitionPenalty(['q', 'q', 'q', 'q'], ['1', '1', '1', '2']), [-0.5, -0.5, -0.5, 0]);
    expectClose(zeroAllCorrectGroups([0.5, 0.2, 0.7, 0.1], [1, 1, 1, 0], 2), [0, 0, 0.7, 0.1]);
    expectClose(zeroAllCorrectGroups([0.5, 0.2], [1, 1], 2, { correctAbove: 1 }), [0.5, 0.2]);
  });

  it('batch exploration through explorationAdvantages', () => {
    const step = fixture.steps[0];
    const res = explorationAdvantages(step.rewards, step.questionIds, step.answers as (string | null)[], {
      bonus: 'batch',
    });
    const expected = zeroAllCorrectGroups(step.batchPenalty, step.rewards, step.questionIds);
    expectClose(res.bonuses, expected, 1e-14);
    expectClose(
      res.advantages,
      step.baseAdvantages.map((a, i) => a + 0.2 * expected[i]),
      1e-12,
    );
  });

  it('validates inputs', () => {
    const c = new AnswerCounter();
    expect(() => ucbBonuses(c, ['q', 'q'], ['1'])).toThrow(ShapeError);
    expect(() => ucbBonuses({} as AnswerCounter, ['q'], ['1'])).toThrow(InvalidValueError);
    expect(() => ucbBonuses(c, ['q'], ['1'], { variant: 'x' as never })).toThrow(InvalidValueError);
    expect(() => ucbBonuses(c, ['q'], [3 as unknown as string])).toThrow(InvalidValueError);
    expect(() => explorationAdvantages([1, 0], ['q', 'q'], ['1', '2'], { bonus: 'ucb' })).toThrow(
      /needs options.counter/,
    );
    expect(() => explorationAdvantages([1, 0], ['q', 'q'], ['1', '2'], { bonus: 'x' as never })).toThrow(
      InvalidValueError,
    );
  });

  it('property: UCB bonuses lie in (0, 1] and UCB-Mean bonuses of a group sum to 0', () => {
    const arb = fc.array(
      fc.tuple(fc.constantFrom('q1', 'q2'), fc.option(fc.constantFrom('a', 'b', 'c', 'd'))),
      {
        minLength: 1,
        maxLength: 30,
      },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const ids = rows.map((r) => r[0]);
        const answers = rows.map((r) => r[1]);
        const naive = ucbBonuses(new AnswerCounter(), ids, answers);
        naive.forEach((b, i) => {
          if (answers[i] === null) expect(b).toBe(0);
          else expect(b > 0 && b <= 1).toBe(true);
        });
        const mean = ucbBonuses(new AnswerCounter(), ids, answers, { variant: 'mean' });
        for (const q of ['q1', 'q2']) {
          const idx = ids.map((id, i) => (id === q && answers[i] !== null ? i : -1)).filter((i) => i >= 0);
          if (idx.length < 2) continue;
          const sum = idx.reduce((s, i) => s + mean[i], 0);
          expect(Math.abs(sum)).toBeLessThan(1e-12);
        }
      }),
    );
  });
});

describe('answer-token masking', () => {
  it('the bonus reaches reasoning tokens only', () => {
    const out = explorationTokenAdvantages({
      base: [1, -0.5],
      bonuses: [0.5, 1],
      c: 0.2,
      mask: [1, 1, 1, 0, 1, 1, 0, 0],
      answerMask: [0, 0, 1, 0, 0, 1, 0, 0],
      seqLen: 4,
    });
    expectClose(out, [1.1, 1.1, 1, 0, -0.3, -0.5, 0, 0]);
    expect(() =>
      explorationTokenAdvantages({ base: [1], bonuses: [1], mask: [1, 1], answerMask: [1], seqLen: 2 }),
    ).toThrow(ShapeError);
  });
});
