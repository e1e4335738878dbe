import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, grad, loadSafetensors, Tensor } from '@proj/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../decoder/config.js';
import { ParameterStore } from '../nn/params.js';
import { maxAbsDiff } from '../testing/numeric.js';
import { bertConfig, encoderConfigFromHf, hfBertConfig, validateEncoderConfig } from './config.js';
import ref from './fixtures/tiny_bert_reference.json' with { type: 'json' };
import { encoderParameterShapes, loadEncoderFolder } from './folder.js';
import { buildEncoderGraph, buildInfoNceGraph } from './graph.js';

// The tiny random BERT of scripts/encoder_reference.py (PyTorch, HF BertModel names): our graph built from its
// model.safetensors must reproduce torch's last_hidden_state and pooled embeddings, and the InfoNCE loss and
// every gradient.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const folder = join(fixtures, 'tiny-bert');

const i64 = (rows: number[][]) => {
  const n = Math.max(...rows.map((r) => r.length));
  return {
    ids: Tensor.fromArray(
      rows.map((r) => [...r, ...Array(n - r.length).fill(0)].map(BigInt)),
      { dtype: 'int64' },
    ),
    mask: Tensor.fromArray(
      rows.map((r) => Array.from({ length: n }, (_, i) => BigInt(i < r.length ? 1 : 0))),
      { dtype: 'int64' },
    ),
  };
};

describe('encoder config', () => {
  it('bertConfig fills BERT defaults and round-trips through HF config.json fields', () => {
    const c = bertConfig({ vocabSize: 100, dModel: 32, nLayers: 2, nHeads: 4 });
    expect(c).toMatchObject({ dFF: 128, maxPositions: 512, typeVocabSize: 2, normEps: 1e-12 });
    expect(encoderConfigFromHf(JSON.parse(JSON.stringify(hfBertConfig(c))))).toEqual(c);
  });

  it('rejects impossible configs with the field named', () => {
    const c = bertConfig({ vocabSize: 100, dModel: 32, nLayers: 2, nHeads: 4 });
    expect(() => validateEncoderConfig({ ...c, nHeads: 5 })).toThrow(
      /dModel \(32\) must be divisible by nHeads \(5\)/,
    );
    expect(() => validateEncoderConfig({ ...c, vocabSize: 0 })).toThrow(ConfigError);
    expect(() => validateEncoderConfig({ ...c, typeVocabSize: -1 })).toThrow(/typeVocabSize/);
    expect(() => validateEncoderConfig({ ...c, padTokenId: 100 })).toThrow(/padTokenId/);
    expect(() => encoderConfigFromHf({ ...hfBertConfig(c), model_type: 'roberta' })).toThrow(/not 'bert'/);
    expect(() => encoderConfigFromHf({ ...hfBertConfig(c), hidden_act: 'relu' })).toThrow(/hidden_act/);
  });

  it('graph parameters are exactly encoderParameterShapes', () => {
    const c = bertConfig({ vocabSize: 50, dModel: 16, nLayers: 2, nHeads: 2, maxPositions: 16 });
    const { g } = buildEncoderGraph(c, new ParameterStore({ seed: 1 }));
    const shapes = encoderParameterShapes(c);
    expect(new Map([...g.params].map(([k, v]) => [k, [...v.data.shape]]))).toEqual(shapes);
    const noTypes = { ...c, typeVocabSize: 0 };
    expect(encoderParameterShapes(noTypes).has('embeddings.token_type_embeddings.weight')).toBe(false);
    expect(() => buildEncoderGraph(noTypes, new ParameterStore(), { tokenTypeIds: true })).toThrow(
      /typeVocabSize/,
    );
  });
});

