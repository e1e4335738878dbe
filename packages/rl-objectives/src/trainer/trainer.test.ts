import { buildDecoderGraph, CharTokenizer, gpt2Config, ParameterStore } from '@proj/models';
import { Rng } from '@proj/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/close.js';
import { bestOnlyAdvantages } from '../advantages/best-only.js';
import { grpoAdvantages } from '../advantages/grpo.js';
import { reinforceAdvantages, reinforcePlusPlusAdvantages } from '../advantages/reinforce.js';
import { rlooAdvantages } from '../advantages/rloo.js';
import { asymreAdvantages } from '../asymre/asymre.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import { explorationAdvantages } from '../exploration/bonuses.js';
import { AnswerCounter } from '../exploration/counter.js';
import { lensAdvantages } from '../lens/lens.js';
import { policyLoss } from '../losses/policy.js';
import { packSequences } from './batch.js';
import { type AdvantageContext, estimateAdvantages } from './estimators.js';
import { batchOutcomeStats } from './metrics.js';
import { RLTrainer, type RLTrainerOptions, trainerSession } from './rl-trainer.js';
import { frozenModel } from './sampler.js';

const tokenizer = CharTokenizer.create('0123456789+=');
const config = gpt2Config({
  vocabSize: tokenizer.vocabSize,
  dModel: 32,
  nLayers: 1,
  nHeads: 2,
  maxPositions: 16,
  eosTokenId: tokenizer.eosTokenId,
  initStd: 0.3, // peaked enough that the untrained model often stops early and rewards vary
});
type Task = { prompt: string; answer: string };

function tasks(seed: number, count = 4): Task[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const a = rng.int(10);
    const b = rng.int(10);
    return { prompt: `${a}+${b}=`, answer: String(Math.max(a, b)) };
  });
}

function trainer(extra: Partial<RLTrainerOptions<Task>> = {}, seed = 3) {
  return RLTrainer.create<Task>({
    policy: { config, store: new ParameterStore({ seed }), tokenizer },
    // Partial credit for a digit anywhere, so groups have spread even for an untrained model.
    reward: (text, t) => (text === t.answer ? 1 : text.includes(t.answer) ? 0.5 : 0),
    groupSize: 4,
    maxNewTokens: 4,
    lr: 1e-2,
    seed: 1,
    session: { intraOpNumThreads: 1 },
    ...extra,
  });
}

