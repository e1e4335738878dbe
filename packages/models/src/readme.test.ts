import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@proj/runtime';
import * as runtime from '@proj/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockWith, readmeBlocks, runReadmeBlock } from '../../../test-utils/readme-runner.js';
import type { Generation, LocalLanguageModel } from './index.js';
import * as models from './index.js';
import { FakeOpenAIServer } from './remote/testing/fake-openai-server.js';

// The README's examples, run as written: each ```ts block is transpiled by the TypeScript compiler, its imports
// are bound to this package and @proj/runtime, and the tests check the values its comments state (every
// expression statement's value is recorded) and the variables they name. Blocks that continue the first example
// run after it, as a reader would run them.

const BLOCKS = readmeBlocks(new URL('../README.md', import.meta.url));
const MODULES: Record<string, object> = { '@proj/models': models, '@proj/runtime': runtime };
const block = (marker: string) => blockWith(BLOCKS, marker);
const run = (code: string, names: readonly string[] = []) => runReadmeBlock(code, MODULES, names);

const FIRST = BLOCKS[0];

let dir: string;
let cwd: string;
beforeAll(async () => {
  cwd = process.cwd();
  dir = await mkdtemp(join(tmpdir(), 'models-readme-'));
  // The examples write model folders under ./models: run them in a scratch folder.
  process.chdir(dir);
});
afterAll(async () => {
  process.chdir(cwd);
  await rm(dir, { recursive: true, force: true });
});

