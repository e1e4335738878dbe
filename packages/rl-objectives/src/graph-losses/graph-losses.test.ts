import { compile, Graph, grad, Rng, type Value } from '@proj/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNear } from '../../test/close.js';
import { evaluate, f32, f64, i64 } from '../../test/graph.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import dpoFixture from '../dpo/fixtures/dpo.json' with { type: 'json' };
import type { LossAggregation } from '../losses/aggregate.js';
import lossFixture from '../losses/fixtures/losses.json' with { type: 'json' };
import { type PolicyLossKind, policyLoss } from '../losses/policy.js';
import { maskedAggregate, maskedTokenMean, sequenceSum } from './aggregate.js';
import { dpoPairLoss } from './dpo.js';
import logitsFixture from './fixtures/logits.json' with { type: 'json' };
import { cispoLoss, policyGradientLoss, ppoClipLoss, reinforceLoss } from './policy.js';
import { klPenalty, tokenEntropy, tokenLogprobs } from './token-terms.js';

const TOL = 1e-10;

describe('graph policy losses reproduce the torch fixtures of the numeric API (losses.json)', () => {
  const { batch: B, seqLen: L } = lossFixture;
  for (const c of lossFixture.cases) {
    const name = `${c.kind} ${JSON.stringify(c.options)} ${c.advantages} advantages`;
    it(name, async () => {
      const g = new Graph('policy');
      const logprobs = g.input('logprobs', 'float64', ['batch', 'seq']);
      const oldLogprobs = g.input('old', 'float64', ['batch', 'seq']);
      const refLogprobs = g.input('ref', 'float64', ['batch', 'seq']);
      const tokenWeights = g.input('weights', 'float64', ['batch', 'seq']);
      const mask = g.input('mask', 'float64', ['batch', 'seq']);
      const perSeq = c.advantages === 'sequence';
      const advantages = g.input('adv', 'float64', perSeq ? ['batch'] : ['batch', 'seq']);
      const o = c.options as {
        clipLow: number;
        clipHigh: number;
        dualClip?: number;
        klCoef?: number;
        tokenWeights?: boolean;
      };
      const values = {
        logprobs,
        oldLogprobs,
        advantages,
        mask,
        ...(o.klCoef ? { refLogprobs, tokenWeights } : {}),
      };
      const options = { clipLow: o.clipLow, clipHigh: o.clipHigh, dualClip: o.dualClip, klCoef: o.klCoef };
      const outputs: Record<string, Value> = {};
      const keys = Object.keys(c.aggregated);
      keys.forEach((key, i) => {
        const [mode, flag] = key.split('|');
        const built = policyGradientLoss(c.kind as PolicyLossKind, values, {
          ...options,
          aggregation: mode as LossAggregation,
          countEmptyRows: flag === 'countEmpty',
          maxLength: flag === 'maxLength16' ? 16 : undefined,
        });
        outputs[`loss${i}`] = built.loss;
        outputs[`grad${i}`] = grad(built.loss, [logprobs])[0];
        if (i === 0) {
          outputs.perToken = built.perToken;
          outputs.clipFraction = built.metrics.clipFraction;
          outputs.clipFractionLower = built.metrics.clipFractionLower;
          outputs.approxKl = built.metrics.approxKl;
        }
      });
      const out = await evaluate(g, outputs, {
        logprobs: f64(lossFixture.logprobs, [B, L]),
        old: f64(lossFixture.oldLogprobs, [B, L]),
        ref: f64(lossFixture.refLogprobs, [B, L]),
        weights: f64(lossFixture.tokenWeights, [B, L]),
        mask: f64(lossFixture.mask, [B, L]),
        adv: perSeq ? f64(lossFixture.seqAdvantages, [B]) : f64(lossFixture.tokenAdvantages, [B, L]),
      });
      expectClose(out.perToken, c.perTokenLoss, TOL, 'per-token loss');
      const m = c.metrics as Record<string, number>;
      if (m.clipFraction !== undefined) expectNear(out.clipFraction[0], m.clipFraction, TOL, 'clipfrac');
      if (m.clipFractionLower !== undefined) {
        expectNear(out.clipFractionLower[0], m.clipFractionLower, TOL, 'clipfrac lower');
        expect(out.clipFractionLower[0]).toBeGreaterThan(0);
      }
      if (m.approxKl !== undefined) expectNear(out.approxKl[0], m.approxKl, TOL, 'ppo_kl');
      keys.forEach((key, i) => {
        const expected = (c.aggregated as Record<string, { loss: number; grad: number[] }>)[key];
        expectNear(out[`loss${i}`][0], expected.loss, TOL, `${key} loss`);
        expectClose(out[`grad${i}`], expected.grad, TOL, `${key} grad`);
      });
    });
  }

  it('GSPO caps the sequence log-ratio at 10 (no gradient there)', async () => {
    const cap = lossFixture.gspoCap;
    const g = new Graph('gspo-cap');
    const logprobs = g.input('logprobs', 'float64', [1, 3]);
    const old = g.input('old', 'float64', [1, 3]);
    const mask = g.input('mask', 'float64', [1, 3]);
    const adv = g.input('adv', 'float64', [1]);
    const built = ppoClipLoss({ logprobs, oldLogprobs: old, advantages: adv, mask }, { level: 'sequence' });
    const out = await evaluate(
      g,
      { perToken: built.perToken, grad: grad(built.perToken.sum(), [logprobs])[0] },
      {
        logprobs: f64(cap.logprobs, [1, 3]),
        old: f64(cap.old, [1, 3]),
        mask: f64([1, 1, 1], [1, 3]),
        adv: f64([cap.advantage], [1]),
      },
    );
    expectClose(out.perToken, cap.loss, TOL);
    expect([...out.grad]).toEqual([0, 0, 0]);
  });
});

