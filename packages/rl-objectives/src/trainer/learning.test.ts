import { buildLmTrainingGraph, CharTokenizer, gpt2Config, ParameterStore } from '@proj/models';
import { adamw, compileTrainStep, Rng } from '@proj/runtime';
import { describe, expect, it } from 'vitest';
import { packSequences } from './batch.js';
import type { AdvantageEstimatorName } from './estimators.js';
import type { RLLossOptions } from './graph.js';
import { RLTrainer } from './rl-trainer.js';

// A small verifiable task: "a+b=" -> the larger digit, then EOS. Reward 1 for exactly that text.
const tokenizer = CharTokenizer.create('0123456789+=');
const config = gpt2Config({
  vocabSize: tokenizer.vocabSize,
  dModel: 32,
  nLayers: 1,
  nHeads: 2,
  maxPositions: 16,
  eosTokenId: tokenizer.eosTokenId,
});
type Task = { prompt: string; answer: string };
const task = (rng: Rng): Task => {
  const a = rng.int(10);
  const b = rng.int(10);
  return { prompt: `${a}+${b}=`, answer: String(Math.max(a, b)) };
};

/** A few supervised steps so the format (one digit, EOS) is learnt and the reward is not 0. */
async function warmStart(store: ParameterStore, steps: number): Promise<void> {
  const rng = new Rng(7);
  const t = buildLmTrainingGraph(config, store, { batch: 'batch', seq: 'seq' });
  const step = await compileTrainStep(t.g, {
    loss: t.loss,
    optimizer: adamw({ weightDecay: 0 }),
    intraOpNumThreads: 1,
  });
  for (let i = 0; i < steps; i++) {
    const rows = Array.from({ length: 32 }, () => {
      const x = task(rng);
      return {
        prompt: tokenizer.encode(x.prompt),
        completion: [...tokenizer.encode(x.answer), tokenizer.eosTokenId as number],
      };
    });
    const b = packSequences(rows, tokenizer.padTokenId as number);
    await step.run({ input_ids: b.inputIds, labels: b.labels, loss_mask: b.lossMask }, { lr: 3e-3 });
  }
  for (const [k, v] of step.params()) store.set(k, v.clone());
  await step.dispose();
}

async function learn(estimator: AdvantageEstimatorName, loss: RLLossOptions, innerSteps: number) {
  const store = new ParameterStore({ seed: 3 });
  await warmStart(store, 40);
  const trainer = await RLTrainer.create<Task>({
    policy: { config, store, tokenizer },
    reward: (text, t) => (text === t.answer ? 1 : 0),
    groupSize: 8,
    estimator,
    loss,
    innerSteps,
    maxNewTokens: 3,
    lr: 3e-3,
    seed: 1,
    session: { intraOpNumThreads: 1 },
  });
  const rng = new Rng(11);
  try {
    return await trainer.fit(() => Array.from({ length: 8 }, () => task(rng)), { steps: 150 });
  } finally {
    await trainer.dispose();
  }
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

describe('RLTrainer learns a verifiable task on the tiny LM', () => {
  it('GRPO (PPO loss, one inner step): reward rises from ~chance to most answers right', async () => {
    const m = await learn('grpo', { kind: 'ppo' }, 1);
    // Rewards of 8 prompts per step are noisy: compare 20-step windows (seeded, so the run is fixed).
    const first = mean(m.slice(0, 20).map((x) => x.reward));
    const last = mean(m.slice(-20).map((x) => x.reward));
    expect(first).toBeLessThan(0.3);
    expect(last).toBeGreaterThan(first + 0.3);
    expect(last).toBeGreaterThan(0.5);
    // The metrics are consistent with the rewards: pass@8 >= pass@1 = accuracy.
    for (const x of m) {
      expect(x.passAtK[1]).toBeCloseTo(x.accuracy, 12);
      expect(x.passAtK[8]).toBeGreaterThanOrEqual(x.passAtK[1]);
    }
  });

  it('LENS advantages with PPO-clip over two inner steps also learn, rescuing all-wrong groups', async () => {
    const m = await learn('lens', { kind: 'ppo', clipLow: 0.2, clipHigh: 0.28 }, 2);
    const first = mean(m.slice(0, 20).map((x) => x.reward));
    const last = mean(m.slice(-20).map((x) => x.reward));
    expect(last).toBeGreaterThan(first + 0.3);
    expect(last).toBeGreaterThan(0.6);
    const zeroSpread = m.reduce((a, x) => a + x.zeroSpreadGroups, 0);
    const rescued = m.reduce((a, x) => a + x.rescuedGroups, 0);
    expect(rescued).toBeGreaterThan(0);
    expect(rescued).toBeLessThanOrEqual(zeroSpread);
    expect(m.some((x) => x.clipFraction > 0)).toBe(true);
  });
});
