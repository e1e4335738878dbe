import { compile, logSoftmax, Tensor } from '@proj/runtime';
import { describe, expect, it } from 'vitest';
import { ParameterStore } from '../nn/params.js';
import { type DecoderConfig, gpt2Config, llamaConfig } from './config.js';
import { buildDecoderGraph, buildLmTrainingGraph } from './graph.js';

const configs: Record<string, DecoderConfig> = {
  gpt2: gpt2Config({ vocabSize: 50, dModel: 32, nLayers: 2, nHeads: 4, maxPositions: 64 }),
  llamaGqa: llamaConfig({ vocabSize: 50, dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, maxPositions: 64 }),
};

const ids = (rows: number[][]) =>
  Tensor.fromArray(
    rows.map((r) => r.map((x) => BigInt(x))),
    { dtype: 'int64' },
  );
const ones = (b: number, t: number) => Tensor.full([b, t], 1, 'int64');
const positions = (b: number, from: number, n: number) =>
  Tensor.fromArray(
    Array.from({ length: b }, () => Array.from({ length: n }, (_, i) => BigInt(from + i))),
    { dtype: 'int64' },
  );

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.toNumbers();
  const y = b.toNumbers();
  expect(x.length).toBe(y.length);
  return Math.max(...x.map((v, i) => Math.abs(v - y[i])));
}

function lastStep(logits: Tensor, step: number): Tensor {
  const [b, s, v] = logits.shape;
  const out = new Float32Array(b * v);
  for (let i = 0; i < b; i++)
    out.set((logits.data as Float32Array).subarray((i * s + step) * v, (i * s + step + 1) * v), i * v);
  return new Tensor('float32', out, [b, v]);
}

