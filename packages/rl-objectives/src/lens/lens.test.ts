import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/close.js';
import { GroupError, InvalidValueError, ShapeError } from '../core/errors.js';
import { padRagged } from '../masks/masks.js';
import fixture from './fixtures/lens.json' with { type: 'json' };
import { lensAdvantages, lensCalibratedRewards, lensConfidence } from './lens.js';

describe('LENS against the numpy reference of the paper formulas', () => {
  const { rewards, logprobs, groupSize: G } = fixture;

  it('confidence pbar = exp(mean token log-prob) from ragged log-probs', () => {
    const { values, mask, seqLen } = padRagged(logprobs);
    expectClose(lensConfidence(values, mask, seqLen), fixture.confidence, 1e-13);
    expectClose(
      lensConfidence(values, mask, seqLen, { normalise: false }),
      fixture.sequenceProbability.confidence,
      1e-13,
      'sequence probability',
    );
  });

  it("'paper' D(q): max(D_imp, 2 max pbar) on mixed groups, 2 max pbar on all-wrong ones", () => {
    // The fixture exercises both branches of the max.
    expect(fixture.dImpWins).toContain(true);
    expect(fixture.dImpWins).toContain(false);
    const res = lensAdvantages(rewards, fixture.confidence, G);
    expectClose(res.D, fixture.paper.D, 1e-12, 'D');
    expectClose(res.rewards, fixture.paper.calibrated, 1e-12, 'calibrated');
    expectClose(res.advantages, fixture.paper.advantages, 1e-10, 'advantages');
    expect([...res.negativeGroup]).toEqual(fixture.paper.negative);
  });

  it("'max-confidence' estimator", () => {
    const res = lensAdvantages(rewards, fixture.confidence, G, { estimator: 'max-confidence' });
    expectClose(res.D, fixture.maxConfidence.D, 1e-12);
    expectClose(res.rewards, fixture.maxConfidence.calibrated, 1e-12);
    expectClose(res.advantages, fixture.maxConfidence.advantages, 1e-10);
  });

  it('raw sequence probabilities as confidence, alpha 0.5', () => {
    const sp = fixture.sequenceProbability;
    const res = lensAdvantages(rewards, sp.confidence, G, { alpha: sp.alpha });
    expectClose(res.D, sp.D, 1e-12);
    expectClose(res.rewards, sp.calibrated, 1e-12);
    expectClose(res.advantages, sp.advantages, 1e-10);
  });

  it('hand-derived: the doc example', () => {
    const { rewards: r, D } = lensCalibratedRewards([1, 1, 0, 0], [0.8, 0.4, 0.5, 0.2], 4);
    expectClose(D, [1.6]);
    expectClose(r, [1, 1, (-0.25 * 0.5) / 1.1, (-0.25 * 0.2) / 1.4]);
    const neg = lensAdvantages([0, 0, 0, 0], [0.5, 0.1, 0.1, 0.1], 4);
    const rt = [-0.25, -0.25 / 9, -0.25 / 9, -0.25 / 9];
    const m = rt.reduce((a, b) => a + b) / 4;
    expectClose(
      neg.advantages,
      rt.map((x) => 0.25 * (x - m)),
    );
  });

  it('all-correct groups get zero advantage; a zero-confidence group does not produce NaN', () => {
    expectClose(lensAdvantages([1, 1, 1], [0.3, 0.9, 0.5], 3).advantages, [0, 0, 0]);
    const z = lensAdvantages([0, 0], [0, 0], 2);
    expectClose(z.rewards, [0, 0]);
    expectClose(z.advantages, [0, 0]);
    // a correct sample with confidence 0: D_imp = 0, the floor decides
    expectClose(lensCalibratedRewards([1, 0], [0, 0.25], 2).D, [0.5]);
  });

  it('validates inputs', () => {
    expect(() => lensAdvantages([1, 2], [0.5, 0.5], 2)).toThrow(
      /rewards\[1\] is 2; LENS needs rewards in \[0, 1\]/,
    );
    expect(() => lensAdvantages([1, 0], [0.5, 1.5], 2)).toThrow(InvalidValueError);
    expect(() => lensAdvantages([1, 0], [0.5, Number.NaN], 2)).toThrow(InvalidValueError);
    expect(() => lensAdvantages([1, 0], [0.5], 2)).toThrow(ShapeError);
    expect(() => lensAdvantages([1, 0, 1], [0.5, 0.5, 0.5], 2)).toThrow(GroupError);
    expect(() => lensCalibratedRewards([1, 0], [0.5, 0.5], 2, { floor: 1 })).toThrow(/floor must be > 1/);
    expect(() => lensConfidence([-0.1, 0.2], [1, 1], 2)).toThrow(/must be finite and <= 0/);
    expect(() => lensConfidence([-0.1, -0.2], [0, 0], 2)).toThrow(/no unmasked tokens/);
    expect(() => lensAdvantages([1, 0, 0], [0.5, 0.5, 0.5], [0, 0, 1], { singletons: 'error' })).toThrow(
      GroupError,
    );
  });

  it('property: wrong samples get calibrated rewards in [-1/G, 0], more negative when more confident', () => {
    const arb = fc
      .integer({ min: 2, max: 10 })
      .chain((g) =>
        fc.tuple(
          fc.constant(g),
          fc.array(fc.constantFrom(0, 1), { minLength: g, maxLength: g }),
          fc.array(fc.double({ min: 1e-6, max: 1, noNaN: true }), { minLength: g, maxLength: g }),
        ),
      );
    fc.assert(
      fc.property(arb, ([g, r, p]) => {
        const { rewards: rt } = lensCalibratedRewards(r, p, g);
        for (let i = 0; i < g; i++) {
          if (r[i] === 1) expect(rt[i]).toBe(1);
          else {
            expect(rt[i]).toBeLessThanOrEqual(0);
            expect(rt[i]).toBeGreaterThanOrEqual(-1 / g - 1e-15);
            for (let j = 0; j < g; j++) {
              if (r[j] === 0 && p[j] > p[i]) expect(rt[j]).toBeLessThanOrEqual(rt[i]);
            }
          }
        }
      }),
    );
  });
});
