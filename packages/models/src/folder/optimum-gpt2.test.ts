import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTemplateError } from '../generation/chat-template.js';
import type { LocalLanguageModel } from '../generation/local-lm.js';
import { OnnxDecoderRunner } from '../generation/runner.js';
import { int64, RecomputeRunner } from '../generation/testing/recompute-runner.js';
import { maxAbsDiff } from '../testing/numeric.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import ref from './fixtures/tiny-gpt2-reference.json' with { type: 'json' };
import { loadLanguageModel, readEosTokenIds } from './load-lm.js';

// A tiny random GPT-2 with Hugging Face's names and layout, exported by scripts/hf_gpt2_export.py the way
// `optimum-cli export onnx --task text-generation-with-past` exports gpt2, in the transformers.js folder layout.
// Reference values are PyTorch's (same script).
const folder = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tiny-gpt2');

function logSoftmax(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const lz = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
  return row.map((x) => x - lz);
}

let lm: LocalLanguageModel;
beforeAll(async () => {
  lm = await loadLanguageModel(folder, { session: { intraOpNumThreads: 1 } });
});
afterAll(async () => {
  await lm.dispose();
});

describe('Optimum-exported GPT-2 folder (torch reference)', () => {
  it('the GPT-2-style byte-level BPE tokenizer encodes like the reference BPE and round-trips', async () => {
    const tok = await Tokenizer.fromFile(folder);
    expect(tok.vocabSize).toBe(ref.vocabSize);
    expect(tok.eosTokenId).toBe(ref.eosTokenId);
    for (const c of ref.tokenizerCases) {
      expect(tok.encode(c.text)).toEqual(c.ids);
      expect(tok.decode(c.ids)).toBe(c.text);
    }
    ref.texts.forEach((t, i) => expect(lm.encodePrompt(t)).toEqual(ref.ids[i]));
  });

  it('reads the folder: Optimum IO runner, vocabulary, positions and EOS from generation_config.json', async () => {
    expect(lm.runner).toBeInstanceOf(OnnxDecoderRunner);
    expect((lm.runner as OnnxDecoderRunner).cached).toBe(true);
    expect(lm.runner.vocabSize).toBe(ref.vocabSize);
    expect(await readEosTokenIds(folder, lm.tokenizer)).toEqual([ref.eosTokenId]);
    await expect(lm.generate(['hello'], { maxNewTokens: 64 })).rejects.toThrow(
      /exceeds the model's 64 positions/,
    );
  });

  it('prefill (empty past, left padding) and a cached step match torch logits within 1e-4', async () => {
    const prefill = await lm.runner.forward({
      inputIds: int64(ref.prefill.inputIds),
      attentionMask: int64(ref.prefill.attentionMask),
      positionIds: int64(ref.prefill.positionIds),
      cache: null,
    });
    const [, width, v] = prefill.logits.shape;
    const data = prefill.logits.data as Float32Array;
    ref.prefill.logits.forEach((rows, r) => {
      const off = width - rows.length; // the real (unpadded) positions of row r
      rows.forEach((row, j) =>
        expect(
          maxAbsDiff(data.subarray((r * width + off + j) * v, (r * width + off + j + 1) * v), row),
        ).toBeLessThan(1e-4),
      );
    });
    expect(prefill.cache[0].shape).toEqual([2, 4, width, 8]);
    const step = await lm.runner.forward({
      inputIds: int64(ref.step.inputIds),
      attentionMask: int64(ref.step.attentionMask),
      positionIds: int64(ref.step.positionIds),
      cache: prefill.cache,
    });
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
    // log p(token t | tokens < t) for every prompt token after the first, from torch's logits.
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
    const out = await lm.generate(ref.texts, { temperature: 0, maxNewTokens: ref.greedy[0].length });
    expect(out.map(([g]) => g.tokenIds)).toEqual(ref.greedy);
  });

  it('KV-cache generation equals full recompute; generation log-probs equal teacher-forced log-probs', async () => {
    const { LocalLanguageModel } = await import('../generation/local-lm.js');
    const recompute = new LocalLanguageModel(new RecomputeRunner(lm.runner), lm.tokenizer, {
      maxPositions: 64,
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

  it('renders chat prompts with the folder chat template (special tokens from the tokenizer)', async () => {
    expect(lm.chatTemplate?.render(ref.chat.messages as never)).toBe(ref.chat.text);
    expect(lm.encodePrompt(ref.chat.messages as never)).toEqual(ref.chat.ids);
    expect(lm.chatTemplate?.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: false })).toBe(
      `${'<|endoftext|>'}user: hi\n`,
    );
    // The template's own raise_exception surfaces as a typed error.
    await expect(
      lm.generate([[{ role: 'tool' as 'user', content: 'x' }]], { maxNewTokens: 1 }),
    ).rejects.toThrow(ChatTemplateError);
    await expect(
      lm.generate([[{ role: 'tool' as 'user', content: 'x' }]], { maxNewTokens: 1 }),
    ).rejects.toThrow(/unknown role: tool/);
    const [[g]] = await lm.generate([ref.chat.messages as never], { temperature: 0, maxNewTokens: 3 });
    const [logits] = await lm.nextTokenLogits([ref.chat.messages as never]);
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    expect(g.tokenIds[0] ?? ref.eosTokenId).toBe(best);
  });
});
