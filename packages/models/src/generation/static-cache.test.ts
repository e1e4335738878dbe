import { type CompiledGraph, compile, type Feeds, Tensor } from '@proj/runtime';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecoderConfig, gpt2Config, llamaConfig } from '../decoder/config.js';
import { buildDecoderGraph } from '../decoder/graph.js';
import type { LogitsProcessor } from '../interfaces.js';
import { ParameterStore } from '../nn/params.js';
import { maxAbsDiff } from '../testing/numeric.js';
import { ByteTokenizer } from '../tokenizer/byte-level.js';
import { LocalLanguageModel } from './local-lm.js';
import { type DecoderRunner, OnnxDecoderRunner } from './runner.js';
import { GenerationError } from './sampling.js';
import { buildStaticCacheDecoder, StaticCacheRunner } from './static-cache.js';

// The static-cache graph must compute what the Optimum-IO decoder graph computes (that graph is checked against
// PyTorch in ../decoder/torch-parity.test.ts): same logits, same cached steps, same generations.
const tokenizer = ByteTokenizer.create();
const eos = tokenizer.eosTokenId as number;
const families: [string, DecoderConfig][] = [
  [
    'gpt2',
    gpt2Config({
      vocabSize: tokenizer.vocabSize,
      dModel: 32,
      nLayers: 2,
      nHeads: 4,
      maxPositions: 64,
      eosTokenId: eos,
    }),
  ],
  // grouped-query attention (2 query heads per key/value head) and rotary positions
  [
    'llama GQA',
    llamaConfig({
      vocabSize: tokenizer.vocabSize,
      dModel: 32,
      nLayers: 2,
      nHeads: 4,
      nKvHeads: 2,
      maxPositions: 64,
      eosTokenId: eos,
    }),
  ],
];
const int64 = (rows: number[][]) =>
  Tensor.fromArray(
    rows.map((r) => r.map(BigInt)),
    { dtype: 'int64' },
  );

