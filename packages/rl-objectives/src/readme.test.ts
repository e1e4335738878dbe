import { describe, expect, it } from 'vitest';
import { expectClose } from '../test/close.js';
import { AnswerCounter, explorationAdvantages, grpoAdvantages, passAtK, rlooAdvantages } from './index.js';

// The README's 10-line example, with the values its comments state.
describe('README example', () => {
  it('gives the documented numbers', () => {
    const rewards = new Float64Array([1, 0, 0, 0, 1, 1, 0, 1]);
    expectClose(grpoAdvantages(rewards, 4), [1.5, -0.5, -0.5, -0.5, 0.5, 0.5, -1.5, 0.5], 1e-5);
    expectClose(
      grpoAdvantages(rewards, 4, { eps: 1e-4 }),
      [1.5, -0.5, -0.5, -0.5, 0.5, 0.5, -1.5, 0.5],
      1e-3,
    );
    expectClose(rlooAdvantages(rewards, 4), [1, -1 / 3, -1 / 3, -1 / 3, 1 / 3, 1 / 3, -1, 1 / 3]);
    expect(passAtK(16, 3, 8)).toBeCloseTo(0.9, 14);
    const counter = new AnswerCounter();
    const ids = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
    const answers = ['42', '7', '7', null, '3', '3', '4', '3'];
    const { advantages, bonuses } = explorationAdvantages(rewards, ids, answers, {
      bonus: 'ucb-con',
      counter,
    });
    // UCB-Con: min(1, 1/sqrt(N)) - 0.5; '42' seen once, '7' twice, '3' three times, '4' once
    expectClose(bonuses, [
      0.5,
      Math.SQRT1_2 - 0.5,
      Math.SQRT1_2 - 0.5,
      0,
      1 / Math.sqrt(3) - 0.5,
      1 / Math.sqrt(3) - 0.5,
      0.5,
      1 / Math.sqrt(3) - 0.5,
    ]);
    expect(advantages[0]).toBeCloseTo(1.5 + 0.2 * 0.5, 5);
    expect(counter.count('b', '3')).toBe(3);
  });
});