describe('BERT encoder graph vs PyTorch', () => {
  it('last_hidden_state and sentence_embedding of each text, batched with right padding', async () => {
    const { config, store } = await loadEncoderFolder(folder);
    const f = await compile(buildEncoderGraph(config, store).g);
    const { ids, mask } = i64(ref.cases.map((c) => c.ids));
    const out = await f({ input_ids: ids, attention_mask: mask });
    const d = config.dModel;
    const seq = ids.shape[1];
    const hidden = out.last_hidden_state.data as Float32Array;
    const emb = out.sentence_embedding.data as Float32Array;
    ref.cases.forEach((c, b) => {
      const n = c.ids.length;
      expect(maxAbsDiff(hidden.subarray(b * seq * d, (b * seq + n) * d), c.hidden), c.text).toBeLessThan(
        2e-5,
      );
      expect(maxAbsDiff(emb.subarray(b * d, (b + 1) * d), c.embedding), c.text).toBeLessThan(2e-6);
    });
  });

  it('token_type_ids input selects the type embedding rows', async () => {
    const { config, store } = await loadEncoderFolder(folder);
    const f = await compile(buildEncoderGraph(config, store, { tokenTypeIds: true }).g);
    const { ids, mask } = i64([ref.tokenTypes.ids]);
    const types = Tensor.fromArray([ref.tokenTypes.tokenTypeIds.map(BigInt)], { dtype: 'int64' });
    const out = await f({ input_ids: ids, attention_mask: mask, token_type_ids: types });
    expect(maxAbsDiff(out.last_hidden_state.data as Float32Array, ref.tokenTypes.hidden)).toBeLessThan(2e-5);
  });

  it.each([true, false])('InfoNCE loss (symmetric: %s) and every gradient', async (symmetric) => {
    const { config, store } = await loadEncoderFolder(folder);
    const r = ref.infonce;
    const t = buildInfoNceGraph(config, store, { temperature: r.temperature, symmetric });
    const names = [...t.g.params.keys()];
    const grads = grad(
      t.loss,
      names.map((n) => t.g.params.get(n)!.value),
    );
    const f = await compile(t.g, {
      outputs: Object.fromEntries([['loss', t.loss], ...names.map((n, i) => [`grad.${n}`, grads[i]])]),
    });
    const a = i64(r.anchors);
    const p = i64(r.positives);
    const out = await f({
      anchor_input_ids: a.ids,
      anchor_attention_mask: a.mask,
      positive_input_ids: p.ids,
      positive_attention_mask: p.mask,
    });
    const want = symmetric ? r.symmetricLoss : r.oneWayLoss;
    expect(Math.abs(out.loss.item() - want) / want).toBeLessThan(1e-5);
    if (!symmetric) return;
    const wantGrads = (await loadSafetensors(join(fixtures, 'tiny_bert_infonce_grads.safetensors'))).tensors;
    expect(new Set(names)).toEqual(new Set(wantGrads.keys()));
    for (const n of names) {
      const got = out[`grad.${n}`].toNumbers();
      const exp = wantGrads.get(n)!.toNumbers();
      const scale = Math.max(...exp.map(Math.abs));
      if (n.endsWith('attention.self.key.bias')) {
        // The key bias shifts every score of a softmax row equally: its true gradient is 0; both engines give
        // rounding noise only.
        expect(Math.max(...got.map(Math.abs)), n).toBeLessThan(1e-5);
        continue;
      }
      expect(maxAbsDiff(got, exp) / scale, n).toBeLessThan(1e-4);
    }
  });
});

describe('encoder graph invariances', () => {
  const config = bertConfig({ vocabSize: 40, dModel: 16, nLayers: 2, nHeads: 4, maxPositions: 24 });
  const store = new ParameterStore({ seed: 7 });

  it('padding, batch neighbours and padded ids do not change a row; embeddings are unit vectors', async () => {
    const f = await compile(buildEncoderGraph(config, store).g);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 1, maxLength: 10 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 39 }),
        async (rows, extraPad, padId) => {
          const n = Math.max(...rows.map((r) => r.length)) + extraPad;
          const ids = Tensor.fromArray(
            rows.map((r) => [...r, ...Array(n - r.length).fill(padId)].map(BigInt)),
            { dtype: 'int64' },
          );
          const mask = Tensor.fromArray(
            rows.map((r) => Array.from({ length: n }, (_, i) => BigInt(i < r.length ? 1 : 0))),
            { dtype: 'int64' },
          );
          const batched = (await f({ input_ids: ids, attention_mask: mask })).sentence_embedding
            .data as Float32Array;
          for (let b = 0; b < rows.length; b++) {
            const alone = i64([rows[b]]);
            const solo = (await f({ input_ids: alone.ids, attention_mask: alone.mask })).sentence_embedding
              .data as Float32Array;
            const row = batched.subarray(b * 16, (b + 1) * 16);
            expect(maxAbsDiff(row, solo)).toBeLessThan(1e-5);
            expect(Math.abs(Math.hypot(...row) - 1)).toBeLessThan(1e-5);
          }
        },
      ),
      { numRuns: 15, seed: 3 },
    );
  });
});
