import { compile } from '@proj/runtime';
import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../decoder/config.js';
import { buildDecoderGraph } from '../decoder/graph.js';
import { ParameterStore } from '../nn/params.js';
import { ByteTokenizer } from '../tokenizer/byte-level.js';
import { LocalLanguageModel } from './local-lm.js';
import { ReferenceLogitsProcessor } from './reference-processor.js';
import { OnnxDecoderRunner } from './runner.js';
import { logSoftmaxRow } from './sampling.js';

const tokenizer = ByteTokenizer.create();
const config = gpt2Config({
  vocabSize: tokenizer.vocabSize,
  dModel: 32,
  nLayers: 2,
  nHeads: 4,
  maxPositions: 64,
});

async function model(seed: number): Promise<LocalLanguageModel> {
  const fn = await compile(buildDecoderGraph(config, new ParameterStore({ seed }), { kvCache: true }).g);
  return new LocalLanguageModel(new OnnxDecoderRunner(fn, config.vocabSize), tokenizer, { maxPositions: 64 });
}

describe('ReferenceLogitsProcessor', () => {
  const prompts = ['Hello', 'A longer prompt'];
  // Rows stop at different steps (common bytes end them), so the reference batch must follow the compaction.
  const stopTokenIds = Array.from({ length: 40 }, (_, i) => 100 + i);

  it('mixing a model with itself as 2 l - l changes nothing', async () => {
    const policy = await model(1);
    const same = await model(1);
    const opts = { n: 3, maxNewTokens: 10, seed: 4, stopTokenIds };
    const plain = await policy.generate(prompts, opts);
    const mix = new ReferenceLogitsProcessor(same, prompts, (p, r) => {
      for (let i = 0; i < p.length; i++) p[i] = 2 * p[i] - r[i];
    });
    const mixed = await policy.generate(prompts, { ...opts, logitsProcessors: [mix] });
    expect(mixed.map((g) => g.map((s) => s.tokenIds))).toEqual(plain.map((g) => g.map((s) => s.tokenIds)));
    expect(new Set(plain.flat().map((s) => s.tokenIds.length)).size).toBeGreaterThan(1);
  });

  it('feeds the reference the same prefixes: its log-probs of the sampled tokens equal teacher forcing', async () => {
    const policy = await model(1);
    const reference = await model(2);
    // seen[step][i]: the reference's log-softmax row for the i-th live row of that step, and which row it was.
    const seen: { row: string; ref: Float64Array }[][] = [];
    let step = -1;
    const recorder = new ReferenceLogitsProcessor(reference, prompts, (_p, r) => {
      seen[step].push({ row: '', ref: logSoftmaxRow(r, new Float64Array(r.length)) });
    });
    const wrapped = {
      async process(logits: Float32Array, ctx: Parameters<ReferenceLogitsProcessor['process']>[1]) {
        step = ctx.step;
        seen[step] = [];
        await recorder.process(logits, ctx);
        ctx.rows.forEach((row, i) => {
          seen[step][i].row = `${row.prompt}:${row.sample}`;
        });
      },
    };
    const out = await policy.generate(prompts, {
      n: 2,
      maxNewTokens: 8,
      seed: 9,
      stopTokenIds,
      logitsProcessors: [wrapped],
    });
    for (const [p, samples] of out.entries()) {
      for (const [s, g] of samples.entries()) {
        if (g.tokenIds.length === 0) continue;
        const [teacher] = await reference.scoreTokens([reference.encodePrompt(prompts[p])], [g.tokenIds]);
        g.tokenIds.forEach((tok, t) => {
          const rec = seen[t].find((x) => x.row === `${p}:${s}`);
          expect(rec?.ref[tok]).toBeCloseTo(teacher[t], 4);
        });
      }
    }
  });

  it('refuses a reference with another vocabulary', async () => {
    const policy = await model(1);
    const small = gpt2Config({ vocabSize: 300, dModel: 32, nLayers: 1, nHeads: 4, maxPositions: 64 });
    const fn = await compile(buildDecoderGraph(small, new ParameterStore({ seed: 3 }), { kvCache: true }).g);
    const other = new LocalLanguageModel(new OnnxDecoderRunner(fn, 300), tokenizer);
    const mix = new ReferenceLogitsProcessor(other, prompts, () => {});
    await expect(policy.generate(prompts, { maxNewTokens: 2, logitsProcessors: [mix] })).rejects.toThrow(
      /share a vocabulary/,
    );
  });
});
