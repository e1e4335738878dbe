import { describe, expect, it } from 'vitest';
import {
  ALTERNATIVE_CUES,
  affirmedMatch,
  COMPARISON_CUES,
  DEAD_END_CUES,
  ERROR_CUES,
  PIVOT_CUES,
  TRIAL_CUES,
  WAIT_OPENERS,
  waitRejection,
} from './cues.js';

describe('rejection lexicon', () => {
  it('reads self-corrections and overshoots, not their negations or recaps', () => {
    expect(affirmedMatch('No wait, then the total is 1.20.', ERROR_CUES)?.[0]).toBe('No wait');
    expect(affirmedMatch('Wait, no — that would be with replacement.', ERROR_CUES)?.[0]).toBe('Wait, no —');
    expect(affirmedMatch('I think I slipped on the powers of ten.', ERROR_CUES)?.[0]).toBe('slipped');
    expect(affirmedMatch('Simply adding overstates it.', ERROR_CUES)?.[0]).toBe('overstates');
    expect(affirmedMatch('Overshoots 58.', DEAD_END_CUES)?.[0]).toBe('Overshoots');
    expect(affirmedMatch('So discard it.', DEAD_END_CUES)?.[0]).toBe('discard');
    expect(affirmedMatch('Glue them to avoid overcounting.', ERROR_CUES)).toBeNull();
    expect(
      affirmedMatch('The knave case led to a contradiction, so it is unique.', DEAD_END_CUES),
    ).toBeNull();
    expect(affirmedMatch('That leads to a contradiction.', DEAD_END_CUES)?.[0]).toBe('contradiction');
  });

  it('"Wait" rejects only with a negation or contrast, and not when announcing a check', () => {
    expect(WAIT_OPENERS.exec('Hmm, hold on, that goes the other way.')?.[0]).toBe('Hmm, hold on');
    expect(waitRejection("Hmm wait, a = 0 gives 09, which isn't a two-digit number.")).toBe("Hmm wait … n't");
    expect(waitRejection('Hold on, the days go forward, not back.')).toBe('Hold on … not');
    expect(waitRejection('Wait, but the problem says integers.')).toBe('Wait … but');
    expect(waitRejection('Wait, let me double-check that.')).toBeNull();
    expect(waitRejection("Hmm, wait, I want to make sure I'm not just pattern matching.")).toBeNull();
    expect(waitRejection('Hmm wait, 14 * 15 = 210 and 210 * 16 = 3360.')).toBeNull();
    expect(waitRejection("Wait, isn't that 12?")).toBeNull();
  });

  it('trials, comparisons, pivots and alternatives', () => {
    expect(TRIAL_CUES.test('Let me test n = 13: 13 * 14 * 15 = 2730.')).toBe(true);
    expect(TRIAL_CUES.test('a = 10 gives c = 10 and 70 + 40 = 110.')).toBe(true);
    expect(TRIAL_CUES.test('Then c = 8.')).toBe(false);
    expect(COMPARISON_CUES.test("That's below 3360.")).toBe(true);
    expect(COMPARISON_CUES.test('77 + 36 = 113, still under.')).toBe(true);
    expect(COMPARISON_CUES.test('but 11 + 12 = 23, not -1.')).toBe(true);
    expect(COMPARISON_CUES.test('The angle is 130 degrees.')).toBe(false);
    expect(PIVOT_CUES.test('Let me set it up properly.')).toBe(true);
    expect(PIVOT_CUES.test("Let me use Heron's formula instead.")).toBe(true);
    expect(PIVOT_CUES.test('Rather than keep guessing, substitute.')).toBe(true);
    expect(PIVOT_CUES.test('Let me do it algebraically too.')).toBe(false);
    expect(ALTERNATIVE_CUES.test('Alternatively, use the complement.')).toBe(true);
    expect(ALTERNATIVE_CUES.test('What about a = 6, b = 14?')).toBe(true);
    expect(ALTERNATIVE_CUES.test('Another way to see it: the terms are n(n + 1).')).toBe(true);
    expect(ALTERNATIVE_CUES.test('The alternative is worse.')).toBe(false);
  });
});