describe('packSequences', () => {
  it('shifts prompt + completion into inputs / labels with the completion mask', () => {
    const b = packSequences(
      [
        { prompt: [5, 6], completion: [7, 2] },
        { prompt: [1], completion: [3] },
      ],
      9,
    );
    expect(b.seqLen).toBe(3);
    expect(Array.from(b.inputIds.data as BigInt64Array, Number)).toEqual([5, 6, 7, 1, 9, 9]);
    expect(Array.from(b.labels.data as BigInt64Array, Number)).toEqual([6, 7, 2, 3, 0, 0]);
    expect([...(b.lossMask.data as Float32Array)]).toEqual([0, 1, 1, 1, 0, 0]);
    expect(() => packSequences([{ prompt: [], completion: [1] }], 0)).toThrow(ShapeError);
    expect(() => packSequences([{ prompt: [1], completion: [] }], 0)).toThrow(/empty completion/);
    expect(() => packSequences([{ prompt: [1], completion: [-2] }], 0)).toThrow(/row 0 token 1 is -2/);
    expect(() => packSequences([{ prompt: [1.5], completion: [2] }], 0)).toThrow(ShapeError);
    expect(() => packSequences([{ prompt: [1], completion: [2 ** 31] }], 0)).toThrow(ShapeError);
    expect(() => packSequences([{ prompt: [1], completion: [2] }], -1)).toThrow(/padId/);
  });

  it('equals a BigInt-by-BigInt packing for any rows, ids up to 2^31 - 1 (property)', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(65_535, 65_536, 2 ** 31 - 1));
    const row = fc.record({
      prompt: fc.array(id, { minLength: 1, maxLength: 5 }),
      completion: fc.array(id, { minLength: 1, maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 4 }), id, (rows, pad) => {
        const b = packSequences(rows, pad);
        const S = Math.max(...rows.map((r) => r.prompt.length + r.completion.length - 1));
        const ids = new BigInt64Array(rows.length * S).fill(BigInt(pad));
        const labels = new BigInt64Array(rows.length * S);
        const mask = new Float32Array(rows.length * S);
        rows.forEach((r, i) => {
          const seq = [...r.prompt, ...r.completion];
          for (let t = 0; t + 1 < seq.length; t++) {
            ids[i * S + t] = BigInt(seq[t]);
            labels[i * S + t] = BigInt(seq[t + 1]);
            mask[i * S + t] = t >= r.prompt.length - 1 ? 1 : 0;
          }
        });
        expect(b.inputIds.shape).toEqual([rows.length, S]);
        expect(b.inputIds.data).toEqual(ids);
        expect(b.labels.data).toEqual(labels);
        expect(b.lossMask.data).toEqual(mask);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});

describe('estimateAdvantages dispatches to the numeric API', () => {
  const rewards = Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1]);
  const ctx: AdvantageContext = {
    rewards,
    groupSize: 4,
    questionIds: ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'c', 'c', 'c', 'c'],
    answers: ['1', '2', '2', null, '3', '4', '4', '4', '5', '5', '6', '5'],
    logprobs: Array.from(rewards, (_, i) => [-0.1 * (i + 1), -0.05 * (i + 1)]),
    lengths: Array.from(rewards, () => 2),
  };
  const pbar = ctx.logprobs.map((l) => Math.exp((l[0] + l[1]) / 2));
  it('every built-in name', () => {
    expectClose(estimateAdvantages('grpo', ctx).advantages, grpoAdvantages(rewards, 4));
    expectClose(estimateAdvantages('dr-grpo', ctx).advantages, grpoAdvantages(rewards, 4, { scale: 'none' }));
    expectClose(estimateAdvantages('rloo', ctx).advantages, rlooAdvantages(rewards, 4));
    expectClose(
      estimateAdvantages('reinforce', ctx, { baseline: 0.25 }).advantages,
      reinforceAdvantages(rewards, { baseline: 0.25 }),
    );
    expectClose(estimateAdvantages('best-only', ctx).advantages, bestOnlyAdvantages(rewards, 4));
    expectClose(
      estimateAdvantages('reinforce-pp', ctx).advantages,
      reinforcePlusPlusAdvantages(rewards, { groups: 4, tokenCounts: ctx.lengths }),
    );
    expectClose(estimateAdvantages('asymre', ctx).advantages, asymreAdvantages(rewards, { groups: 4 }));
    const lens = estimateAdvantages('lens', ctx, { alpha: 0.5 });
    expectClose(lens.confidence as Float64Array, pbar);
    expectClose(lens.advantages, lensAdvantages(rewards, pbar, 4, { alpha: 0.5 }).advantages);
    expect(lens.advantages.slice(4, 8).some((a) => a !== 0)).toBe(true); // the all-wrong group is rescued
    const counter = new AnswerCounter();
    const got = estimateAdvantages('ucb-con', ctx, { counter: new AnswerCounter() }).advantages;
    const want = explorationAdvantages(rewards, [...ctx.questionIds], [...ctx.answers], {
      bonus: 'ucb-con',
      counter,
    });
    expectClose(got, want.advantages);
  });
  it('custom estimators are checked', () => {
    expectClose(
      estimateAdvantages(({ rewards: r }) => r.map((x) => 2 * x), ctx).advantages,
      rewards.map((x) => 2 * x),
    );
    expect(() => estimateAdvantages(() => [1, 2], ctx)).toThrow(ShapeError);
    expect(() => estimateAdvantages(({ rewards: r }) => r.map(() => Number.NaN), ctx)).toThrow(
      InvalidValueError,
    );
    expect(() => estimateAdvantages('ppo' as 'grpo', ctx)).toThrow(InvalidValueError);
  });
});

