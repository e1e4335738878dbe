import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, Graph, ops, type Tensor } from '@proj/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLanguageModel } from '../generation/local-lm.js';
import { OnnxDecoderRunner } from '../generation/runner.js';
import { int64, RecomputeRunner } from '../generation/testing/recompute-runner.js';
import { maxAbsDiff } from '../testing/numeric.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import llamaRef from './fixtures/tiny-llama-reference.json' with { type: 'json' };
import qwen2Ref from './fixtures/tiny-qwen2-reference.json' with { type: 'json' };
import { loadLanguageModel, readEosTokenIds } from './load-lm.js';

// Tiny random Qwen2 (q/k/v biases, 4 heads / 2 kv heads) and Llama (Llama-3 tokenizer, 4 heads / 1 kv head)
// decoders with Hugging Face's names and semantics (RMSNorm, rotary positions, grouped-query attention, SiLU MLP,
// untied lm_head), exported by scripts/hf_llama_export.py the way `optimum-cli export onnx --task
// text-generation-with-past` exports llama / qwen2, in the transformers.js folder layout. Reference values are
// PyTorch's (same script).
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
/** What hf_llama_export.py writes to tiny-FAMILY-reference.json. */
interface Ref {
  vocabSize: number;
  eosTokenId: number;
  bosTokenId: number | null;
  padTokenId: number | null;
  generationEosTokenIds: number[];
  kvHeads: number;
  headDim: number;
  maxPositions: number;
  texts: string[];
  ids: number[][];
  prefill: { inputIds: number[][]; attentionMask: number[][]; positionIds: number[][]; logits: number[][][] };
  step: { inputIds: number[][]; attentionMask: number[][]; positionIds: number[][]; logits: number[][] };
  greedy: number[][];
  greedyNewTokens: number;
  chat: { messages: { role: string; content: string }[]; text: string; ids: number[] };
  tokenizerCases: { text: string; ids: number[]; plainIds: number[] }[];
  nfcCase?: { text: string; ids: number[] };
}
const families = [
  { name: 'qwen2', ref: qwen2Ref as Ref },
  { name: 'llama', ref: llamaRef as Ref },
];

