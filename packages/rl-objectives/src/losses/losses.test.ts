import { describe, expect, it } from 'vitest';
import { expectClose, expectNear } from '../../test/close.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import { aggregateLoss, aggregationWeights, type LossAggregation } from './aggregate.js';
import fixture from './fixtures/losses.json' with { type: 'json' };
import { type PolicyLossKind, policyLoss, policyLossPerToken } from './policy.js';

const { mask, seqLen } = fixture;

describe('policy losses against torch (verl core_algos semantics, autograd gradients)', () => {
  for (const c of fixture.cases) {
    const name = `${c.kind} ${JSON.stringify(c.options)} ${c.advantages} advantages`;
    it(name, () => {
      const input = {
        logprobs: fixture.logprobs,
        oldLogprobs: fixture.oldLogprobs,
        advantages: c.advantages === 'sequence' ? fixture.seqAdvantages : fixture.tokenAdvantages,
        mask,
        seqLen,
      };
      const o = c.options as {
        clipLow: number;
        clipHigh: number;
        dualClip?: number;
        klCoef?: number;
        tokenWeights?: boolean;
      };
      const options = {
        clipLow: o.clipLow,
        clipHigh: o.clipHigh,
        dualClip: o.dualClip,
        ...(o.klCoef
          ? { klCoef: o.klCoef, refLogprobs: fixture.refLogprobs, tokenWeights: fixture.tokenWeights }
          : {}),
      };
      const kind = c.kind as PolicyLossKind;
      const per = policyLossPerToken(kind, input, options);
      expectClose(per.loss, c.perTokenLoss, 1e-12, 'per-token loss');
      expectClose(per.grad, c.perTokenGrad, 1e-12, 'per-token grad');
      const m = c.metrics as Record<string, number>;
      if (m.clipFraction !== undefined)
        expectNear(per.metrics.clipFraction, m.clipFraction, 1e-12, 'clipfrac');
      if (m.clipFractionLower !== undefined) {
        expectNear(per.metrics.clipFractionLower, m.clipFractionLower, 1e-12, 'clipfrac lower');
        expect(per.metrics.clipFractionLower).toBeGreaterThan(0); // the fixture makes the dual clip bind
      }
      if (m.approxKl !== undefined) expectNear(per.metrics.approxKl, m.approxKl, 1e-12, 'ppo_kl');
      for (const [key, expected] of Object.entries(c.aggregated)) {
        const [mode, flag] = key.split('|');
        const agg = {
          aggregation: mode as LossAggregation,
          countEmptyRows: flag === 'countEmpty',
          maxLength: flag === 'maxLength16' ? 16 : undefined,
        };
        const res = policyLoss(kind, input, { ...options, ...agg });
        expectNear(res.loss, expected.loss, 1e-12, `${key} loss`);
        expectClose(res.grad, expected.grad, 1e-12, `${key} grad`);
        expectNear(
          aggregateLoss(per.loss, mask, seqLen, agg.aggregation, agg),
          expected.loss,
          1e-12,
          `${key} aggregateLoss`,
        );
      }
    });
  }

  it('GSPO clamps the sequence log-ratio at 10 (no gradient there)', () => {
    const g = fixture.gspoCap;
    const per = policyLossPerToken('gspo', {
      logprobs: g.logprobs,
      oldLogprobs: g.old,
      advantages: [g.advantage],
      mask: [1, 1, 1],
      seqLen: 3,
    });
    expectClose(per.loss, g.loss, 1e-12);
    expectClose(per.grad, g.grad, 1e-12);
    expect([...per.grad]).toEqual([0, 0, 0]);
  });

  it('defaults: token-mean, GSPO seq-mean-token-mean', () => {
    const input = {
      logprobs: fixture.logprobs,
      oldLogprobs: fixture.oldLogprobs,
      advantages: fixture.seqAdvantages,
      mask,
      seqLen,
    };
    const ppo = fixture.cases.find(
      (c) =>
        c.kind === 'ppo' &&
        c.options.clipHigh === 0.2 &&
        !('dualClip' in c.options) &&
        !('klCoef' in c.options),
    );
    expectNear(policyLoss('ppo', input).loss, ppo?.aggregated['token-mean'].loss ?? Number.NaN, 1e-12);
    const gspo = fixture.cases.find(
      (c) => c.kind === 'gspo' && c.options.clipLow === 3e-4 && !('klCoef' in c.options),
    );
    const res = policyLoss('gspo', input, { clipLow: 3e-4, clipHigh: 4e-4 });
    expectNear(res.loss, gspo?.aggregated['seq-mean-token-mean'].loss ?? Number.NaN, 1e-12);
  });

  it('hand-derived PPO token: ratio e^0.5 clipped at 1.2 for A = 1', () => {
    const r = policyLossPerToken('ppo', {
      logprobs: [-1.0],
      oldLogprobs: [-1.5],
      advantages: [1],
      mask: [1],
      seqLen: 1,
    });
    expectClose(r.loss, [-1.2]);
    expectClose(r.grad, [0]);
    const u = policyLossPerToken('ppo', {
      logprobs: [-1.4],
      oldLogprobs: [-1.5],
      advantages: [2],
      mask: [1],
      seqLen: 1,
    });
    expectClose(u.loss, [-2 * Math.exp(0.1)]);
    expectClose(u.grad, [-2 * Math.exp(0.1)]);
    const cispo = policyLossPerToken('cispo', {
      logprobs: [-1.0],
      oldLogprobs: [-1.5],
      advantages: [1],
      mask: [1],
      seqLen: 1,
    });
    expectClose(cispo.loss, [1.2 * 1.0]);
    expectClose(cispo.grad, [-1.2]); // clipped, yet still a gradient
  });

  it('validates inputs', () => {
    const base = { logprobs: [-1, -2], oldLogprobs: [-1, -2], advantages: [1], mask: [1, 1], seqLen: 2 };
    expect(() => policyLossPerToken('ppo', { ...base, advantages: [1, 2, 3] })).toThrow(ShapeError);
    expect(() => policyLossPerToken('ppo', { ...base, oldLogprobs: undefined })).toThrow(/needs oldLogprobs/);
    expect(() => policyLossPerToken('reinforce', { ...base, oldLogprobs: undefined })).not.toThrow();
    expect(() => policyLossPerToken('ppo', { ...base, mask: [0, 0] })).toThrow(/every token is masked/);
    expect(() => policyLossPerToken('ppo', base, { dualClip: 0.5 })).toThrow(/dualClip must be > 1/);
    expect(() => policyLossPerToken('cispo', base, { dualClip: 3 })).toThrow(/'ppo' only/);
    expect(() => policyLossPerToken('ppo', base, { klCoef: 0.1 })).toThrow(/refLogprobs is missing/);
    expect(() => policyLossPerToken('ppo', base, { clipLow: -0.1 })).toThrow(InvalidValueError);
    expect(() => policyLossPerToken('nope' as never, base)).toThrow(InvalidValueError);
    expect(() => policyLossPerToken('ppo', { ...base, logprobs: [-1, Number.NaN] })).toThrow(
      InvalidValueError,
    );
  });
});