describe('graph losses equal the numeric API on random inputs (property)', () => {
  const kinds: PolicyLossKind[] = ['reinforce', 'ppo', 'cispo', 'gspo'];
  const modes: LossAggregation[] = [
    'token-mean',
    'seq-mean-token-mean',
    'seq-mean-token-sum',
    'seq-mean-token-sum-norm',
  ];
  for (const kind of kinds) {
    it(`${kind}: loss and d loss / d logp for every aggregation`, async () => {
      const g = new Graph(kind);
      const logprobs = g.input('logprobs', 'float64', ['batch', 'seq']);
      const oldLogprobs = g.input('old', 'float64', ['batch', 'seq']);
      const mask = g.input('mask', 'float64', ['batch', 'seq']);
      const advantages = g.input('adv', 'float64', ['batch']);
      const options = { clipLow: 0.2, clipHigh: 0.28, dualClip: kind === 'ppo' ? 3 : undefined };
      const outputs: Record<string, Value> = {};
      for (const mode of modes) {
        const { loss } = policyGradientLoss(
          kind,
          { logprobs, oldLogprobs, advantages, mask },
          {
            ...options,
            aggregation: mode,
          },
        );
        outputs[`loss.${mode}`] = loss;
        outputs[`grad.${mode}`] = grad(loss, [logprobs])[0];
      }
      const f = await compile(g, { outputs, intraOpNumThreads: 1 });
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 4 }),
            fc.integer({ min: 1, max: 6 }),
            fc.integer({ min: 0, max: 2 ** 31 - 1 }),
            async (B, L, seed) => {
              const rng = new Rng(seed);
              const lp = Array.from({ length: B * L }, () => -3 * rng.uniform() - 0.01);
              const old = lp.map((v) => v + 0.6 * rng.normal());
              const lengths = Array.from({ length: B }, () => rng.int(L + 1));
              lengths[0] = Math.max(lengths[0], 1);
              const m = Array.from({ length: B * L }, (_, i) => (i % L < lengths[Math.floor(i / L)] ? 1 : 0));
              const adv = Array.from({ length: B }, () => rng.normal());
              const out = await f({
                logprobs: f64(lp, [B, L]),
                old: f64(old, [B, L]),
                mask: f64(m, [B, L]),
                adv: f64(adv, [B]),
              });
              for (const mode of modes) {
                const ref = policyLoss(
                  kind,
                  { logprobs: lp, oldLogprobs: old, advantages: adv, mask: m, seqLen: L },
                  { ...options, aggregation: mode },
                );
                expectNear(out[`loss.${mode}`].item(), ref.loss, TOL, `${mode} loss`);
                expectClose(out[`grad.${mode}`].data as Float64Array, ref.grad, TOL, `${mode} grad`);
              }
            },
          ),
          { numRuns: 25, seed: 7 },
        );
      } finally {
        await f.dispose();
      }
    });
  }
});