describe.each(families)('StaticCacheRunner (%s)', (_, config) => {
  const store = new ParameterStore({ seed: 5 });
  let fast: StaticCacheRunner;
  let reference: OnnxDecoderRunner;
  let fastLm: LocalLanguageModel;
  let refLm: LocalLanguageModel;
  beforeAll(async () => {
    fast = await StaticCacheRunner.create(config, store, { intraOpNumThreads: 1 });
    reference = new OnnxDecoderRunner(
      await compile(buildDecoderGraph(config, store, { kvCache: true }).g, { intraOpNumThreads: 1 }),
      config.vocabSize,
    );
    fastLm = new LocalLanguageModel(fast, tokenizer, { maxPositions: 64 });
    refLm = new LocalLanguageModel(reference, tokenizer, { maxPositions: 64 });
  });
  afterAll(async () => {
    await fast.dispose();
    await reference.dispose();
  });

  it('left-padded prefill, cached steps past the preallocated capacity, and row selection match the Optimum-IO graph', async () => {
    const prefill = {
      inputIds: int64([
        [0, 0, 72, 105],
        [104, 101, 108, 108],
        [0, 65, 66, 67],
      ]),
      attentionMask: int64([
        [0, 0, 1, 1],
        [1, 1, 1, 1],
        [0, 1, 1, 1],
      ]),
      positionIds: int64([
        [0, 0, 0, 1],
        [0, 1, 2, 3],
        [0, 0, 1, 2],
      ]),
    };
    // capacity 5 < the 7 columns reached below: the cache has to grow.
    let a = await fast.forward({ ...prefill, cache: null, capacity: 5 });
    let b = await reference.forward({ ...prefill, cache: null });
    const mask = [
      [0, 0, 1, 1],
      [1, 1, 1, 1],
      [0, 1, 1, 1],
    ];
    // Real positions only: a padding position attends to nothing, and what it outputs is unused (and differs).
    const v = config.vocabSize;
    mask.forEach((row, r) =>
      row.forEach((m, j) => {
        if (!m) return;
        const at = (r * 4 + j) * v;
        expect(
          maxAbsDiff(
            (a.logits.data as Float32Array).subarray(at, at + v),
            (b.logits.data as Float32Array).subarray(at, at + v),
          ),
        ).toBeLessThan(1e-4);
      }),
    );
    const pos = [2, 4, 3];
    let rows = [0, 1, 2];
    for (let step = 0; step < 3; step++) {
      if (step === 1) {
        rows = [2, 0]; // drop row 1 and reorder the others (not an in-place compaction)
        a = { ...a, cache: fast.selectRows(a.cache, [2, 0]) };
        b = { ...b, cache: reference.selectRows(b.cache, [2, 0]) };
      } else if (step === 2) {
        rows = [rows[1]]; // keep the second live row (in-place compaction)
        a = { ...a, cache: fast.selectRows(a.cache, [1]) };
        b = { ...b, cache: reference.selectRows(b.cache, [1]) };
      }
      for (const r of rows) mask[r].push(1);
      const batch = {
        inputIds: int64(rows.map((r) => [40 + r + step])),
        attentionMask: int64(rows.map((r) => mask[r])),
        positionIds: int64(rows.map((r) => [pos[r]++])),
      };
      a = await fast.forward({ ...batch, cache: a.cache });
      b = await reference.forward({ ...batch, cache: b.cache });
      expect(maxAbsDiff(a.logits.data as Float32Array, b.logits.data as Float32Array)).toBeLessThan(1e-4);
    }
  });

  it('sampled generation (rows finishing at different steps) and scoring equal the reference runner', async () => {
    // Ends row (prompt 0, sample 1) at step 2 and (prompt 1, sample 0) at step 4 by forcing EOS.
    const stopSome: LogitsProcessor = {
      process(logits, ctx) {
        ctx.rows.forEach((row, r) => {
          const end =
            row.prompt === 0 && row.sample === 1 ? 2 : row.prompt === 1 && row.sample === 0 ? 4 : -1;
          if (ctx.step === end)
            for (let v = 0; v < ctx.vocabSize; v++)
              logits[r * ctx.vocabSize + v] = v === eos ? 0 : Number.NEGATIVE_INFINITY;
        });
      },
    };
    const opts = {
      n: 2,
      maxNewTokens: 9,
      temperature: 0.8,
      topK: 40,
      seed: 21,
      logitsProcessors: [stopSome],
    };
    const prompts = ['Hi', 'The cat sat', 'xyz!'];
    const a = await fastLm.generate(prompts, opts);
    const b = await refLm.generate(prompts, opts);
    expect(a[0][1].tokenIds).toHaveLength(2);
    expect(a[1][0].tokenIds).toHaveLength(4);
    a.forEach((gens, p) =>
      gens.forEach((g, s) => {
        expect(g.tokenIds).toEqual(b[p][s].tokenIds);
        expect(g.finishReason).toBe(b[p][s].finishReason);
        expect(maxAbsDiff(g.logprobs, b[p][s].logprobs)).toBeLessThan(1e-4);
      }),
    );
    const ids = prompts.map((p) => tokenizer.encode(p));
    const completions = a.map(([g]) => g.tokenIds);
    const sa = await fastLm.scoreTokens(ids, completions);
    const sb = await refLm.scoreTokens(ids, completions);
    sa.forEach((row, i) => expect(maxAbsDiff(row, sb[i])).toBeLessThan(1e-4));
  });

  it('runs with its weights as graph inputs (compile paramsAsInputs), fed on every call', async () => {
    // How a trainer samples from weights it keeps updating: nothing baked in, nothing recompiled.
    const fn = await compile(buildStaticCacheDecoder(config, store), {
      intraOpNumThreads: 1,
      paramsAsInputs: true,
    });
    const weights = store.tensors();
    const inputs = new Set(fn.inputs.map((i) => i.name));
    expect([...weights.keys()].every((k) => inputs.has(k))).toBe(true);
    const fed = Object.assign((feeds: Feeds) => fn({ ...feeds, ...Object.fromEntries(weights) }), {
      dispose: () => fn.dispose(),
    }) as unknown as CompiledGraph;
    const lm = new LocalLanguageModel(new StaticCacheRunner(fed, config), tokenizer, { maxPositions: 64 });
    try {
      const opts = { n: 3, maxNewTokens: 6, temperature: 0.9, seed: 4 };
      const a = await lm.generate(['Hi', 'The cat'], opts);
      const b = await fastLm.generate(['Hi', 'The cat'], opts);
      expect(a.map((gs) => gs.map((g) => g.tokenIds))).toEqual(b.map((gs) => gs.map((g) => g.tokenIds)));
      a.forEach((gs, p) =>
        gs.forEach((g, i) => expect(maxAbsDiff(g.logprobs, b[p][i].logprobs)).toBeLessThan(1e-5)),
      );
    } finally {
      await lm.dispose();
    }
  });

  it('concurrent generate calls on one runner give what they give one after the other', async () => {
    // Each call owns its cache state: calls in flight together must not see each other's keys and values.
    const opts = { n: 2, maxNewTokens: 8, temperature: 1, seed: 9 };
    const [a, b] = await Promise.all([
      fastLm.generate(['Hi', 'Yo'], opts),
      fastLm.generate(['Ab', 'Cd'], opts),
    ]);
    const a1 = await fastLm.generate(['Hi', 'Yo'], opts);
    const b1 = await fastLm.generate(['Ab', 'Cd'], opts);
    expect(a.map((gs) => gs.map((g) => g.tokenIds))).toEqual(a1.map((gs) => gs.map((g) => g.tokenIds)));
    expect(b.map((gs) => gs.map((g) => g.tokenIds))).toEqual(b1.map((gs) => gs.map((g) => g.tokenIds)));
    a.flat().forEach((g, i) => expect(maxAbsDiff(g.logprobs, a1.flat()[i].logprobs)).toBeLessThan(1e-6));
  });

  it('greedy generation equals the reference for any prompt batch (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        async (prompts) => {
          const a = await fastLm.generate(prompts, { temperature: 0, maxNewTokens: 4 });
          const b = await refLm.generate(prompts, { temperature: 0, maxNewTokens: 4 });
          expect(a.map(([g]) => g.tokenIds)).toEqual(b.map(([g]) => g.tokenIds));
        },
      ),
      { numRuns: 8, seed: 3 },
    );
  });
});

