import {
  buildDecoderGraph,
  CharTokenizer,
  gpt2Config,
  LocalLanguageModel,
  ParameterStore,
} from '@proj/models';
import { compile, compileTrainStep, sgd, Tensor } from '@proj/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidValueError } from '../core/errors.js';
import { type SoftRollout, SoftTokenSampler } from './rollout.js';
import { buildSoftTokenTrainingGraph, packSoftRollouts } from './train.js';

const tokenizer = CharTokenizer.create('0123456789+=');
const config = gpt2Config({
  vocabSize: tokenizer.vocabSize,
  dModel: 32,
  nLayers: 2,
  nHeads: 4,
  maxPositions: 48,
  eosTokenId: tokenizer.eosTokenId,
  initStd: 0.2, // a peaked random model, so samples and shadows vary but are not uniform noise
});
const store = new ParameterStore({ seed: 5 });
const prompts = ['3+4=', '12+9=', '7'];
const d = config.dModel;
const V = config.vocabSize;
const table = (): Tensor => store.get('wte.weight', [V, d]);

let sampler: SoftTokenSampler;
beforeAll(async () => {
  sampler = await SoftTokenSampler.create(
    { config, store, tokenizer },
    { session: { intraOpNumThreads: 1 } },
  );
});
afterAll(async () => {
  await sampler.dispose();
});

function rms(t: Tensor): number {
  const e = t.data as Float32Array;
  let s = 0;
  for (const x of e) s += x * x;
  return Math.sqrt(s / e.length);
}