describe('batchOutcomeStats', () => {
  it('by hand', () => {
    const s = batchOutcomeStats({
      rewards: [1, 0, 0, 0, 0, 0, 0, 0],
      correct: [true, false, false, false, false, false, false, false],
      answers: ['7', '3', '3.', null, 'a', 'b', 'A', ' '],
      advantages: [1.5, -0.5, -0.5, -0.5, -0.1, 0.3, -0.1, -0.1],
      groupSize: 4,
      passK: [1, 2, 4],
    });
    expect(s.reward).toBe(1 / 8);
    expect(s.accuracy).toBe(1 / 8);
    expect(s.passAtK[1]).toBeCloseTo((1 / 4 + 0) / 2, 15);
    expect(s.passAtK[2]).toBeCloseTo((1 - 3 / 6) / 2, 15); // 1 - C(3,2)/C(4,2) for the first group
    expect(s.passAtK[4]).toBe(0.5);
    expect(s.distinctAnswers).toBe((2 + 2) / 2); // {'7', '3'} and {'a', 'b'} ('3.' -> '3', 'A' -> 'a', ' ' none)
    expect(s.zeroAdvantageGroupFraction).toBe(0);
    expect(s.zeroSpreadGroups).toBe(1);
    expect(s.rescuedGroups).toBe(1);
    expect(() =>
      batchOutcomeStats({
        ...s,
        rewards: [1, 0, 1],
        correct: [],
        answers: [],
        advantages: [],
        groupSize: 2,
        passK: [1],
      }),
    ).toThrow(InvalidValueError);
  });
});

describe('trainerSession', () => {
  it('turns intra-op spinning off unless the caller set it, keeping everything else', () => {
    const key = 'session.intra_op.allow_spinning';
    expect(trainerSession()).toEqual({ sessionConfig: { [key]: '0' } });
    const mine = { intraOpNumThreads: 2, sessionConfig: { 'session.use_env_allocators': '1' } };
    expect(trainerSession(mine)).toEqual({
      intraOpNumThreads: 2,
      sessionConfig: { 'session.use_env_allocators': '1', [key]: '0' },
    });
    expect(mine.sessionConfig).toEqual({ 'session.use_env_allocators': '1' }); // not mutated
    const spinning = { sessionConfig: { [key]: '1' } };
    expect(trainerSession(spinning)).toBe(spinning);
  });
});