describe('StaticCacheRunner cache handles', () => {
  const config = families[0][1];
  let runner: DecoderRunner;
  beforeAll(async () => {
    runner = await StaticCacheRunner.create(config, new ParameterStore({ seed: 1 }), {
      intraOpNumThreads: 1,
    });
  });
  afterAll(async () => {
    await runner.dispose();
  });
  const first = {
    inputIds: int64([[1, 2]]),
    attentionMask: int64([[1, 1]]),
    positionIds: int64([[0, 1]]),
    cache: null,
  };
  const next = { inputIds: int64([[3]]), attentionMask: int64([[1, 1, 1]]), positionIds: int64([[2]]) };

  it('rejects a stale handle, a foreign cache and a mask that does not fit the cache', async () => {
    const { cache } = await runner.forward(first);
    await runner.forward({ ...next, cache });
    await expect(runner.forward({ ...next, cache })).rejects.toThrow(/stale cache/);
    expect(() => runner.selectRows(cache, [0])).toThrow(GenerationError);
    await expect(runner.forward({ ...next, cache: [Tensor.zeros([1, 4, 2, 8])] })).rejects.toThrow(
      /did not make/,
    );
    const fresh = await runner.forward(first);
    await expect(
      runner.forward({ ...next, attentionMask: int64([[1, 1]]), cache: fresh.cache }),
    ).rejects.toThrow(/needs 3/);
    expect(() => runner.selectRows(fresh.cache, [1])).toThrow(/row 1 is not in/);
  });
});