describe('README', () => {
  it('first example: saves a folder, loads it, generates reproducibly and scores', async () => {
    const r = await run(FIRST, ['lm', 'a', 'b', 'lp']);
    const lm = r.vars.lm as LocalLanguageModel;
    const a = r.vars.a as Generation;
    const b = r.vars.b as Generation;
    for (const s of [a, b]) {
      expect(s.tokenIds.length).toBeGreaterThan(0);
      expect(s.tokenIds.length).toBeLessThanOrEqual(16);
      expect(s.logprobs.length).toBe(s.tokenIds.length);
      for (const p of s.logprobs) expect(p).toBeLessThan(0);
    }
    expect(r.expr('a.tokenIds')).toBe(a.tokenIds);
    // Same seed, same samples; and at temperature 1 the sampled tokens' log-probs are the teacher-forced ones.
    const [[again]] = await lm.generate(['Once upon a time'], { n: 2, maxNewTokens: 16, seed: 1 });
    expect(again.tokenIds).toEqual(a.tokenIds);
    const [scored] = await lm.scoreTokens([lm.encodePrompt('Once upon a time')], [a.tokenIds]);
    scored.forEach((p, i) => expect(p).toBeCloseTo(a.logprobs[i], 4));
    // ' there' is 6 bytes: 6 log-probs, each the teacher-forced one of its byte.
    const lp = r.vars.lp as number[];
    expect(lp.length).toBe(6);
    const bytes = lm.tokenizer.encode(' there', { addSpecialTokens: false });
    const [direct] = await lm.scoreTokens([lm.encodePrompt('Once upon a time')], [bytes]);
    expect(lp).toEqual(direct);
    await lm.dispose();
  });

  it('decoder graph: KV cache, per-head outputs, head scales', async () => {
    const r = await run(block('buildDecoderGraph(llama'), ['out', 'decoder']);
    expect(r.expr('out.logits.shape')).toEqual([1, 3, 259]);
    expect(r.expr("out['present.0.key'].shape")).toEqual([1, 2, 3, 16]);
    expect(r.expr("out['head_outputs.0'].shape")).toEqual([1, 3, 4, 64]);
    const heads = (r.vars.out as Record<string, Tensor>)['head_outputs.0'].toNumbers();
    // [1, seq 3, heads 4, 64]: head 0 of every position is zero (ablated), head 1 is not.
    for (let s = 0; s < 3; s++) {
      const h0 = heads.slice((s * 4 + 0) * 64, (s * 4 + 1) * 64);
      const h1 = heads.slice((s * 4 + 1) * 64, (s * 4 + 2) * 64);
      expect(h0.every((v) => v === 0)).toBe(true);
      expect(h1.some((v) => v !== 0)).toBe(true);
    }
    await (r.vars.decoder as runtime.CompiledGraph).dispose();
  });

  it('training graph: a tiny model learns the abc cycle and continues it greedily', async () => {
    const r = await run(block('buildLmTrainingGraph(abcConfig'), ['train', 'feeds', 'abc']);
    expect(r.expr('next.text')).toBe('cabcab');
    const train = r.vars.train as runtime.TrainStep;
    expect(train.stepCount).toBe(60);
    await train.dispose();
    await (r.vars.abc as LocalLanguageModel).dispose();
  });

  it('encoders: a folder embeds texts to unit vectors', async () => {
    const r = await run(block('saveEncoderFolder('), ['v1', 'v2', 'embedder']);
    expect(r.expr('embedder.dimension')).toBe(32);
    for (const v of [r.vars.v1, r.vars.v2] as Float32Array[]) {
      expect(v.length).toBe(32);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    await (r.vars.embedder as models.LocalEmbedder).dispose();
  });

  it('sequence classifiers: a saved NLI folder classifies a pair into its labels', async () => {
    const r = await run(block('saveClassifierFolder('), ['verdict', 'nli']);
    expect(r.expr('verdict.probabilities.length')).toBe(3);
    const v = r.vars.verdict as models.Classification;
    expect(v.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(r.expr('nli.labels.includes(verdict.label)')).toBe(true);
    expect(v.label).toBe(
      ['contradiction', 'entailment', 'neutral'][v.probabilities.indexOf(Math.max(...v.probabilities))],
    );
  });

  it('tokenizers: the ids and masks the comments state', async () => {
    const r = await run(`${FIRST}\n${block('ByteTokenizer.create({ addBos: true })')}`, ['lm']);
    expect(r.expr("bytes.encode('hé')")).toEqual([257, 104, 195, 169]);
    expect(r.expr('bytes.decode([104, 195, 169])')).toBe('hé');
    expect(r.expr('batch.shape')).toEqual([2, 4]);
    expect([...(r.expr('batch.attentionMask') as Int32Array)]).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(r.expr("CharTokenizer.create('abc ').encode('cab')")).toEqual([2, 0, 1]);
    expect(r.expr('fromFolder.eosTokenId')).toBe(258);
    await (r.vars.lm as LocalLanguageModel).dispose();
  });

  it('generation: a logits processor bans a token in every sample', async () => {
    const r = await run(`${FIRST}\n${block('const noLetterE: LogitsProcessor')}`, ['lm', 'samples']);
    const samples = r.vars.samples as Generation[];
    expect(samples.length).toBe(4);
    for (const s of samples) {
      expect(s.tokenIds).not.toContain(101);
      expect(s.text).not.toContain('.');
      expect(['stop', 'length']).toContain(s.finishReason);
    }
    await (r.vars.lm as LocalLanguageModel).dispose();
  });

  it('generation: a reference model mixed in through a logits processor', async () => {
    const r = await run(`${FIRST}\n${block('new ReferenceLogitsProcessor(reference')}`, [
      'lm',
      'interpolated',
      'plainSamples',
    ]);
    const a = r.vars.interpolated as Generation[];
    const b = r.vars.plainSamples as Generation[];
    expect(a.map((s) => s.tokenIds)).toEqual(b.map((s) => s.tokenIds));
    await (r.vars.lm as LocalLanguageModel).dispose();
  });

  it('chat templates render as transformers does', async () => {
    const r = await run(block('new ChatTemplate('));
    expect(r.expr("chat.render([{ role: 'user', content: 'Hi' }])")).toBe('<|user|>Hi<|assistant|>');
  });

  it('model folders: the static-cache runner and the exported ONNX file give the same tokens', async () => {
    const r = await run(`${FIRST}\n${block('StaticCacheRunner.create(folder.config')}`, [
      'lm',
      'x',
      'y',
      'custom',
      'exported',
    ]);
    const x = r.vars.x as Generation;
    const y = r.vars.y as Generation;
    expect(x.tokenIds.length).toBe(8);
    expect(r.expr('x.tokenIds')).toEqual(y.tokenIds);
    for (const m of ['lm', 'custom', 'exported']) await (r.vars[m] as LocalLanguageModel).dispose();
  });

  it('remote endpoints: the example against a loopback OpenAI-compatible server', async () => {
    const server = await FakeOpenAIServer.start();
    try {
      const code = block('new RemoteLanguageModel({').replaceAll('http://localhost:8000/v1', server.baseURL);
      const r = await run(code, ['answers', 'vectors', 'remoteEmbedder']);
      const texts = r.expr('answers.map((g) => g.text)') as string[];
      expect(texts.length).toBe(4);
      expect(new Set(texts).size).toBe(4);
      const vectors = r.vars.vectors as Float32Array[];
      expect(vectors.length).toBe(2);
      for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      expect((r.vars.remoteEmbedder as models.RemoteEmbedder).dimension).toBe(vectors[0].length);
      expect(server.requestsTo('/v1/chat/completions').length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('interfaces: code against LanguageModel / Embedder runs on the local model', async () => {
    const r = await run(`${FIRST}\n${block('async function selfAgreement(')}`, [
      'lm',
      'agreement',
      'decoderEmbedder',
    ]);
    const agreement = r.vars.agreement as number;
    expect(agreement).toBeGreaterThanOrEqual(-1);
    expect(agreement).toBeLessThanOrEqual(1 + 1e-6);
    await (r.vars.decoderEmbedder as models.DecoderEmbedder).dispose();
    await (r.vars.lm as LocalLanguageModel).dispose();
  });

  it('every ts block of the README is run by a test above', () => {
    const markers = [
      "saveDecoderFolder('models/tiny-gpt'",
      'buildDecoderGraph(llama',
      'buildLmTrainingGraph(abcConfig',
      'saveEncoderFolder(',
      'saveClassifierFolder(',
      'ByteTokenizer.create({ addBos: true })',
      'const noLetterE: LogitsProcessor',
      'new ReferenceLogitsProcessor(reference',
      'new ChatTemplate(',
      'StaticCacheRunner.create(folder.config',
      'new RemoteLanguageModel({',
      'async function selfAgreement(',
    ];
    expect(BLOCKS.length).toBe(markers.length);
    for (const m of markers) expect(BLOCKS.filter((b) => b.includes(m)).length).toBe(1);
  });
});
