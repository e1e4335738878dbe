import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, Tensor as HfTensor, env as hfEnv } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecoderConfig, gpt2Config, llamaConfig } from '../decoder/config.js';
import { ParameterStore } from '../nn/params.js';
import { ByteTokenizer } from '../tokenizer/byte-level.js';
import { decoderConfigJson, generationConfigJson, saveDecoderFolder } from './decoder-folder.js';
import { loadLanguageModel } from './load-lm.js';

// Folders written by saveDecoderFolder open in transformers.js (the JS peer users know) and run the same model.
const tokenizer = ByteTokenizer.files();
const vocab = 259;
const configs: [string, DecoderConfig][] = [
  ['gpt2', gpt2Config({ vocabSize: vocab, dModel: 32, nLayers: 2, nHeads: 4, maxPositions: 64 })],
  [
    'llama',
    llamaConfig({ vocabSize: vocab, dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, maxPositions: 64 }),
  ],
];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'proj-tjs-'));
  hfEnv.allowRemoteModels = false;
  hfEnv.localModelPath = `${root}/`;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('config.json of project folders', () => {
  it('carries the keys transformers / transformers.js read for the family', () => {
    const g = decoderConfigJson(configs[0][1]);
    expect(g).toMatchObject({
      model_type: 'gpt2',
      n_embd: 32,
      n_head: 4,
      n_layer: 2,
      n_positions: 64,
      n_inner: 128,
      activation_function: 'gelu',
      use_cache: true,
      vocab_size: vocab,
    });
    const l = decoderConfigJson(configs[1][1]);
    expect(l).toMatchObject({
      model_type: 'llama',
      hidden_size: 32,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      num_hidden_layers: 2,
      head_dim: 8,
      hidden_act: 'silu',
      use_cache: true,
    });
    expect(generationConfigJson({ ...configs[0][1], eosTokenId: 258 })).toEqual({
      _from_model_config: true,
      bos_token_id: null,
      eos_token_id: 258,
      pad_token_id: null,
    });
  });
});

describe.each(configs)('transformers.js opens a saved %s folder', (name, config) => {
  it('same next-token logits and the same greedy continuation as ours', async () => {
    const dir = join(root, name);
    await saveDecoderFolder(dir, { config, store: new ParameterStore({ seed: 9 }), tokenizer });
    const ours = await loadLanguageModel(dir, { session: { intraOpNumThreads: 1 } });
    const hf = await AutoModelForCausalLM.from_pretrained(name, {
      dtype: 'fp32',
      device: 'cpu',
      session_options: { intraOpNumThreads: 1 },
    });
    try {
      const ids = ours.encodePrompt('Hello, world');
      const inputs = {
        input_ids: new HfTensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
        attention_mask: new HfTensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      };
      const { logits } = (await hf(inputs)) as { logits: HfTensor };
      const hfLast = (logits.data as Float32Array).subarray((ids.length - 1) * vocab, ids.length * vocab);
      const [ourLast] = await ours.nextTokenLogits(['Hello, world']);
      let diff = 0;
      for (let i = 0; i < vocab; i++) diff = Math.max(diff, Math.abs(hfLast[i] - ourLast[i]));
      expect(diff).toBeLessThan(1e-4);
      const out = (await hf.generate({ ...inputs, max_new_tokens: 10, do_sample: false })) as HfTensor;
      const hfTokens = Array.from(out.data as BigInt64Array, Number).slice(ids.length);
      const [[g]] = await ours.generate(['Hello, world'], { temperature: 0, maxNewTokens: 10 });
      // transformers.js keeps generating after EOS only if there is none; ours stops at it: compare the common part.
      expect(hfTokens.slice(0, g.tokenIds.length)).toEqual(g.tokenIds);
      expect(g.tokenIds.length).toBeGreaterThan(0);
    } finally {
      await ours.dispose();
      await hf.dispose();
    }
  });
});