describe.each(Object.entries(configs))('%s decoder', (_, config) => {
  it('KV-cache decoding equals full recompute', async () => {
    const store = new ParameterStore({ seed: 3 });
    const full = await compile(buildDecoderGraph(config, store).g);
    const cached = await compile(buildDecoderGraph(config, store, { kvCache: true }).g);
    const seqIds = [
      [5, 9, 2, 7, 11, 3, 8],
      [1, 4, 4, 6, 10, 12, 2],
    ];
    const want = (
      await full({ input_ids: ids(seqIds), attention_mask: ones(2, 7), position_ids: positions(2, 0, 7) })
    ).logits;
    // Prefill 4 tokens with an empty cache, then decode 3 tokens one at a time.
    const hd = config.dModel / config.nHeads;
    const feeds: Record<string, Tensor> = {};
    for (let l = 0; l < config.nLayers; l++) {
      feeds[`past_key_values.${l}.key`] = Tensor.zeros([2, config.nKvHeads, 0, hd]);
      feeds[`past_key_values.${l}.value`] = Tensor.zeros([2, config.nKvHeads, 0, hd]);
    }
    let out = await cached({
      ...feeds,
      input_ids: ids(seqIds.map((r) => r.slice(0, 4))),
      attention_mask: ones(2, 4),
      position_ids: positions(2, 0, 4),
    });
    expect(maxAbsDiff(lastStep(out.logits, 3), lastStep(want, 3))).toBeLessThan(1e-5);
    for (let t = 4; t < 7; t++) {
      for (let l = 0; l < config.nLayers; l++) {
        feeds[`past_key_values.${l}.key`] = out[`present.${l}.key`];
        feeds[`past_key_values.${l}.value`] = out[`present.${l}.value`];
      }
      out = await cached({
        ...feeds,
        input_ids: ids(seqIds.map((r) => [r[t]])),
        attention_mask: ones(2, t + 1),
        position_ids: positions(2, t, 1),
      });
      expect(out[`present.0.key`].shape).toEqual([2, config.nKvHeads, t + 1, hd]);
      expect(maxAbsDiff(lastStep(out.logits, 0), lastStep(want, t))).toBeLessThan(1e-5);
    }
  });

  it('left padding with attention_mask gives the unpadded logits', async () => {
    const store = new ParameterStore({ seed: 4 });
    const f = await compile(buildDecoderGraph(config, store).g);
    const alone = (
      await f({ input_ids: ids([[7, 8, 9]]), attention_mask: ones(1, 3), position_ids: positions(1, 0, 3) })
    ).logits;
    const padded = (
      await f({
        input_ids: ids([[0, 0, 7, 8, 9]]),
        attention_mask: Tensor.fromArray([[0n, 0n, 1n, 1n, 1n]], { dtype: 'int64' }),
        position_ids: Tensor.fromArray([[0n, 0n, 0n, 1n, 2n]], { dtype: 'int64' }),
      })
    ).logits;
    for (let t = 0; t < 3; t++)
      expect(maxAbsDiff(lastStep(padded, t + 2), lastStep(alone, t))).toBeLessThan(1e-5);
  });

  it('head exposure: same logits, per-head outputs sum to the attention output, head_scales = scaling W_O rows', async () => {
    const store = new ParameterStore({ seed: 5 });
    const plain = await compile(buildDecoderGraph(config, store).g);
    const exposed = await compile(
      buildDecoderGraph(config, store, { exposeHeads: true, headScales: true }).g,
    );
    const feeds = {
      input_ids: ids([[3, 1, 4, 1, 5]]),
      attention_mask: ones(1, 5),
      position_ids: positions(1, 0, 5),
    };
    const a = await plain(feeds);
    const b = await exposed(feeds);
    expect(maxAbsDiff(a.logits, b.logits)).toBeLessThan(1e-5);
    expect(b['head_outputs.1'].shape).toEqual([1, 5, config.nHeads, config.dModel]);
    // Scaling head (1, 2) by s through the input equals scaling its rows of W_O in the weights.
    const s = -0.5;
    const scales = Tensor.ones([config.nLayers, config.nHeads]);
    (scales.data as Float32Array)[1 * config.nHeads + 2] = s;
    const viaInput = (await exposed({ ...feeds, head_scales: scales })).logits;
    const hd = config.dModel / config.nHeads;
    const wo = store.get('h.1.attn.out.weight', [config.dModel, config.dModel]).clone();
    for (let r = 2 * hd; r < 3 * hd; r++)
      for (let cc = 0; cc < config.dModel; cc++) (wo.data as Float32Array)[r * config.dModel + cc] *= s;
    const edited = new ParameterStore({ tensors: store.tensors() });
    edited.set('h.1.attn.out.weight', wo);
    const viaWeights = (await (await compile(buildDecoderGraph(config, edited).g))(feeds)).logits;
    expect(maxAbsDiff(viaInput, viaWeights)).toBeLessThan(1e-5);
    expect(maxAbsDiff(viaInput, a.logits)).toBeGreaterThan(1e-3);
  });

  it('training graph: loss is the masked mean NLL of the forward logits', async () => {
    const store = new ParameterStore({ seed: 6 });
    const fwd = await compile(
      buildDecoderGraph(config, store, { attentionMask: false, positionIds: false }).g,
    );
    const t = buildLmTrainingGraph(config, store);
    const train = await compile(t.g);
    const x = ids([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const labels = ids([
      [2, 3, 4, 9],
      [6, 7, 8, 9],
    ]);
    const mask = Tensor.fromArray([
      [1, 1, 1, 0],
      [1, 1, 0, 0],
    ]);
    const out = await train({ input_ids: x, labels, loss_mask: mask });
    const logits = (await fwd({ input_ids: x })).logits as Tensor<'float32'>;
    const logp = logSoftmax(logits, -1);
    let sum = 0;
    let n = 0;
    const want: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let s = 0; s < 4; s++) {
        const lp = logp.get(b, s, Number(labels.get(b, s))) as number;
        want.push(lp);
        if (mask.get(b, s)) {
          sum -= lp;
          n++;
        }
      }
    }
    expect(out.loss.item()).toBeCloseTo(sum / n, 5);
    out.token_logprobs.toNumbers().forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });
});

describe('inputs_embeds', () => {
  it('feeding the embedding rows equals feeding the ids', async () => {
    const config = configs.gpt2;
    const store = new ParameterStore({ seed: 8 });
    const byIds = await compile(buildDecoderGraph(config, store).g);
    const byEmb = await compile(buildDecoderGraph(config, store, { inputsEmbeds: true }).g);
    const tokens = [4, 2, 7];
    const table = store.get('wte.weight', [config.vocabSize, config.dModel]);
    const emb = new Float32Array(3 * config.dModel);
    tokens.forEach((tok, i) =>
      emb.set(
        (table.data as Float32Array).subarray(tok * config.dModel, (tok + 1) * config.dModel),
        i * config.dModel,
      ),
    );
    const common = { attention_mask: ones(1, 3), position_ids: positions(1, 0, 3) };
    const a = (await byIds({ ...common, input_ids: ids([tokens]) })).logits;
    const b = (await byEmb({ ...common, inputs_embeds: new Tensor('float32', emb, [1, 3, config.dModel]) }))
      .logits;
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
  });
});