describe('losses through the logits against torch (logits.json)', () => {
  const { batch: B, seqLen: L, vocab: V, temperature } = logitsFixture;
  it('token log-probs, entropy, policy / KL / entropy terms and their d loss / d logits', async () => {
    const g = new Graph('logits');
    const logits = g.input('logits', 'float64', ['batch', 'seq', V]);
    const labels = g.input('labels', 'int64', ['batch', 'seq']);
    const mask = g.input('mask', 'float64', ['batch', 'seq']);
    const oldLogprobs = g.input('old', 'float64', ['batch', 'seq']);
    const refLogprobs = g.input('ref', 'float64', ['batch', 'seq']);
    const advantages = g.input('adv', 'float64', ['batch']);
    const logp = tokenLogprobs(logits, labels, { temperature });
    const entropy = tokenEntropy(logits, { temperature });
    const outputs: Record<string, Value> = { logp, entropy };
    logitsFixture.cases.forEach((c, i) => {
      const o = c.options as Record<string, unknown>;
      const aggregation = (o.aggregation as LossAggregation | undefined) ?? 'token-mean';
      let loss: Value;
      if (c.term === 'policy') {
        const clip = { clipLow: o.clipLow as number, clipHigh: o.clipHigh as number };
        const values = { logprobs: logp, oldLogprobs, advantages, mask };
        if (c.kind === 'reinforce') loss = reinforceLoss(values, { aggregation }).loss;
        else if (c.kind === 'cispo') loss = cispoLoss(values, { ...clip, aggregation }).loss;
        else
          loss = ppoClipLoss(values, {
            ...clip,
            dualClip: o.dualClip as number | undefined,
            level: c.kind === 'gspo' ? 'sequence' : 'token',
            aggregation,
          }).loss;
      } else if (c.term === 'entropy') {
        loss = maskedAggregate(entropy, mask, aggregation);
      } else if (c.term === 'kl') {
        const kl = klPenalty(logp, refLogprobs, {
          estimator: o.estimator as 'k1' | 'k2' | 'k3',
          clampLogRatio: o.clampLogRatio as number | undefined,
          clampValue: o.clampValue as number | undefined,
        });
        loss = maskedAggregate(kl, mask, aggregation);
      } else {
        const ppo = ppoClipLoss(
          { logprobs: logp, oldLogprobs, advantages, mask, refLogprobs },
          { clipLow: 0.2, clipHigh: 0.28, klCoef: o.klCoef as number },
        );
        loss = ppo.loss.sub(maskedAggregate(entropy, mask, 'token-mean').mul(o.entropyCoef as number));
      }
      outputs[`loss${i}`] = loss;
      outputs[`grad${i}`] = grad(loss, [logits])[0];
    });
    const out = await evaluate(g, outputs, {
      logits: f64(logitsFixture.logits, [B, L, V]),
      labels: i64(logitsFixture.labels, [B, L]),
      mask: f64(logitsFixture.mask, [B, L]),
      old: f64(logitsFixture.oldLogprobs, [B, L]),
      ref: f64(logitsFixture.refLogprobs, [B, L]),
      adv: f64(logitsFixture.seqAdvantages, [B]),
    });
    expectClose(out.logp, logitsFixture.tokenLogprobs, TOL, 'token log-probs');
    expectClose(out.entropy, logitsFixture.entropy, TOL, 'entropy');
    logitsFixture.cases.forEach((c, i) => {
      const what = `${c.term} ${c.kind ?? ''} ${JSON.stringify(c.options)}`;
      expectNear(out[`loss${i}`][0], c.loss, TOL, `${what} loss`);
      expectClose(out[`grad${i}`], c.grad, TOL, `${what} d/dlogits`);
    });
  });

  it('float32 graphs (what the trainer runs) agree to float32 precision', async () => {
    const g = new Graph('logits32');
    const logits = g.input('logits', 'float32', ['batch', 'seq', V]);
    const labels = g.input('labels', 'int64', ['batch', 'seq']);
    const mask = g.input('mask', 'float32', ['batch', 'seq']);
    const oldLogprobs = g.input('old', 'float32', ['batch', 'seq']);
    const refLogprobs = g.input('ref', 'float32', ['batch', 'seq']);
    const advantages = g.input('adv', 'float32', ['batch']);
    const logp = tokenLogprobs(logits, labels, { temperature });
    const c = logitsFixture.cases.find((x) => x.term === 'combined')!;
    const ppo = ppoClipLoss(
      { logprobs: logp, oldLogprobs, advantages, mask, refLogprobs },
      { clipLow: 0.2, clipHigh: 0.28, klCoef: 0.05 },
    );
    const loss = ppo.loss.sub(maskedAggregate(tokenEntropy(logits, { temperature }), mask).mul(0.01));
    const out = await evaluate(
      g,
      { loss, grad: grad(loss, [logits])[0] },
      {
        logits: f32(logitsFixture.logits, [B, L, V]),
        labels: i64(logitsFixture.labels, [B, L]),
        mask: f32(logitsFixture.mask, [B, L]),
        old: f32(logitsFixture.oldLogprobs, [B, L]),
        ref: f32(logitsFixture.refLogprobs, [B, L]),
        adv: f32(logitsFixture.seqAdvantages, [B]),
      },
    );
    expectNear(out.loss[0], c.loss, 1e-5, 'loss');
    expectClose(out.grad, c.grad, 1e-5, 'grad');
  });
});