describe('RLTrainer', () => {
  it('trains on the sampled tokens plus EOS with their behaviour log-probs; the loss is the numeric one', async () => {
    const t = await trainer({ lr: 0, maxNewTokens: 10 });
    try {
      const m = await t.step(tasks(1));
      const lm = t.languageModel;
      let eosSeen = 0;
      for (const s of t.lastBatch) {
        const [scored] = await lm.scoreTokens([lm.encodePrompt(s.task.prompt)], [s.tokenIds]);
        s.logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(scored[i], 5));
        if (s.tokenIds[s.tokenIds.length - 1] === tokenizer.eosTokenId) eosSeen++;
      }
      expect(eosSeen).toBeGreaterThan(0);
      // k = 1: ratio 1, so PPO's loss is -sum_b A_b L_b / sum_b L_b (token-mean), as the numeric API says.
      const L = Math.max(...t.lastBatch.map((s) => s.tokenIds.length));
      const mask = t.lastBatch.flatMap((s) =>
        Array.from({ length: L }, (_, i) => (i < s.tokenIds.length ? 1 : 0)),
      );
      const logprobs = t.lastBatch.flatMap((s) => Array.from({ length: L }, (_, i) => s.logprobs[i] ?? 0));
      const ref = policyLoss('ppo', {
        logprobs,
        oldLogprobs: logprobs,
        advantages: t.lastBatch.map((s) => s.advantage),
        mask,
        seqLen: L,
      });
      expect(m.loss).toBeCloseTo(ref.loss, 5);
      expect(m.approxKl).toBe(0);
      expect(m.clipFraction).toBe(0);
      expect(m.responseLength).toBeCloseTo(t.lastBatch.reduce((a, s) => a + s.tokenIds.length, 0) / 16, 12);
      expect(m.tokenEntropy).toBeGreaterThan(0);
      expect(m.optimizerSteps).toBe(1);
    } finally {
      await t.dispose();
    }
  });

  it('estimators that read log-probs get the rollout ones, the EOS included (recorded while sampling)', async () => {
    let seen: readonly (readonly number[])[] = [];
    const t = await trainer({
      lr: 0,
      maxNewTokens: 10,
      estimator: (ctx) => {
        seen = ctx.logprobs;
        expect(ctx.lengths).toEqual(ctx.logprobs.map((l) => l.length));
        return grpoAdvantages(ctx.rewards, ctx.groupSize);
      },
    });
    try {
      await t.step(tasks(3));
      expect(seen.length).toBe(16);
      let eos = 0;
      t.lastBatch.forEach((s, i) => {
        // Sampler-side log-probs (generation + recorder) equal the training graph's at the same weights.
        expect(seen[i].length).toBe(s.tokenIds.length);
        seen[i].forEach((lp, j) => expect(lp).toBeCloseTo(s.logprobs[j], 5));
        if (s.tokenIds[s.tokenIds.length - 1] === tokenizer.eosTokenId) eos++;
      });
      expect(eos).toBeGreaterThan(0);
    } finally {
      await t.dispose();
    }
  });

  it('inner steps reuse the first step log-probs as old log-probs (PPO ratio moves off 1 only after an update)', async () => {
    const still = await trainer({ innerSteps: 3, lr: 0 });
    const moving = await trainer({ innerSteps: 3, lr: 3e-2 });
    try {
      const a = await still.step(tasks(2));
      expect(a.approxKl).toBe(0);
      expect(a.optimizerSteps).toBe(3);
      const b = await moving.step(tasks(2));
      expect(Math.abs(b.approxKl)).toBeGreaterThan(1e-4);
      expect(b.optimizerSteps).toBe(3);
    } finally {
      await still.dispose();
      await moving.dispose();
    }
  });

  it('the sampler follows the weights: live inputs and recompiling give the same rollouts', async () => {
    const live = await trainer({ lr: 3e-2 });
    const recompiled = await trainer({ lr: 3e-2, weightSync: 'recompile' });
    try {
      for (let s = 0; s < 3; s++) {
        const a = await live.step(tasks(10 + s));
        const b = await recompiled.step(tasks(10 + s));
        expect(live.lastBatch.map((x) => x.tokenIds)).toEqual(recompiled.lastBatch.map((x) => x.tokenIds));
        expect(a.loss).toBeCloseTo(b.loss, 6);
      }
      // The live sampler scores like a frozen copy of the trained weights, and unlike the initial ones.
      const trained = await frozenModel(config, live.parameters(), tokenizer);
      const initial = await frozenModel(config, initialWeights(3), tokenizer);
      try {
        const p = [live.languageModel.encodePrompt('4+5=')];
        const completion = [[5, tokenizer.eosTokenId as number]];
        const [x] = await live.languageModel.scoreTokens(p, completion);
        const [y] = await trained.scoreTokens(p, completion);
        const [z] = await initial.scoreTokens(p, completion);
        expect(x[0]).toBeCloseTo(y[0], 5);
        expect(x[1]).toBeCloseTo(y[1], 5);
        expect(Math.abs(z[0] - x[0]) + Math.abs(z[1] - x[1])).toBeGreaterThan(1e-3);
      } finally {
        await trained.dispose();
        await initial.dispose();
      }
      live.syncStore();
      const w = live.parameters().get('h.0.mlp.fc.weight');
      expect(w).toBeDefined();
    } finally {
      await live.dispose();
      await recompiled.dispose();
    }
  });

  it('with the optimiser in the graph the sampler still follows the (replaced) weight tensors', async () => {
    const t = await trainer({ lr: 3e-2, update: 'graph' });
    try {
      await t.step(tasks(20));
      await t.step(tasks(21));
      const frozen = await frozenModel(config, t.parameters(), tokenizer);
      const initial = await frozenModel(config, initialWeights(3), tokenizer);
      try {
        const p = [t.languageModel.encodePrompt('2+8=')];
        const c = [[8, tokenizer.eosTokenId as number]];
        const [[x], [y], [z]] = await Promise.all([
          t.languageModel.scoreTokens(p, c),
          frozen.scoreTokens(p, c),
          initial.scoreTokens(p, c),
        ]);
        expect(x[0]).toBeCloseTo(y[0], 5);
        expect(x[1]).toBeCloseTo(y[1], 5);
        expect(Math.abs(z[0] - x[0]) + Math.abs(z[1] - x[1])).toBeGreaterThan(1e-3);
      } finally {
        await frozen.dispose();
        await initial.dispose();
      }
    } finally {
      await t.dispose();
    }
  });

  it('async verifiers score like sync ones; lastBatch read late describes the latest step', async () => {
    const score = (text: string, t: Task) => (text === t.answer ? 1 : text.includes(t.answer) ? 0.5 : 0);
    const sync = await trainer({ lr: 3e-2, reward: score });
    const lazy = await trainer({ lr: 3e-2, reward: async (text, t) => ({ reward: score(text, t) }) });
    try {
      const a = [await sync.step(tasks(30)), await sync.step(tasks(31))];
      const b = [await lazy.step(tasks(30)), await lazy.step(tasks(31))];
      a.forEach((m, i) => {
        expect(b[i].reward).toBe(m.reward);
        expect(b[i].loss).toBeCloseTo(m.loss, 6);
      });
      const expected = tasks(31).flatMap((t) => Array.from({ length: 4 }, () => t.prompt));
      for (const t of [sync, lazy]) {
        expect(t.lastBatch.map((x) => x.task.prompt)).toEqual(expected);
        t.lastBatch.forEach((x) => expect(x.reward).toBe(score(x.text, x.task)));
      }
      expect(lazy.lastBatch.map((x) => x.tokenIds)).toEqual(sync.lastBatch.map((x) => x.tokenIds));
    } finally {
      await sync.dispose();
      await lazy.dispose();
    }
  });

  it('KL to the frozen reference: 0 before any update, positive after', async () => {
    const t = await trainer({ loss: { kind: 'ppo', klCoef: 0.1 }, lr: 3e-2 });
    try {
      const first = await t.step(tasks(4));
      expect(first.kl).toBeDefined();
      expect(Math.abs(first.kl as number)).toBeLessThan(1e-6);
      await t.step(tasks(5));
      const third = await t.step(tasks(6));
      expect(third.kl as number).toBeGreaterThan(1e-4);
    } finally {
      await t.dispose();
    }
  });

  it('exploration estimators keep their counter across steps; bad options are rejected', async () => {
    const t = await trainer({ estimator: 'ucb-con' });
    try {
      await t.step(tasks(7));
      const seen = t.lastBatch.filter((s) => s.answer !== null).length;
      expect(JSON.stringify(t.counter)).toContain('counts');
      expect(seen).toBeGreaterThan(0);
    } finally {
      await t.dispose();
    }
    await expect(trainer({ groupSize: 0 })).rejects.toThrow(InvalidValueError);
    await expect(trainer({ innerSteps: 0 })).rejects.toThrow(/innerSteps/);
    await expect(trainer({ passK: [8] })).rejects.toThrow(/passK/);
    await expect(trainer({ estimator: 'magic' as 'grpo' })).rejects.toThrow(/estimator/);
    const ok = await trainer();
    try {
      await expect(ok.step([])).rejects.toThrow(InvalidValueError);
    } finally {
      await ok.dispose();
    }
  });
});

/** The initial weights of a policy store with this seed (building a graph creates its parameters). */
function initialWeights(seed: number) {
  const store = new ParameterStore({ seed });
  buildDecoderGraph(config, store);
  return store.tensors();
}
