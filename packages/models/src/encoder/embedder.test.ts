import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, Graph, Rng, toModel } from '@proj/runtime';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParameterStore } from '../nn/params.js';
import { maxAbsDiff } from '../testing/numeric.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { wordTokenizerFiles } from '../tokenizer/wordpiece.js';
import { bertConfig } from './config.js';
import { LocalEmbedder } from './embedder.js';
import { EmbedderError, EncoderFolderError } from './errors.js';
import ref from './fixtures/tiny_bert_reference.json' with { type: 'json' };
import { loadEncoderFolder, saveEncoderFolder } from './folder.js';
import { meanPoolNormalize } from './pooling.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tiny-bert');
const texts = ref.cases.map((c) => c.text);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'proj-encoder-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('meanPoolNormalize', () => {
  it('averages the unmasked tokens and normalises (hand-derived)', () => {
    // tokens (1, 0), (3, 4), (100, 100 masked): mean (2, 2) -> (1/sqrt 2, 1/sqrt 2); second row (0, -5) -> (0, -1)
    const hidden = new Float32Array([1, 0, 3, 4, 100, 100, 0, -5, 7, 7, 7, 7]);
    const [a, b] = meanPoolNormalize(hidden, new Int32Array([1, 1, 0, 1, 0, 0]), 2, 3, 2);
    expect(a[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(a[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect([...b]).toEqual([0, -1]);
  });

  it('is a unit vector that ignores masked tokens (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (seq, dim, seed) => {
          const rng = new Rng(seed);
          const hidden = Float32Array.from({ length: seq * dim }, () => rng.normal());
          const mask = Int32Array.from({ length: seq }, (_, i) => (i === 0 || rng.uniform() > 0.5 ? 1 : 0));
          const [v] = meanPoolNormalize(hidden, mask, 1, seq, dim);
          const changed = hidden.map((h, i) => (mask[Math.floor(i / dim)] ? h : h + 50));
          const [w] = meanPoolNormalize(changed, mask, 1, seq, dim);
          expect(maxAbsDiff(v, w)).toBe(0);
          if (Math.hypot(...v) > 0) expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-6);
        },
      ),
      { seed: 5, numRuns: 100 },
    );
  });
});

describe('LocalEmbedder on an Optimum-style BERT folder (torch export)', () => {
  it('tokenises like the python WordPiece reference', async () => {
    const emb = await LocalEmbedder.fromFolder(fixture);
    for (const c of ref.cases) expect(emb.tokenizer.encode(c.text), c.text).toEqual(c.ids);
    expect(emb.maxLength).toBe(32);
    expect(emb.dimension).toBe(32);
    expect(emb.id).toBe('tiny-bert');
    await emb.dispose();
  });

  it.each([1, 4, 32])(
    'matches torch mean-pooled embeddings (batchSize %i), in input order',
    async (batchSize) => {
      const emb = await LocalEmbedder.fromFolder(fixture, { batchSize });
      const vecs = await emb.embed(texts);
      ref.cases.forEach((c, i) => expect(maxAbsDiff(vecs[i], c.embedding), c.text).toBeLessThan(2e-6));
      await emb.dispose();
    },
  );

  it('truncates to maxLength keeping [CLS] and [SEP]', async () => {
    const emb = await LocalEmbedder.fromFolder(fixture, { maxLength: ref.truncated.maxLength });
    const [v] = await emb.embed([ref.truncated.text]);
    expect(maxAbsDiff(v, ref.truncated.embedding)).toBeLessThan(2e-6);
    await emb.dispose();
  });

  it('converts to a project folder (graph built from model.safetensors) with the same embeddings', async () => {
    const loaded = await loadEncoderFolder(fixture);
    const dir = join(work, 'converted');
    await saveEncoderFolder(dir, {
      config: loaded.config,
      weights: loaded.store,
      tokenizer: loaded.tokenizerFiles,
    });
    const emb = await LocalEmbedder.fromFolder(dir, { batchSize: 2 });
    const vecs = await emb.embed(texts);
    ref.cases.forEach((c, i) => expect(maxAbsDiff(vecs[i], c.embedding), c.text).toBeLessThan(2e-6));
    await emb.dispose();
  });
});

