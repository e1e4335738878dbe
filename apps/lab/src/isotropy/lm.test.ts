import { CharTokenizer } from '@proj/models';
import { describe, expect, it } from 'vitest';
import { LabInputError } from './errors.js';
import { encodeDocument, trainLanguageModel } from './lm.js';
import { makeCorpus, makeWorld, worldAlphabet } from './world.js';

describe('encodeDocument', () => {
  it('shifts labels by one and masks the prompt', () => {
    const tok = CharTokenizer.create(worldAlphabet());
    // "A\nbc": prompt "A\n" (2 tokens), answer "bc", then <eos>. Inputs A \n b c, labels \n b c <eos>;
    // position t is learned when its label t + 1 is past the prompt: t >= 1.
    const enc = encodeDocument(tok, 'A\nbc', 6);
    const [A, nl, b, c] = tok.encode('A\nbc');
    const pad = tok.padTokenId as number;
    expect(enc.ids).toEqual([A, nl, b, c, pad, pad]);
    expect(enc.labels).toEqual([nl, b, c, tok.eosTokenId, pad, pad]);
    expect(enc.mask).toEqual([0, 1, 1, 1, 0, 0]);
    expect(() => encodeDocument(tok, 'A\nbc', 3)).toThrow(LabInputError);
    expect(() => encodeDocument(tok, 'no prompt line', 30)).toThrow(/prompt line/);
  });
});

describe('trainLanguageModel', () => {
  it('is bit-reproducible for a seed (training runs on one thread)', async () => {
    // d = 96, 3 layers, batches of 16: with two ONNX Runtime threads this very test fails (losses from step 2 on
    // differ between the runs); with one thread they are equal to the bit.
    const world = makeWorld({ entities: 10, seed: 1 });
    const texts = makeCorpus(world, 64, 2).docs.map((d) => d.text);
    const settings = { dModel: 96, nLayers: 3, nHeads: 4, steps: 4, batch: 16, lr: 4e-3, seed: 1 };
    const a = await trainLanguageModel(texts, settings);
    const b = await trainLanguageModel(texts, settings);
    expect(b.lossCurve).toEqual(a.lossCurve);
    for (const [name, w] of a.weights) expect(b.weights.get(name)?.data).toEqual(w.data);
    // 4 steps of 16 documents: 64 draws over the 64 documents.
    expect(a.documentDraws.reduce((s, n) => s + n, 0)).toBe(64);
    expect(a.lossCurve[a.lossCurve.length - 1]).toBeLessThan(a.lossCurve[0]);
  });
});
