import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNear } from '../../test/close.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import { type DpoLossType, dpoLoss } from './dpo.js';
import fixture from './fixtures/dpo.json' with { type: 'json' };

describe('DPO losses against TRL dpo_loss (torch autograd)', () => {
  const input = {
    chosen: fixture.chosen,
    rejected: fixture.rejected,
    refChosen: fixture.refChosen,
    refRejected: fixture.refRejected,
  };
  for (const c of fixture.cases) {
    it(`${c.loss} beta=${c.beta} labelSmoothing=${c.labelSmoothing}`, () => {
      const r = dpoLoss(input, {
        loss: c.loss as DpoLossType,
        beta: c.beta,
        labelSmoothing: c.labelSmoothing,
      });
      expectClose(r.losses, c.losses, 1e-12, 'losses');
      expectNear(r.loss, c.mean, 1e-12, 'mean');
      expectClose(r.gradChosen, c.gradChosen, 1e-12, 'grad chosen');
      expectClose(r.gradRejected, c.gradRejected, 1e-12, 'grad rejected');
      expectClose(r.chosenRewards, c.chosenRewards, 1e-12);
      expectClose(r.rejectedRewards, c.rejectedRewards, 1e-12);
      expectNear(r.metrics.rewardChosen, c.metrics.rewardChosen, 1e-12);
      expectNear(r.metrics.rewardRejected, c.metrics.rewardRejected, 1e-12);
      expect(r.metrics.rewardAccuracy).toBe(c.metrics.rewardAccuracy);
      expectNear(r.metrics.rewardMargin, c.metrics.rewardMargin, 1e-12);
    });
  }

  it('hand-derived sigmoid loss', () => {
    const r = dpoLoss({ chosen: [-10], rejected: [-12], refChosen: [-11], refRejected: [-11] });
    expectNear(r.loss, Math.log1p(Math.exp(-0.2)), 1e-15);
    expectNear(r.gradChosen[0], -0.1 / (1 + Math.exp(0.2)), 1e-15);
    expect(r.metrics.rewardAccuracy).toBe(1);
  });

  it('validates', () => {
    const one = { chosen: [-1], rejected: [-2], refChosen: [-1], refRejected: [-2] };
    expect(() => dpoLoss({ ...one, rejected: [] })).toThrow(ShapeError);
    expect(() => dpoLoss({ chosen: [], rejected: [], refChosen: [], refRejected: [] })).toThrow(ShapeError);
    expect(() => dpoLoss({ ...one, chosen: [Number.NaN] })).toThrow(InvalidValueError);
    expect(() => dpoLoss(one, { beta: 0 })).toThrow(InvalidValueError);
    expect(() => dpoLoss(one, { loss: 'ipo', labelSmoothing: 0.1 })).toThrow(/sigmoid loss only/);
    expect(() => dpoLoss(one, { loss: 'kto' as never })).toThrow(InvalidValueError);
  });

  it('property: the sigmoid gradient matches a central finite difference', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 0, noNaN: true }),
        fc.double({ min: -50, max: 0, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (pc, pr, beta) => {
          const f = (c: number) =>
            dpoLoss({ chosen: [c], rejected: [pr], refChosen: [-20], refRejected: [-25] }, { beta }).loss;
          const h = 1e-5;
          const fd = (f(pc + h) - f(pc - h)) / (2 * h);
          const g = dpoLoss({ chosen: [pc], rejected: [pr], refChosen: [-20], refRejected: [-25] }, { beta })
            .gradChosen[0];
          expect(Math.abs(fd - g)).toBeLessThan(1e-6);
        },
      ),
    );
  });
});