describe('project encoder folders', () => {
  const words = 'the a cat dog sat ran on in mat park red blue car boat big small'.split(' ');
  const files = wordTokenizerFiles(words, { modelMaxLength: 16 });
  const config = bertConfig({ vocabSize: 32, dModel: 16, nLayers: 2, nHeads: 2, maxPositions: 16 });
  const store = new ParameterStore({ seed: 11 });
  const sample = ['the cat sat on the mat', 'a dog', 'big red car', 'the blue boat ran in the park', 'cat'];

  it('in-memory and saved folder embed identically; saved files are HF BERT files', async () => {
    const tokenizer = Tokenizer.fromFiles(files);
    const mem = await LocalEmbedder.create(config, store, tokenizer, { batchSize: 2 });
    const a = await mem.embed(sample);
    const dir = join(work, 'own');
    await saveEncoderFolder(dir, { config, weights: store, tokenizer: files });
    expect((await readdir(dir)).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      model_type: 'bert',
      hidden_size: 16,
      num_hidden_layers: 2,
      vocab_size: 32,
      proj_encoder: config,
    });
    const disk = await LocalEmbedder.fromFolder(dir);
    expect(disk.maxLength).toBe(16);
    const b = await disk.embed(sample);
    a.forEach((v, i) => {
      expect(maxAbsDiff(v, b[i])).toBeLessThan(1e-6);
      expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-5);
    });
    const back = await loadEncoderFolder(dir);
    expect(back.config).toEqual(config);
    for (const [k, t] of back.store.tensors())
      expect(t.toNumbers(), k).toEqual(store.tensors().get(k)!.toNumbers());
    // The sort by length only changes which rows share a batch, not the vectors.
    const unsorted = await LocalEmbedder.create(config, store, tokenizer, {
      batchSize: 2,
      sortByLength: false,
    });
    (await unsorted.embed(sample)).forEach((v, i) => expect(maxAbsDiff(v, a[i])).toBeLessThan(1e-6));
    // More texts than one tokenise-and-sort window (16 batches of 1).
    const single = await LocalEmbedder.create(config, store, tokenizer, { batchSize: 1 });
    const many = Array.from({ length: 37 }, (_, i) => sample[(i * 3) % sample.length]);
    (await single.embed(many)).forEach((v, i) =>
      expect(maxAbsDiff(v, a[(i * 3) % sample.length])).toBeLessThan(1e-6),
    );
    for (const e of [mem, disk, unsorted, single]) await e.dispose();
  });

  it('refuses to overwrite without overwrite: true, replaces atomically with it, and leaves no temporary folders', async () => {
    const dir = join(work, 'swap');
    await saveEncoderFolder(dir, { config, weights: store, tokenizer: files });
    await expect(saveEncoderFolder(dir, { config, weights: store, tokenizer: files })).rejects.toThrow(
      /already exists; pass overwrite: true/,
    );
    const other = new ParameterStore({ seed: 12 });
    await saveEncoderFolder(dir, { config, weights: other, tokenizer: files, overwrite: true });
    const back = await loadEncoderFolder(dir);
    const k = 'embeddings.word_embeddings.weight';
    expect(back.store.tensors().get(k)!.toNumbers()).toEqual(other.tensors().get(k)!.toNumbers());
    expect((await readdir(work)).filter((n) => n.includes('.tmp-') || n.includes('.old-'))).toEqual([]);
  });

  it('rejects weights that do not match the config, and tokenizers larger than the vocabulary', async () => {
    const partial = new Map(store.tensors());
    partial.delete('encoder.layer.1.output.dense.weight');
    await expect(
      saveEncoderFolder(join(work, 'bad1'), { config, weights: partial, tokenizer: files }),
    ).rejects.toThrow(/missing 'encoder.layer.1.output.dense.weight' \[16, 64\]/);
    const wide = bertConfig({ ...config, dModel: 32, nHeads: 2 });
    await expect(
      saveEncoderFolder(join(work, 'bad2'), { config: wide, weights: store, tokenizer: files }),
    ).rejects.toThrow(EncoderFolderError);
    const tiny = { ...config, vocabSize: 8 };
    await expect(
      saveEncoderFolder(join(work, 'bad3'), { config: tiny, weights: store, tokenizer: files }),
    ).rejects.toThrow(/tokenizer has 21 tokens/);
    expect((await readdir(work)).filter((n) => n.startsWith('bad'))).toEqual([]);
  });

  it('embed() errors: non-strings, texts without tokens, bad options, aborts', async () => {
    const noSpecials = Tokenizer.fromFiles(wordTokenizerFiles(words, { clsSep: false }));
    const emb = await LocalEmbedder.create(config, store, noSpecials, { batchSize: 1 });
    await expect(emb.embed(['a cat', 3 as unknown as string])).rejects.toThrow(/texts\[1\] is number/);
    await expect(emb.embed(['a cat', ''])).rejects.toThrow(EmbedderError);
    await expect(emb.embed([...Array(20).fill('a cat'), ''])).rejects.toThrow(
      /texts\[20\] \(""\) encodes to no tokens/,
    );
    expect(await emb.embed([])).toEqual([]);
    await expect(emb.embed(['a cat'], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    // Aborting while batches are running stops before the next batch.
    const ctrl = new AbortController();
    setImmediate(() => ctrl.abort());
    await expect(
      emb.embed(Array(50).fill('the cat sat on the mat'), { signal: ctrl.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    await expect(LocalEmbedder.create(config, store, noSpecials, { batchSize: 0 })).rejects.toThrow(
      /batchSize must be a positive integer/,
    );
    await expect(LocalEmbedder.create(config, store, noSpecials, { maxLength: 17 })).rejects.toThrow(
      /exceeds the model's 16 positions/,
    );
    await emb.dispose();
  });
});

describe('malformed folders', () => {
  async function copyFixture(name: string): Promise<string> {
    const dir = join(work, name);
    await cp(fixture, dir, { recursive: true });
    return dir;
  }

  it('names the missing file', async () => {
    await expect(LocalEmbedder.fromFolder(join(work, 'nope'))).rejects.toThrow(/does not exist/);
    for (const file of ['config.json', 'tokenizer.json']) {
      const dir = await copyFixture(`missing-${file}`);
      await rm(join(dir, file));
      await expect(LocalEmbedder.fromFolder(dir)).rejects.toThrow(new RegExp(`has no ${file}`));
    }
    const dir = await copyFixture('missing-onnx');
    await rm(join(dir, 'onnx'), { recursive: true });
    await expect(LocalEmbedder.fromFolder(dir)).rejects.toThrow(
      /no ONNX model \(looked for onnx\/model.onnx, model.onnx\)/,
    );
    await rm(join(dir, 'model.safetensors'));
    await expect(loadEncoderFolder(dir)).rejects.toThrow(/has no model.safetensors/);
  });

  it('reports bad JSON and config / ONNX / tokenizer mismatches', async () => {
    const bad = await copyFixture('bad-json');
    await writeFile(join(bad, 'config.json'), '{ "hidden_size": ');
    await expect(LocalEmbedder.fromFolder(bad)).rejects.toThrow(/config.json is not valid JSON/);

    const wrongWidth = await copyFixture('wrong-width');
    const cfg = JSON.parse(await readFile(join(fixture, 'config.json'), 'utf8'));
    await writeFile(join(wrongWidth, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 48 }));
    await expect(LocalEmbedder.fromFolder(wrongWidth)).rejects.toThrow(
      /'last_hidden_state' has width 32 but config.json says the hidden size is 48; the ONNX model and config.json are from different models/,
    );
    await expect(loadEncoderFolder(wrongWidth)).rejects.toThrow(
      /'embeddings.word_embeddings.weight' has shape \[156, 32\], config says \[156, 48\]/,
    );

    const smallVocab = await copyFixture('small-vocab');
    await writeFile(join(smallVocab, 'config.json'), JSON.stringify({ ...cfg, vocab_size: 100 }));
    await expect(LocalEmbedder.fromFolder(smallVocab)).rejects.toThrow(
      /tokenizer.json has 156 tokens but config.json's vocab size is 100/,
    );

    // An ONNX model that is not a text encoder: no attention_mask input.
    const notEncoder = await copyFixture('not-encoder');
    const g = new Graph('ids-only');
    const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
    g.output('last_hidden_state', g.param('table', [156, 32]).gather(ids, 0));
    await writeFile(join(notEncoder, 'onnx', 'model.onnx'), encodeModel(toModel(g)));
    await expect(LocalEmbedder.fromFolder(notEncoder)).rejects.toThrow(/has no 'attention_mask' input/);

    // A project folder whose ONNX output width disagrees with proj_encoder.
    const own = join(work, 'own-mismatch');
    const config = bertConfig({ vocabSize: 32, dModel: 16, nLayers: 1, nHeads: 2, maxPositions: 16 });
    await saveEncoderFolder(own, {
      config,
      weights: new ParameterStore({ seed: 1 }),
      tokenizer: wordTokenizerFiles(['a']),
    });
    const ownCfg = JSON.parse(await readFile(join(own, 'config.json'), 'utf8'));
    await writeFile(
      join(own, 'config.json'),
      JSON.stringify({ ...ownCfg, proj_encoder: { ...config, dModel: 32 } }),
    );
    await expect(LocalEmbedder.fromFolder(own)).rejects.toThrow(
      /'sentence_embedding' has width 16 but config.json says the hidden size is 32/,
    );
  });
});