describe('soft-token rollouts', () => {
  it('stores the noise: h~ - p E == sigma * noise, with sigma = 0.33 * embedding RMS by default', async () => {
    const out = await sampler.rollout(prompts, { mode: 'soft', n: 2, maxCotTokens: 6, seed: 3 });
    const sigma = 0.33 * rms(table());
    let draws = 0;
    let sum = 0;
    let sq = 0;
    for (const r of out.flat()) {
      expect(r.sigma).toBeCloseTo(sigma, 12);
      expect(r.temperature).toBe(0.5);
      expect(r.cotInputs.length).toBe(r.cotLength * d);
      expect(r.noise.length).toBe(r.cotLength * d);
      for (let i = 0; i < r.noise.length; i++) {
        // The fed inputs are float32: equal up to float32 rounding.
        const expected = r.cotMeans[i] + sigma * r.noise[i];
        expect(Math.abs(r.cotInputs[i] - expected)).toBeLessThanOrEqual(
          6e-8 * Math.max(1, Math.abs(expected)),
        );
        sum += r.noise[i];
        sq += r.noise[i] * r.noise[i];
        draws++;
      }
      expect(r.shadowIds.length).toBeGreaterThanOrEqual(r.cotLength);
    }
    expect(draws).toBeGreaterThan(200);
    // Standard normal draws: mean ~ 0, variance ~ 1 (loose bounds, a sanity check of the stored values).
    expect(Math.abs(sum / draws)).toBeLessThan(0.15);
    expect(sq / draws).toBeGreaterThan(0.8);
    expect(sq / draws).toBeLessThan(1.2);
  });

  it('fuzzy mode feeds the argmax (shadow) embedding plus noise', async () => {
    const out = await sampler.rollout(prompts, {
      mode: 'fuzzy',
      n: 2,
      maxCotTokens: 5,
      seed: 4,
      sigma: 0.01,
    });
    const E = table().data as Float32Array;
    for (const r of out.flat()) {
      expect(r.temperature).toBe(1e-4);
      for (let t = 0; t < r.cotLength; t++) {
        const id = r.shadowIds[t];
        for (let i = 0; i < d; i++) expect(r.cotMeans[t * d + i]).toBeCloseTo(E[id * d + i], 6);
      }
    }
  });

  it('hard mode equals ordinary sampling (LocalLanguageModel.generate) for the same seed', async () => {
    const lm = await LocalLanguageModel.fromOnnx(
      buildDecoderGraph(config, store, { kvCache: true }).g,
      tokenizer,
      {
        vocabSize: V,
        maxPositions: config.maxPositions,
        session: { intraOpNumThreads: 1 },
      },
    );
    try {
      for (const temperature of [1, 0.7]) {
        const gen = await lm.generate(prompts, { n: 3, maxNewTokens: 10, temperature, seed: 9 });
        const hard = await sampler.rollout(prompts, {
          mode: 'hard',
          n: 3,
          maxCotTokens: 10,
          temperature,
          seed: 9,
        });
        let tokens = 0;
        gen.forEach((samples, p) => {
          samples.forEach((g, s) => {
            const r = hard[p][s];
            expect(r.cotIds).toEqual(g.tokenIds);
            expect(r.finishReason).toBe(g.finishReason);
            r.cotLogprobs.forEach((lp, i) => expect(lp).toBeCloseTo(g.logprobs[i], 5));
            expect(r.noise.length).toBe(0);
            tokens += r.cotIds.length;
          });
        });
        expect(tokens).toBeGreaterThan(20);
      }
    } finally {
      await lm.dispose();
    }
  });

  it('the greedy shadow ends the CoT at the answer cue, which is fed hard before the answer', async () => {
    const base = await sampler.rollout(['3+4='], { mode: 'soft', n: 4, maxCotTokens: 8, seed: 21 });
    // Pick a cue the shadow of sample 0 emits at step k (its first occurrence).
    const r0 = base[0][0];
    const text = (id: number) => tokenizer.decode([id], { skipSpecialTokens: true });
    const k = r0.shadowIds.findIndex((id, i) => i >= 1 && text(id).length === 1);
    expect(k).toBeGreaterThan(0);
    const cue = text(r0.shadowIds[k]);
    const first = r0.shadowIds.findIndex((id) => text(id) === cue);
    const cued = await sampler.rollout(['3+4='], {
      mode: 'soft',
      n: 4,
      maxCotTokens: 8,
      maxAnswerTokens: 3,
      seed: 21,
      answerCue: cue,
    });
    const r = cued[0][0];
    // Same draws up to the cue: the CoT is the base rollout's prefix, cut where the shadow emitted the cue.
    expect(r.cotLength).toBe(first);
    expect(r.shadowIds).toEqual(r0.shadowIds.slice(0, first + 1));
    expect([...r.noise]).toEqual([...r0.noise.subarray(0, first * d)]);
    expect(r.cueId).toBe(r0.shadowIds[first]);
    expect(r.answerIds.length + (r.endedOnEos ? 1 : 0)).toBeGreaterThan(0);
    expect(r.answerLogprobs.length).toBe(r.answerIds.length);
  });

  it('replaying the rollouts through the training graph recomputes their log-probs', async () => {
    const soft = (
      await sampler.rollout(prompts, {
        mode: 'soft',
        n: 2,
        maxCotTokens: 6,
        maxAnswerTokens: 3,
        answerCue: '=',
        seed: 13,
        sigma: 0.05,
      })
    ).flat();
    const hard = (
      await sampler.rollout(prompts, { mode: 'hard', n: 2, maxCotTokens: 6, answerCue: '=', seed: 13 })
    ).flat();
    for (const [name, rollouts] of [
      ['soft', soft],
      ['hard', hard],
    ] as const) {
      const packed = packSoftRollouts(rollouts, table(), tokenizer.eosTokenId);
      const t = buildSoftTokenTrainingGraph(config, store, {
        sigma: packed.sigma,
        temperature: packed.temperature,
      });
      const f = await compile(t.g, { outputs: t.metrics, intraOpNumThreads: 1 });
      const out = await f({
        inputs_embeds: packed.inputsEmbeds,
        next_embeds: packed.nextEmbeds,
        soft_mask: packed.softMask,
        labels: packed.labels,
        token_mask: packed.tokenMask,
        inv_temperature: packed.invTemperature,
      });
      await f.dispose();
      rollouts.forEach((r: SoftRollout, b) => {
        // At the rollout's own weights, -||h~ - p E||^2 / (2 sigma^2) = -||noise||^2 / 2.
        let n2 = 0;
        for (const z of r.noise) n2 += z * z;
        const softLp = (out.soft_logprob.data as Float32Array)[b];
        expect(Math.abs(softLp - -n2 / 2)).toBeLessThan(1e-3 * Math.max(1, n2));
        const tokens = [
          ...r.cotLogprobs,
          ...r.answerLogprobs,
          ...(r.endedOnEos ? [r.eosLogprob as number] : []),
        ];
        const expected = tokens.reduce((a, x) => a + x, 0);
        expect((out.token_logprob.data as Float32Array)[b]).toBeCloseTo(expected, 4);
        if (name === 'soft') expect(r.cotLength === 0 || n2 > 0).toBe(true);
      });
      if (name === 'hard') expect(rollouts.some((r) => r.cotIds.length > 0)).toBe(true);
    }
  });

  it('a REINFORCE step with a positive advantage raises the rollout log-prob', async () => {
    const own = new ParameterStore({
      tensors: new Map([...store.tensors()].map(([k, v]) => [k, v.clone()])),
    });
    const sampler2 = await SoftTokenSampler.create(
      { config, store: own, tokenizer },
      { session: { intraOpNumThreads: 1 } },
    );
    const [[r]] = await sampler2.rollout(['3+4='], {
      mode: 'soft',
      maxCotTokens: 4,
      maxAnswerTokens: 2,
      answerCue: '=',
      seed: 2,
      sigma: 0.05,
    });
    await sampler2.dispose();
    const packed = packSoftRollouts([r], own.get('wte.weight', [V, d]), tokenizer.eosTokenId);
    const t = buildSoftTokenTrainingGraph(config, own, {
      sigma: packed.sigma,
      temperature: packed.temperature,
    });
    const step = await compileTrainStep(t.g, {
      loss: t.loss,
      metrics: t.metrics,
      optimizer: sgd(),
      intraOpNumThreads: 1,
    });
    const feeds = {
      inputs_embeds: packed.inputsEmbeds,
      next_embeds: packed.nextEmbeds,
      soft_mask: packed.softMask,
      labels: packed.labels,
      token_mask: packed.tokenMask,
      inv_temperature: packed.invTemperature,
      advantages: new Tensor('float32', new Float32Array([1]), [1]),
    };
    const before = await step.run(feeds, { lr: 1e-4 });
    const after = await step.run(feeds, { lr: 0 });
    await step.dispose();
    // loss = -A log pi: a gradient step on it makes log pi larger.
    expect(after.metrics.logprob.item()).toBeGreaterThan(before.metrics.logprob.item());
  });

  it('live weights (graph inputs) give the same rollouts as baked-in ones', async () => {
    const weights = new Map([...store.tensors()]);
    const live = await SoftTokenSampler.create(
      { config, store, tokenizer },
      { weights: () => weights, session: { intraOpNumThreads: 1 } },
    );
    try {
      const opts = {
        mode: 'soft' as const,
        n: 2,
        maxCotTokens: 4,
        maxAnswerTokens: 2,
        answerCue: '=',
        seed: 8,
      };
      const a = await live.rollout(prompts, opts);
      const b = await sampler.rollout(prompts, opts);
      expect(a.flat().map((r) => r.shadowIds)).toEqual(b.flat().map((r) => r.shadowIds));
      expect(a.flat().map((r) => r.answerIds)).toEqual(b.flat().map((r) => r.answerIds));
      a.flat().forEach((r, i) => {
        const s = b.flat()[i];
        r.cotInputs.forEach((x, j) => expect(x).toBeCloseTo(s.cotInputs[j], 6));
      });
    } finally {
      await live.dispose();
    }
  });

  it('rejects bad options with typed errors', async () => {
    await expect(sampler.rollout(['1'], { mode: 'warm' as 'soft' })).rejects.toThrow(InvalidValueError);
    await expect(sampler.rollout(['1'], { mode: 'soft', n: 0 })).rejects.toThrow(/n must be/);
    await expect(sampler.rollout(['1'], { mode: 'soft', temperature: 0 })).rejects.toThrow(/temperature/);
    await expect(sampler.rollout(['1'], { mode: 'soft', maxCotTokens: 60 })).rejects.toThrow(/positions/);
  });
});
