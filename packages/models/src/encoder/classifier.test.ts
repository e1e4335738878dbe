import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adamw, loadSafetensors, Rng, Tensor, Trainer, warmupCosine } from '@proj/runtime';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParameterStore } from '../nn/params.js';
import { maxAbsDiff } from '../testing/numeric.js';
import { CharTokenizer } from '../tokenizer/char-level.js';
import { TokenizerError } from '../tokenizer/errors.js';
import { longestFirst, Tokenizer } from '../tokenizer/tokenizer.js';
import { wordTokenizerFiles } from '../tokenizer/wordpiece.js';
import {
  ClassifierError,
  LocalSequenceClassifier,
  loadClassifierFolder,
  saveClassifierFolder,
} from './classifier.js';
import { buildClassifierTrainingGraph, classifierParameterShapes } from './classifier-graph.js';
import { bertConfig } from './config.js';
import { EncoderFolderError } from './errors.js';
import ref from './fixtures/tiny_bert_nli_reference.json' with { type: 'json' };

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const nliFolder = join(fixtures, 'tiny-bert-nli');
const pairCases = ref.cases.filter((c) => 'premise' in c) as {
  premise: string;
  hypothesis: string;
  ids: number[];
  tokenTypeIds: number[];
  logits: number[];
}[];
const textCases = ref.cases.filter((c) => 'text' in c) as { text: string; ids: number[]; logits: number[] }[];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'proj-classifier-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('Tokenizer.encodePair', () => {
  it('encodes [CLS] a [SEP] b [SEP] with segment ids like the reference tokenizer', async () => {
    const tok = await Tokenizer.fromFile(nliFolder);
    for (const c of pairCases) {
      expect(tok.encodePair(c.premise, c.hypothesis)).toEqual({ ids: c.ids, typeIds: c.tokenTypeIds });
    }
  });

  it('truncates longest_first as the tokenizers library does (short side whole, else half each)', async () => {
    const tok = await Tokenizer.fromFile(nliFolder);
    for (const t of ref.truncated) {
      const got = tok.encodePair(t.first, t.second, { maxLength: t.maxLength, truncation: true });
      expect(got).toEqual({ ids: t.ids, typeIds: t.tokenTypeIds });
      expect(got.ids.length).toBe(t.maxLength);
    }
  });

  it('rejects long pairs without truncation, too-small budgets and tokenizers without a pair template', async () => {
    const tok = await Tokenizer.fromFile(nliFolder);
    const [t] = ref.truncated;
    expect(() => tok.encodePair(t.first, t.second, { maxLength: t.maxLength })).toThrow(/truncation: true/);
    expect(() => tok.encodePair('a', 'b', { maxLength: 2, truncation: true })).toThrow(
      /no room for the 3 special/,
    );
    expect(() => tok.encodePair('a', 7 as unknown as string)).toThrow(TokenizerError);
    // Without a post-processor a pair is the two texts back to back, segment ids 0 then 1 (as in tokenizers).
    const chars = Tokenizer.fromFiles(CharTokenizer.files('abc '));
    const [a, b] = [
      chars.encode('ab', { addSpecialTokens: false }),
      chars.encode('c', { addSpecialTokens: false }),
    ];
    expect(chars.encodePair('ab', 'c')).toEqual({ ids: [...a, ...b], typeIds: [0, 0, 1] });
  });
});

describe('longestFirst', () => {
  it('matches hand-worked cases', () => {
    expect(longestFirst(3, 20, 11)).toEqual([3, 8]); // the short side stays whole
    expect(longestFirst(20, 3, 11)).toEqual([8, 3]);
    expect(longestFirst(5, 5, 7)).toEqual([3, 4]); // half each, the second the odd token on ties
    expect(longestFirst(6, 5, 7)).toEqual([4, 3]); // the longer side the odd token
    expect(longestFirst(4, 2, 10)).toEqual([4, 2]); // fits: untouched
  });

  it('keeps exactly the budget, never grows a side, and keeps the shorter side whole or splits evenly', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(60), fc.nat(80), (n1, n2, budget) => {
        const [a, b] = longestFirst(n1, n2, budget);
        expect(a + b).toBe(Math.min(n1 + n2, budget));
        expect(a).toBeLessThanOrEqual(n1);
        expect(b).toBeLessThanOrEqual(n2);
        const shorterWhole = n1 <= n2 ? a === n1 : b === n2;
        expect(shorterWhole || Math.abs(a - b) <= 1).toBe(true);
      }),
    );
  });
});

