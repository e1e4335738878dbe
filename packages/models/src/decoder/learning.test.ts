import { adamw, compile, Rng, Tensor, Trainer, warmupCosine } from '@proj/runtime';
import { describe, expect, it } from 'vitest';
import { LocalLanguageModel } from '../generation/local-lm.js';
import { OnnxDecoderRunner } from '../generation/runner.js';
import { ParameterStore } from '../nn/params.js';
import { CharTokenizer } from '../tokenizer/char-level.js';
import { gpt2Config } from './config.js';
import { buildDecoderGraph, buildLmTrainingGraph } from './graph.js';

// A tiny transformer LM learns to sort: "3142>" -> "1234.". Documented threshold: after 500 steps the masked
// cross-entropy of the answer tokens is below 0.05 nats and greedy decoding sorts >= 95% of unseen sequences.
const LEN = 4;
const tokenizer = CharTokenizer.create('0123456789>.', { addBos: true });

function example(rng: Rng): { prompt: string; answer: string } {
  const digits = Array.from({ length: LEN }, () => rng.int(10));
  return { prompt: `${digits.join('')}>`, answer: `${[...digits].sort((a, b) => a - b).join('')}.` };
}

function batch(rng: Rng, n: number, seq: number) {
  const pad = BigInt(tokenizer.padTokenId!);
  const ids = new BigInt64Array(n * seq).fill(pad);
  const labels = new BigInt64Array(n * seq).fill(pad);
  const mask = new Float32Array(n * seq);
  for (let r = 0; r < n; r++) {
    const { prompt, answer } = example(rng);
    const full = tokenizer.encode(prompt + answer);
    const promptLen = tokenizer.encode(prompt).length;
    for (let j = 0; j + 1 < full.length; j++) {
      ids[r * seq + j] = BigInt(full[j]);
      labels[r * seq + j] = BigInt(full[j + 1]);
      if (j + 1 >= promptLen) mask[r * seq + j] = 1;
    }
  }
  return {
    input_ids: new Tensor('int64', ids, [n, seq]),
    labels: new Tensor('int64', labels, [n, seq]),
    loss_mask: new Tensor('float32', mask, [n, seq]),
  };
}

describe('learning a sequence task', () => {
  it('a tiny GPT learns to sort digits', async () => {
    const config = gpt2Config({
      vocabSize: tokenizer.vocabSize,
      dModel: 64,
      nLayers: 2,
      nHeads: 4,
      maxPositions: 16,
    });
    const store = new ParameterStore({ seed: 1 });
    const seq = 1 + 2 * LEN + 1;
    const t = buildLmTrainingGraph(config, store, { batch: 64, seq });
    const steps = 500;
    const trainer = await Trainer.create(t.g, {
      loss: t.loss,
      optimizer: adamw({ weightDecay: 0.01 }),
      lr: warmupCosine({ peak: 3e-3, warmupSteps: 30, totalSteps: steps, minLr: 1e-4 }),
      intraOpNumThreads: 1,
    });
    const rng = new Rng(7);
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push((await trainer.step(batch(rng, 64, seq))).loss);
    for (const [name, p] of trainer.params()) store.set(name, p.clone());
    await trainer.dispose();
    const tail = losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
    expect(losses[0]).toBeGreaterThan(1.5);
    expect(tail).toBeLessThan(0.05);

    const fn = await compile(buildDecoderGraph(config, store, { kvCache: true }).g, { intraOpNumThreads: 1 });
    const lm = new LocalLanguageModel(new OnnxDecoderRunner(fn, config.vocabSize), tokenizer);
    const test = Array.from({ length: 100 }, () => example(new Rng(rng.nextUint32())));
    const out = await lm.generate(
      test.map((e) => e.prompt),
      { temperature: 0, maxNewTokens: LEN + 1, stop: ['.'] },
    );
    const correct = out.filter((g, i) => `${g[0].text}.` === test[i].answer).length;
    expect(correct / test.length).toBeGreaterThanOrEqual(0.95);
    await lm.dispose();
  });
});