describe('graph DPO against the TRL fixtures (dpo.json)', () => {
  const n = dpoFixture.chosen.length;
  for (const c of dpoFixture.cases) {
    it(`${c.loss} beta ${c.beta} label smoothing ${c.labelSmoothing}`, async () => {
      const g = new Graph('dpo');
      const [chosen, rejected, refChosen, refRejected] = ['c', 'r', 'rc', 'rr'].map((k) =>
        g.input(k, 'float64', ['pairs']),
      );
      const built = dpoPairLoss(
        { chosen, rejected, refChosen, refRejected },
        { beta: c.beta, loss: c.loss as 'sigmoid' | 'ipo' | 'hinge', labelSmoothing: c.labelSmoothing },
      );
      const [gc, gr] = grad(built.loss, [chosen, rejected]);
      const out = await evaluate(
        g,
        {
          loss: built.loss,
          losses: built.losses,
          gc,
          gr,
          chosenRewards: built.chosenRewards,
          rejectedRewards: built.rejectedRewards,
          ...built.metrics,
        },
        {
          c: f64(dpoFixture.chosen, [n]),
          r: f64(dpoFixture.rejected, [n]),
          rc: f64(dpoFixture.refChosen, [n]),
          rr: f64(dpoFixture.refRejected, [n]),
        },
      );
      expectClose(out.losses, c.losses, TOL, 'losses');
      expectNear(out.loss[0], c.mean, TOL, 'mean loss');
      // The mean's gradient is the per-pair derivative / n.
      expectClose(
        out.gc,
        c.gradChosen.map((x) => x / n),
        TOL,
        'd/dchosen',
      );
      expectClose(
        out.gr,
        c.gradRejected.map((x) => x / n),
        TOL,
        'd/drejected',
      );
      expectClose(out.chosenRewards, c.chosenRewards, TOL, 'chosen rewards');
      expectClose(out.rejectedRewards, c.rejectedRewards, TOL, 'rejected rewards');
      for (const [k, v] of Object.entries(c.metrics)) expectNear(out[k][0], v, TOL, k);
    });
  }
});

