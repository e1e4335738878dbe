import {
  buildDecoderGraph,
  CharTokenizer,
  gpt2Config,
  LocalLanguageModel,
  llamaConfig,
  OnnxDecoderRunner,
  ParameterStore,
  StaticCacheRunner,
} from '@proj/models';
import { compile, type Tensor } from '@proj/runtime';
import { describe, expect, it } from 'vitest';
import { frozenModel, liveWeightsModel } from './sampler.js';

// The live sampler runs the static-cache graph with the weights fed as inputs. Its reference here is the
// Optimum-IO decoder graph (a different graph, checked against PyTorch in @proj/models) with the same weights
// baked in: sampled tokens must be identical, log-probs equal to float32 rounding.
const tokenizer = CharTokenizer.create('0123456789+=');
const eos = tokenizer.eosTokenId as number;
const families = [
  gpt2Config({
    vocabSize: tokenizer.vocabSize,
    dModel: 32,
    nLayers: 2,
    nHeads: 2,
    maxPositions: 24,
    eosTokenId: eos,
    initStd: 0.3,
  }),
  // grouped-query attention and rotary positions
  llamaConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: 32,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    maxPositions: 24,
    eosTokenId: eos,
    initStd: 0.3,
  }),
];

/** A store with every decoder parameter created (building the graph initialises them). */
function storeFor(config: (typeof families)[number], seed: number): ParameterStore {
  const store = new ParameterStore({ seed });
  buildDecoderGraph(config, store);
  return store;
}

async function optimumModel(config: (typeof families)[number], weights: ReadonlyMap<string, Tensor>) {
  const store = new ParameterStore({ tensors: new Map([...weights].map(([k, v]) => [k, v.clone()])) });
  const fn = await compile(buildDecoderGraph(config, store, { kvCache: true }).g, { intraOpNumThreads: 1 });
  return new LocalLanguageModel(new OnnxDecoderRunner(fn, config.vocabSize), tokenizer, {
    maxPositions: config.maxPositions,
  });
}

const prompts = ['3+4=', '12+9=', '7='];
const opts = { n: 5, maxNewTokens: 8, temperature: 1, seed: 11 };

describe.each(families)('liveWeightsModel ($family)', (config) => {
  it('samples what the Optimum-IO graph samples from the same weights, and follows in-place updates', async () => {
    const store = storeFor(config, 4);
    // The "training buffers": copies the test updates in place, as the host optimiser does.
    const live = new Map([...store.tensors()].map(([k, v]) => [k, v.clone()]));
    const lm = await liveWeightsModel(config, store, tokenizer, () => live, {
      session: { intraOpNumThreads: 1 },
    });
    expect(lm.runner).toBeInstanceOf(StaticCacheRunner);
    const before = await optimumModel(config, live);
    try {
      const a = await lm.generate(prompts, opts);
      const b = await before.generate(prompts, opts);
      // Rows finish at different steps (EOS), so the static cache's row compaction is exercised.
      const lengths = new Set(a.flat().map((g) => g.tokenIds.length));
      expect(lengths.size).toBeGreaterThan(1);
      a.forEach((gens, p) =>
        gens.forEach((g, s) => {
          expect(g.tokenIds).toEqual(b[p][s].tokenIds);
          expect(g.finishReason).toBe(b[p][s].finishReason);
          g.logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(b[p][s].logprobs[i], 4));
        }),
      );

      // An optimiser step in place: the same Map and tensors, new values. Nothing is recompiled.
      for (const t of live.values()) {
        const d = t.data as Float32Array;
        for (let i = 0; i < d.length; i++) d[i] += 0.05 * Math.sin(1 + i);
      }
      const after = await optimumModel(config, live);
      try {
        const c = await lm.generate(prompts, opts);
        const d = await after.generate(prompts, opts);
        expect(c.map((gs) => gs.map((g) => g.tokenIds))).toEqual(d.map((gs) => gs.map((g) => g.tokenIds)));
        // ...and the update changed what is sampled (the sampler did not keep the old weights).
        expect(c.map((gs) => gs.map((g) => g.logprobs))).not.toEqual(
          a.map((gs) => gs.map((g) => g.logprobs)),
        );
        const ids = prompts.map((p) => lm.encodePrompt(p));
        const completions = c.map(([g]) => [...g.tokenIds, eos]);
        const [x, y] = await Promise.all([
          lm.scoreTokens(ids, completions),
          after.scoreTokens(ids, completions),
        ]);
        x.forEach((row, i) => row.forEach((lp, j) => expect(lp).toBeCloseTo(y[i][j], 4)));
      } finally {
        await after.dispose();
      }
    } finally {
      await lm.dispose();
      await before.dispose();
    }
  });
});

describe('frozenModel', () => {
  it('bakes a copy of the weights in: later changes to the tensors do not reach it', async () => {
    const config = families[0];
    const weights = new Map([...storeFor(config, 9).tensors()].map(([k, v]) => [k, v.clone()]));
    const frozen = await frozenModel(config, weights, tokenizer, { session: { intraOpNumThreads: 1 } });
    const reference = await optimumModel(config, weights);
    try {
      const a = await frozen.generate(prompts, opts);
      const b = await reference.generate(prompts, opts);
      expect(a.map((gs) => gs.map((g) => g.tokenIds))).toEqual(b.map((gs) => gs.map((g) => g.tokenIds)));
      for (const t of weights.values()) (t.data as Float32Array).fill(0);
      expect((await frozen.generate(prompts, opts)).map((gs) => gs.map((g) => g.tokenIds))).toEqual(
        a.map((gs) => gs.map((g) => g.tokenIds)),
      );
    } finally {
      await frozen.dispose();
      await reference.dispose();
    }
  });
});