describe('aggregation weights', () => {
  it('hand-derived weights for each mode', () => {
    const m = [1, 1, 0, 1, 0, 0];
    expectClose(aggregationWeights(m, 3, 'token-mean'), [1 / 3, 1 / 3, 0, 1 / 3, 0, 0]);
    expectClose(aggregationWeights(m, 3, 'seq-mean-token-mean'), [0.25, 0.25, 0, 0.5, 0, 0]);
    expectClose(aggregationWeights(m, 3, 'seq-mean-token-sum'), [0.5, 0.5, 0, 0.5, 0, 0]);
    expectClose(aggregationWeights(m, 3, 'seq-mean-token-sum-norm'), [1 / 6, 1 / 6, 0, 1 / 6, 0, 0]);
    expect(aggregateLoss([1, 2, 9, 3, 9, 9], m, 3, 'token-mean')).toBe(2);
    // an empty row: left out by default (verl), counted with countEmptyRows (TRL)
    const e = [1, 1, 0, 0];
    expectClose(aggregationWeights(e, 2, 'seq-mean-token-sum'), [1, 1, 0, 0]);
    expectClose(aggregationWeights(e, 2, 'seq-mean-token-sum', { countEmptyRows: true }), [0.5, 0.5, 0, 0]);
  });

  it('validates', () => {
    expect(() => aggregationWeights([0, 0], 2, 'token-mean')).toThrow(InvalidValueError);
    expect(() => aggregationWeights([1, 0], 2, 'bogus' as never)).toThrow(InvalidValueError);
    expect(() => aggregationWeights([1, 0], 2, 'seq-mean-token-sum-norm', { maxLength: 0 })).toThrow(
      InvalidValueError,
    );
    expect(() => aggregateLoss([1], [1, 0], 2, 'token-mean')).toThrow(ShapeError);
    expect(() => aggregateLoss([Number.NaN, 0], [1, 0], 2, 'token-mean')).toThrow(InvalidValueError);
  });
});
