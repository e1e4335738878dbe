import { compile, Tensor } from '@proj/runtime';
import { describe, expect, it } from 'vitest';
import { ParameterStore } from '../nn/params.js';
import { CharTokenizer } from '../tokenizer/char-level.js';
import { llamaConfig } from './config.js';
import { DecoderEmbedder } from './embedder.js';
import { buildDecoderGraph } from './graph.js';

describe('DecoderEmbedder', () => {
  const tokenizer = CharTokenizer.create('abcdefgh ');
  const config = llamaConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: 16,
    nLayers: 1,
    nHeads: 2,
    maxPositions: 32,
  });
  const store = new ParameterStore({ seed: 2 });

  it('is the L2-normalised mean of the final hidden states, independent of batching', async () => {
    const emb = await DecoderEmbedder.create(config, store, tokenizer, { batchSize: 8 });
    const texts = ['abc', 'hgfe dc', 'a'];
    const batched = await emb.embed(texts);
    // Reference: one text at a time, hidden states from the plain decoder graph, pooled here.
    const d = buildDecoderGraph(config, store, { hiddenStates: true });
    const f = await compile(d.g, { outputs: { h: d.hidden } });
    for (const [i, t] of texts.entries()) {
      const ids = tokenizer.encode(t);
      const n = ids.length;
      const { h } = await f({
        input_ids: Tensor.fromArray([ids.map(BigInt)], { dtype: 'int64' }),
        attention_mask: Tensor.full([1, n], 1, 'int64'),
        position_ids: Tensor.fromArray([ids.map((_, j) => BigInt(j))], { dtype: 'int64' }),
      });
      const mean = new Float64Array(16);
      const hd = h.data as Float32Array;
      for (let s = 0; s < n; s++) for (let k = 0; k < 16; k++) mean[k] += hd[s * 16 + k] / n;
      const norm = Math.hypot(...mean);
      batched[i].forEach((v, k) => expect(v).toBeCloseTo(mean[k] / norm, 5));
    }
    expect(emb.dimension).toBe(16);
    await emb.dispose();
    await f.dispose();
  });
});
