import { Rng } from '@proj/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LabInputError } from './errors.js';
import { parseAnswer, scoreAnswer } from './facts.js';
import {
  ATTRIBUTES,
  CITIES,
  HOBBIES,
  JOBS,
  makeCorpus,
  makeWorld,
  promptFor,
  renderAnswer,
  sentenceVariants,
  worldAlphabet,
  YEAR_RANGE,
  zipfWeights,
} from './world.js';

describe('zipfWeights', () => {
  it('matches hand-derived weights', () => {
    // r^-1 for r = 1, 2, 3 is 1, 1/2, 1/3 with sum 11/6.
    const w = zipfWeights(3, 1);
    expect(w[0]).toBeCloseTo(6 / 11, 12);
    expect(w[1]).toBeCloseTo(3 / 11, 12);
    expect(w[2]).toBeCloseTo(2 / 11, 12);
    expect(zipfWeights(4, 0)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('rejects bad sizes and exponents', () => {
    expect(() => zipfWeights(0, 1)).toThrow(LabInputError);
    expect(() => zipfWeights(3, Number.NaN)).toThrow(/exponent/);
  });
});

describe('makeWorld', () => {
  const world = makeWorld({ entities: 50, seed: 7, zipfExponent: 1.5 });

  it('is determined by its seed', () => {
    expect(makeWorld({ entities: 50, seed: 7, zipfExponent: 1.5 })).toEqual(world);
    expect(makeWorld({ entities: 50, seed: 8, zipfExponent: 1.5 }).entities[0].name).not.toBe(
      world.entities[0].name,
    );
  });

  it('has distinct two-word names, valid facts and Zipf popularity by rank', () => {
    const names = new Set(world.entities.map((e) => e.name));
    expect(names.size).toBe(50);
    for (const [i, e] of world.entities.entries()) {
      expect(e.id).toBe(i);
      expect(e.name).toMatch(/^[A-Z][a-z]{3} [A-Z][a-z]{4}$/);
      expect(CITIES).toContain(e.birthCity);
      expect(CITIES).toContain(e.homeCity);
      expect(JOBS).toContain(e.job);
      expect(HOBBIES).toContain(e.hobby);
      const y = Number(e.birthYear);
      expect(y).toBeGreaterThanOrEqual(YEAR_RANGE[0]);
      expect(y).toBeLessThanOrEqual(YEAR_RANGE[1]);
      // w_r / w_1 = r^-s
      expect(e.weight / world.entities[0].weight).toBeCloseTo((i + 1) ** -1.5, 12);
    }
    expect(world.entities.reduce((s, e) => s + e.weight, 0)).toBeCloseTo(1, 12);
  });

  it('rejects worlds too small to evaluate', () => {
    expect(() => makeWorld({ entities: 1, seed: 1 })).toThrow(LabInputError);
  });
});

describe('renderAnswer', () => {
  const world = makeWorld({ entities: 20, seed: 3 });

  it('states exactly the five true facts, whatever the rendering (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 1_000_000 }), (k, seed) => {
        const e = world.entities[k];
        const text = renderAnswer(e, new Rng(seed));
        const checked = scoreAnswer(text, e);
        expect(checked.factuality).toBe(1);
        expect(checked.statements).toBe(5);
        expect(new Set(checked.claims.map((c) => c.attribute))).toEqual(new Set(ATTRIBUTES));
        expect(text.startsWith(`${e.name} was born in `)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('varies word order and wording across renderings', () => {
    const e = world.entities[0];
    const texts = new Set(Array.from({ length: 200 }, (_, s) => renderAnswer(e, new Rng(s))));
    // 2 openings x 3! orders x 2^3 wordings = 96 renderings; 200 draws should find most of them.
    expect(texts.size).toBeGreaterThan(60);
    expect(texts.size).toBeLessThanOrEqual(96);
    const seen = new Set([...texts].flatMap((t) => t.split(/(?<=\.) /)));
    for (const v of sentenceVariants(e)) expect(seen).toContain(v);
  });
});

describe('makeCorpus', () => {
  const world = makeWorld({ entities: 30, seed: 5, zipfExponent: 1.2 });
  const { docs, counts } = makeCorpus(world, 3000, 9);

  it('draws people by their weights and writes prompt + answer documents', () => {
    expect(docs).toHaveLength(3000);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3000);
    for (const d of docs.slice(0, 50)) {
      const e = world.entities[d.entity];
      expect(d.text.startsWith(promptFor(e.name))).toBe(true);
      expect(scoreAnswer(d.text.slice(promptFor(e.name).length), e).factuality).toBe(1);
    }
    // Binomial counts: each within 5 standard deviations of its expectation.
    world.entities.forEach((e, i) => {
      const mean = 3000 * e.weight;
      expect(Math.abs(counts[i] - mean)).toBeLessThan(5 * Math.sqrt(mean * (1 - e.weight)) + 1);
    });
    expect(makeCorpus(world, 3000, 9).counts).toEqual(counts);
  });

  it('uses only characters of the tokenizer alphabet', () => {
    const alphabet = new Set(worldAlphabet());
    const outside = new Set<string>();
    for (const d of docs) for (const ch of d.text) if (!alphabet.has(ch)) outside.add(ch);
    expect([...outside]).toEqual([]);
  });

  it('rejects an empty corpus', () => {
    expect(() => makeCorpus(world, 0, 1)).toThrow(LabInputError);
  });
});

describe('the parser reads every template sentence', () => {
  it('reads each sentence variant of a fact set', () => {
    const world = makeWorld({ entities: 2, seed: 1 });
    for (const s of sentenceVariants(world.entities[0])) {
      expect(parseAnswer(s).unparsed).toEqual([]);
    }
  });
});