describe('aggregation helpers and input checks', () => {
  it('sequenceSum / maskedTokenMean by hand; padding NaN does not leak', async () => {
    const g = new Graph('agg');
    const x = g.input('x', 'float64', [2, 3]);
    const m = g.input('m', 'float64', [2, 3]);
    const out = await evaluate(
      g,
      {
        sum: sequenceSum(x, m),
        avg: sequenceSum(x, m, { average: true }),
        mean: maskedTokenMean(x, m),
        agg: maskedAggregate(x, m, 'seq-mean-token-mean'),
        dx: grad(maskedAggregate(x, m, 'token-mean'), [x])[0],
      },
      { x: f64([1, 2, Number.NaN, 4, Number.NaN, Number.NaN], [2, 3]), m: f64([1, 1, 0, 1, 0, 0], [2, 3]) },
    );
    expect([...out.sum]).toEqual([3, 4]);
    expect([...out.avg]).toEqual([1.5, 4]);
    expect(out.mean[0]).toBe(7 / 3);
    expect(out.agg[0]).toBe((1.5 + 4) / 2);
    expect([...out.dx]).toEqual([1 / 3, 1 / 3, 0, 1 / 3, 0, 0]);
  });

  it('typed errors name the problem', () => {
    const g = new Graph('bad');
    const lp = g.input('lp', 'float32', ['b', 4]);
    const m = g.input('m', 'float32', ['b', 4]);
    const adv = g.input('a', 'float32', ['b']);
    expect(() => ppoClipLoss({ logprobs: lp, advantages: adv, mask: m })).toThrow(InvalidValueError);
    expect(() =>
      ppoClipLoss({ logprobs: lp, oldLogprobs: lp, advantages: adv, mask: m }, { clipLow: -1 }),
    ).toThrow(/clipLow/);
    expect(() =>
      ppoClipLoss({ logprobs: lp, oldLogprobs: lp, advantages: adv, mask: m }, { dualClip: 0.5 }),
    ).toThrow(/dualClip/);
    expect(() =>
      policyGradientLoss(
        'gspo',
        { logprobs: lp, oldLogprobs: lp, advantages: adv, mask: m },
        { dualClip: 3 },
      ),
    ).toThrow(InvalidValueError);
    const wrong = g.input('w', 'float32', ['b', 5]);
    expect(() => reinforceLoss({ logprobs: lp, advantages: adv, mask: wrong })).toThrow(ShapeError);
    const ids = g.input('ids', 'int64', ['b', 4]);
    expect(() => reinforceLoss({ logprobs: ids, advantages: adv, mask: m })).toThrow(/floating point/);
    expect(() => reinforceLoss({ logprobs: lp, advantages: adv, mask: m }, { klCoef: 0.1 })).toThrow(
      /refLogprobs/,
    );
    expect(() => maskedAggregate(lp, m, 'sum' as LossAggregation)).toThrow(InvalidValueError);
    const a64 = g.input('a64', 'float64', ['b']);
    expect(() => reinforceLoss({ logprobs: lp, advantages: a64, mask: m })).toThrow(ShapeError);
  });
});