function logSoftmax(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const lz = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
  return row.map((x) => x - lz);
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Torch's prefill logits at each row's real (unpadded) positions match `logits` [B, width, V]. */
function expectPrefillMatches(logits: Tensor, ref: Ref) {
  const [, width, v] = logits.shape;
  const data = logits.data as Float32Array;
  ref.prefill.logits.forEach((rows, r) => {
    const off = width - rows.length;
    rows.forEach((row, j) => {
      const at = (r * width + off + j) * v;
      expect(maxAbsDiff(data.subarray(at, at + v), row)).toBeLessThan(1e-4);
    });
  });
}

describe.each(families)('Optimum-exported $name folder (torch reference)', ({ name, ref }) => {
  const folder = join(fixtures, `tiny-${name}`);
  let lm: LocalLanguageModel;
  beforeAll(async () => {
    lm = await loadLanguageModel(folder, { session: { intraOpNumThreads: 1 } });
  });
  afterAll(async () => {
    await lm.dispose();
  });

  it('the byte-level BPE tokenizer (Split regex pre-tokenizer) encodes like the reference BPE and round-trips', async () => {
    const tok = await Tokenizer.fromFile(folder);
    expect(tok.vocabSize).toBe(ref.vocabSize);
    expect(tok.eosTokenId).toBe(ref.eosTokenId);
    expect(tok.bosTokenId).toBe(ref.bosTokenId ?? undefined);
    expect(tok.padTokenId).toBe(ref.padTokenId ?? undefined);
    for (const c of ref.tokenizerCases) {
      // llama: the post-processor prepends <|begin_of_text|>; qwen2 adds nothing
      expect(tok.encode(c.text)).toEqual(c.ids);
      expect(tok.encode(c.text, { addSpecialTokens: false })).toEqual(c.plainIds);
      expect(tok.decode(c.plainIds)).toBe(c.text);
      expect(tok.decode(c.ids, { skipSpecialTokens: true })).toBe(c.text);
    }
    if (ref.nfcCase) expect(tok.encode(ref.nfcCase.text)).toEqual(ref.nfcCase.ids);
    ref.texts.forEach((t, i) => expect(lm.encodePrompt(t)).toEqual(ref.ids[i]));
  });

  it('reads the folder: cached Optimum IO with grouped-query past, vocabulary, positions, EOS list', async () => {
    expect(lm.runner).toBeInstanceOf(OnnxDecoderRunner);
    expect((lm.runner as OnnxDecoderRunner).cached).toBe(true);
    expect(lm.runner.vocabSize).toBe(ref.vocabSize);
    // generation_config.json's eos list (which holds the tokenizer's eos_token too)
    expect(await readEosTokenIds(folder, lm.tokenizer)).toEqual(ref.generationEosTokenIds);
    await expect(lm.generate(['hello'], { maxNewTokens: ref.maxPositions })).rejects.toThrow(
      new RegExp(`exceeds the model's ${ref.maxPositions} positions`),
    );
  });

  it('prefill (empty past, left padding) and a cached step match torch logits within 1e-4', async () => {
    const prefill = await lm.runner.forward({
      inputIds: int64(ref.prefill.inputIds),
      attentionMask: int64(ref.prefill.attentionMask),
      positionIds: int64(ref.prefill.positionIds),
      cache: null,
    });
    expectPrefillMatches(prefill.logits, ref);
    const width = ref.prefill.inputIds[0].length;
    // present.N.*: kv heads (not query heads), rotated keys for every position so far
    expect(prefill.cache).toHaveLength(4);
    for (const t of prefill.cache) expect(t.shape).toEqual([2, ref.kvHeads, width, ref.headDim]);
    const step = await lm.runner.forward({
      inputIds: int64(ref.step.inputIds),
      attentionMask: int64(ref.step.attentionMask),
      positionIds: int64(ref.step.positionIds),
      cache: prefill.cache,
    });
    expect(step.cache[0].shape).toEqual([2, ref.kvHeads, width + 1, ref.headDim]);
    const v = ref.vocabSize;
    ref.step.logits.forEach((row, r) =>
      expect(maxAbsDiff((step.logits.data as Float32Array).subarray(r * v, (r + 1) * v), row)).toBeLessThan(
        1e-4,
      ),
    );
  });

  it('nextTokenLogits and teacher-forced log-probs of a left-padded batch match torch within 1e-4', async () => {
    const last = await lm.nextTokenLogits(ref.texts);
    ref.prefill.logits.forEach((rows, r) =>
      expect(maxAbsDiff(last[r], rows[rows.length - 1])).toBeLessThan(1e-4),
    );
    const scored = await lm.scoreTokens(
      ref.ids.map((ids) => ids.slice(0, 1)),
      ref.ids.map((ids) => ids.slice(1)),
    );
    ref.ids.forEach((ids, r) => {
      const want = ids.slice(1).map((tok, t) => logSoftmax(ref.prefill.logits[r][t])[tok]);
      expect(maxAbsDiff(scored[r], want)).toBeLessThan(1e-4);
    });
  });

  it('greedy generation equals torch greedy continuation (batched, left-padded, KV cache)', async () => {
    const out = await lm.generate(ref.texts, { temperature: 0, maxNewTokens: ref.greedyNewTokens });
    expect(out.map(([g]) => g.tokenIds)).toEqual(ref.greedy);
  });

  it('KV-cache generation equals full recompute; generation log-probs equal teacher-forced log-probs', async () => {
    const recompute = new LocalLanguageModel(new RecomputeRunner(lm.runner), lm.tokenizer, {
      maxPositions: ref.maxPositions,
      eosTokenIds: ref.generationEosTokenIds,
    });
    const opts = { n: 2, maxNewTokens: 10, temperature: 1, seed: 3 };
    const a = await lm.generate(ref.texts, opts);
    const b = await recompute.generate(ref.texts, opts);
    for (let p = 0; p < ref.texts.length; p++) {
      for (let s = 0; s < 2; s++) {
        expect(a[p][s].tokenIds).toEqual(b[p][s].tokenIds);
        expect(maxAbsDiff(a[p][s].logprobs, b[p][s].logprobs)).toBeLessThan(1e-4);
        const [teacher] = await lm.scoreTokens([ref.ids[p]], [a[p][s].tokenIds]);
        // temperature 1: the sampling distribution is the model's, so the two log-prob sets are the same numbers
        expect(maxAbsDiff(teacher, a[p][s].logprobs)).toBeLessThan(1e-4);
      }
    }
  });

  it("renders chat prompts with the model's own chat template (no second BOS) and generates from them", async () => {
    const messages = ref.chat.messages as { role: 'user' | 'assistant'; content: string }[];
    expect(lm.chatTemplate?.render(messages)).toBe(ref.chat.text);
    expect(lm.encodePrompt(messages)).toEqual(ref.chat.ids);
    const [[g]] = await lm.generate([messages], { temperature: 0, maxNewTokens: 3 });
    const [logits] = await lm.nextTokenLogits([messages]);
    const best = argmax(logits);
    expect(ref.generationEosTokenIds.includes(best) ? undefined : best).toBe(g.tokenIds[0]);
  });
});

describe('Optimum decoder_model.onnx without past inputs (llama)', () => {
  const ref = llamaRef as Ref;
  const folder = join(fixtures, 'tiny-llama');
  let lm: LocalLanguageModel;
  beforeAll(async () => {
    lm = await loadLanguageModel(folder, {
      onnxFile: 'onnx/decoder_model.onnx',
      session: { intraOpNumThreads: 1 },
    });
  });
  afterAll(async () => {
    await lm.dispose();
  });

  it('runs by recomputing: same logits and greedy continuation as torch', async () => {
    expect((lm.runner as OnnxDecoderRunner).cached).toBe(false);
    const { logits } = await lm.runner.forward({
      inputIds: int64(ref.prefill.inputIds),
      attentionMask: int64(ref.prefill.attentionMask),
      positionIds: int64(ref.prefill.positionIds),
      cache: null,
    });
    expectPrefillMatches(logits, ref);
    const out = await lm.generate(ref.texts, { temperature: 0, maxNewTokens: ref.greedyNewTokens });
    expect(out.map(([g]) => g.tokenIds)).toEqual(ref.greedy);
  });
});

describe('float16 Optimum IO (transformers.js model_fp16.onnx)', () => {
  it('feeds the first step an empty past of the declared dtype and keeps the float16 cache', async () => {
    // A stand-in decoder with fp16 past/present/logits like an fp16 export, small enough to derive by hand:
    // k = v = [id, id] per token (1 kv head, head size 2); logits per token = [id, sum of all cached keys, -id].
    const g = new Graph('fp16-decoder');
    const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
    const shape = ['batch_size', 1, 'past_sequence_length', 2];
    const pastK = g.input('past_key_values.0.key', 'float16', shape);
    const pastV = g.input('past_key_values.0.value', 'float16', shape);
    const x = ops.cast(ids, 'float32');
    const col = ops.unsqueeze(x, [1, 3]);
    const kv = ops.cast(ops.concat([col, col], 3), 'float16');
    const presentK = ops.concat([pastK, kv], 2);
    g.output('present.0.key', presentK);
    g.output('present.0.value', ops.concat([pastV, kv], 2));
    const total = ops.unsqueeze(ops.reduceSum(ops.cast(presentK, 'float32'), [1, 2, 3]), [1, 2]);
    const xi = ops.unsqueeze(x, [2]);
    const logits = ops.concat([xi, ops.add(ops.mul(xi, 0), total), ops.neg(xi)], 2);
    g.output('logits', ops.cast(logits, 'float16'));
    const runner = new OnnxDecoderRunner(await compile(g, { intraOpNumThreads: 1 }), 3, 'fp16');
    try {
      const first = await runner.forward({
        inputIds: int64([[1, 2]]),
        attentionMask: int64([[1, 1]]),
        positionIds: int64([[0, 1]]),
        cache: null,
      });
      expect(first.logits.dtype).toBe('float32');
      expect(first.logits.toArray()).toEqual([
        [
          [1, 6, -1],
          [2, 6, -2],
        ],
      ]);
      expect(first.cache.map((t) => [t.dtype, ...t.shape])).toEqual([
        ['float16', 1, 1, 2, 2],
        ['float16', 1, 1, 2, 2],
      ]);
      const step = await runner.forward({
        inputIds: int64([[3]]),
        attentionMask: int64([[1, 1, 1]]),
        positionIds: int64([[2]]),
        cache: first.cache,
      });
      expect(step.logits.toArray()).toEqual([[[3, 12, -3]]]);
    } finally {
      await runner.dispose();
    }
  });
});
