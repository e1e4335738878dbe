import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/close.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import fixture from './fixtures/kl.json' with { type: 'json' };
import { klPenalizedRewards, klPerToken } from './kl.js';

describe('KL estimators against torch autograd', () => {
  for (const est of ['k1', 'k2', 'k3'] as const) {
    it(est, () => {
      const { values, grad } = klPerToken(fixture.logprobs, fixture.ref, { estimator: est });
      expectClose(values, fixture[est].values, 1e-12, 'values');
      expectClose(grad, fixture[est].grad, 1e-12, 'grad');
    });
  }

  it("k3 with verl low_var_kl clamps (log-ratio 20, value 10) zeroes the clamped tokens' gradient", () => {
    const { values, grad } = klPerToken(fixture.logprobs, fixture.ref, { clampLogRatio: 20, clampValue: 10 });
    expectClose(values, fixture.k3_verl.values, 1e-12);
    expectClose(grad, fixture.k3_verl.grad, 1e-12);
    expect(grad[0]).toBe(0);
    expect(grad[1]).toBe(0);
  });

  it('hand-derived k3 and the reward penalty', () => {
    const { values, grad } = klPerToken([-1.2], [-1.0]);
    expectClose(values, [Math.exp(0.2) - 0.2 - 1]);
    expectClose(grad, [1 - Math.exp(0.2)]);
    expectClose(
      klPenalizedRewards([1], [-1, -2], [-1.5, -2], [1, 1], 2, { beta: 0.1, estimator: 'k1' }),
      [0.95],
    );
    // masked tokens do not count
    expectClose(
      klPenalizedRewards([1], [-1, -9], [-1.5, -2], [1, 0], 2, { beta: 0.1, estimator: 'k1' }),
      [0.95],
    );
  });

  it('validates inputs', () => {
    expect(() => klPerToken([-1], [-1, -2])).toThrow(ShapeError);
    expect(() => klPerToken([Number.NaN], [-1])).toThrow(InvalidValueError);
    expect(() => klPerToken([-1], [-1], { estimator: 'k4' as never })).toThrow(InvalidValueError);
    expect(() => klPenalizedRewards([1, 2], [-1, -2], [-1, -2], [1, 1], 2, { beta: 0.1 })).toThrow(
      ShapeError,
    );
  });

  it('property: k2 and k3 are >= 0 and vanish at logp = ref', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -30, max: 0, noNaN: true }),
        fc.double({ min: -30, max: 0, noNaN: true }),
        (a, b) => {
          for (const est of ['k2', 'k3'] as const) {
            expect(klPerToken([a], [b], { estimator: est }).values[0]).toBeGreaterThanOrEqual(0);
            expect(klPerToken([a], [a], { estimator: est }).values[0]).toBe(0);
          }
        },
      ),
    );
  });
});