describe('LocalSequenceClassifier', () => {
  it('runs a torch-exported text-classification folder and matches torch logits', async () => {
    const clf = await LocalSequenceClassifier.fromFolder(nliFolder, { batchSize: 2 });
    expect(clf.labels).toEqual(ref.labels);
    expect(clf.id).toBe('tiny-bert-nli');
    const inputs = [
      ...pairCases.map((c) => [c.premise, c.hypothesis] as const),
      ...textCases.map((c) => c.text),
    ];
    const out = await clf.classify(inputs);
    const expected = [...pairCases, ...textCases];
    out.forEach((r, i) => {
      expect(maxAbsDiff(r.logits, expected[i].logits)).toBeLessThan(1e-4);
      // softmax of the torch logits, computed here in float64
      const m = Math.max(...expected[i].logits);
      const z = expected[i].logits.reduce((s, v) => s + Math.exp(v - m), 0);
      expect(
        maxAbsDiff(
          r.probabilities,
          expected[i].logits.map((v) => Math.exp(v - m) / z),
        ),
      ).toBeLessThan(1e-5);
      const best = expected[i].logits.indexOf(m);
      expect(r.label).toBe(ref.labels[best]);
    });
    await clf.dispose();
  });

  it("builds the same classifier from the folder's safetensors with the project's graph", async () => {
    const { config, labels, store, tokenizer } = await loadClassifierFolder(nliFolder);
    expect(labels).toEqual(ref.labels);
    const clf = await LocalSequenceClassifier.create(config, store, tokenizer, { labels });
    const out = await clf.classify(pairCases.map((c) => [c.premise, c.hypothesis] as const));
    out.forEach((r, i) => expect(maxAbsDiff(r.logits, pairCases[i].logits)).toBeLessThan(1e-4));
    await clf.dispose();
  });

  it('saves a folder transformers can load (bert.* / classifier.* names, id2label) and reopens it', async () => {
    const { config, labels, store, tokenizerFiles } = await loadClassifierFolder(nliFolder);
    const dir = join(work, 'resaved');
    await saveClassifierFolder(dir, { config, labels, weights: store, tokenizer: tokenizerFiles });
    const json = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(json.architectures).toEqual(['BertForSequenceClassification']);
    expect(json.id2label).toEqual({ 0: 'contradiction', 1: 'entailment', 2: 'neutral' });
    const names = [...(await loadSafetensors(join(dir, 'model.safetensors'))).tensors.keys()];
    expect(names).toContain('bert.pooler.dense.weight');
    expect(names).toContain('bert.encoder.layer.0.attention.self.query.weight');
    expect(names).toContain('classifier.weight');
    expect(names.length).toBe(classifierParameterShapes(config, 3).size);
    const clf = await LocalSequenceClassifier.fromFolder(dir);
    const [r] = await clf.classify([[pairCases[0].premise, pairCases[0].hypothesis]]);
    expect(maxAbsDiff(r.logits, pairCases[0].logits)).toBeLessThan(1e-4);
    await clf.dispose();
    await expect(
      saveClassifierFolder(dir, { config, labels, weights: store, tokenizer: tokenizerFiles }),
    ).rejects.toThrow(/already exists/);
    await expect(
      saveClassifierFolder(join(work, 'bad'), {
        config,
        labels: ['only'],
        weights: store,
        tokenizer: tokenizerFiles,
      }),
    ).rejects.toThrow(EncoderFolderError);
  });

  it('explains folders it cannot use and inputs it cannot classify', async () => {
    // a feature-extraction export has no logits
    await expect(LocalSequenceClassifier.fromFolder(join(fixtures, 'tiny-bert'))).rejects.toThrow(
      /no 'logits' output.*text-classification/,
    );
    // id2label that does not match the logits width
    const bad = join(work, 'two-labels');
    await cp(nliFolder, bad, { recursive: true });
    const cfg = JSON.parse(await readFile(join(bad, 'config.json'), 'utf8'));
    await writeFile(join(bad, 'config.json'), JSON.stringify({ ...cfg, id2label: { 0: 'no', 1: 'yes' } }));
    await expect(LocalSequenceClassifier.fromFolder(bad)).rejects.toThrow(
      /3 logits per input but there are 2 labels/,
    );
    await writeFile(join(bad, 'config.json'), JSON.stringify({ ...cfg, id2label: ['a', 'b', 'c'] }));
    await expect(LocalSequenceClassifier.fromFolder(bad)).rejects.toThrow(/id2label must map/);
    await expect(LocalSequenceClassifier.fromFolder(nliFolder, { labels: ['x'] })).rejects.toThrow(
      ClassifierError,
    );
    await expect(LocalSequenceClassifier.fromFolder(nliFolder, { batchSize: 0 })).rejects.toThrow(
      /batchSize/,
    );

    const clf = await LocalSequenceClassifier.fromFolder(nliFolder);
    await expect(clf.classify([['only one'] as unknown as [string, string]])).rejects.toThrow(
      /inputs\[0\].*\[premise, hypothesis\]/,
    );
    await expect(clf.classify(['a'], { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    expect(await clf.classify([])).toEqual([]);
    await clf.dispose();
  });
});

describe('classifier fine-tuning', () => {
  it('learns a labelling that needs both texts of the pair, and the saved folder serves the trained model', async () => {
    // Pairs "the <thing> is <colour>" / "the <thing'> is <colour'>", label (thing + colour') mod 3: neither
    // text alone tells the class, so training only succeeds if the pair encoding reaches the model intact.
    const things = ['cat', 'dog', 'car', 'boat', 'house', 'tree', 'fox', 'mat'];
    const colours = ['red', 'blue', 'green', 'brown', 'black', 'white'];
    const labels = ['zero', 'one', 'two'];
    const files = wordTokenizerFiles(['the', 'is', ...things, ...colours]);
    const tokenizer = Tokenizer.fromFiles(files);
    const pair = (t: number, c: number, ht: number, hc: number) => ({
      premise: `the ${things[t]} is ${colours[c]}`,
      hypothesis: `the ${things[ht]} is ${colours[hc]}`,
      label: (t + hc) % 3,
    });
    const sample = (rng: Rng) =>
      pair(rng.int(things.length), rng.int(colours.length), rng.int(things.length), rng.int(colours.length));
    const config = bertConfig({
      vocabSize: tokenizer.vocabSize,
      dModel: 32,
      nLayers: 2,
      nHeads: 4,
      dFF: 64,
      maxPositions: 16,
    });
    const batch = 32;
    const seq = 11; // [CLS] 4 words [SEP] 4 words [SEP]
    const steps = 1200;
    const t = buildClassifierTrainingGraph(config, new ParameterStore({ seed: 3 }), {
      numLabels: 3,
      batch,
      seq,
    });
    const trainer = await Trainer.create(t.g, {
      loss: t.loss,
      optimizer: adamw({ weightDecay: 0.01 }),
      metrics: { accuracy: t.accuracy },
      lr: warmupCosine({ peak: 2e-3, warmupSteps: 100, totalSteps: steps }),
      intraOpNumThreads: 2,
    });
    const rng = new Rng(11);
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const rows = Array.from({ length: batch }, () => sample(rng));
      const enc = rows.map((r) => tokenizer.encodePair(r.premise, r.hypothesis));
      const flat = (k: 'ids' | 'typeIds') =>
        BigInt64Array.from(
          enc.flatMap((e) => e[k]),
          BigInt,
        );
      const r = await trainer.step({
        input_ids: new Tensor('int64', flat('ids'), [batch, seq]),
        attention_mask: Tensor.ones([batch, seq], 'int64'),
        token_type_ids: new Tensor('int64', flat('typeIds'), [batch, seq]),
        labels: new Tensor(
          'int64',
          BigInt64Array.from(rows, (x) => BigInt(x.label)),
          [batch],
        ),
      });
      losses.push(r.loss);
    }
    expect(losses[0]).toBeGreaterThan(1); // log 3 = 1.10: chance
    expect(losses.slice(-20).reduce((a, b) => a + b) / 20).toBeLessThan(0.05);

    const dir = join(work, 'pair-classifier');
    await saveClassifierFolder(dir, { config, labels, weights: trainer.params(), tokenizer: files });
    const served = await LocalSequenceClassifier.fromFolder(dir);
    const inMemory = await LocalSequenceClassifier.create(
      config,
      new ParameterStore({ tensors: trainer.params() }),
      tokenizer,
      {
        labels,
      },
    );
    await trainer.dispose();
    // Every (thing, colour') combination, with fresh fillers for the other two slots.
    const test = things.flatMap((_, ti) =>
      colours.map((_, hc) => pair(ti, rng.int(colours.length), rng.int(things.length), hc)),
    );
    const inputs = test.map((x) => [x.premise, x.hypothesis] as const);
    const out = await served.classify(inputs);
    const accuracy = out.filter((r, i) => r.label === labels[test[i].label]).length / test.length;
    expect(accuracy).toBeGreaterThanOrEqual(0.98);
    const mem = await inMemory.classify(inputs);
    mem.forEach((r, i) => expect(maxAbsDiff(r.logits, out[i].logits)).toBeLessThan(1e-4));
    await served.dispose();
    await inMemory.dispose();
  }, 60_000);
});
