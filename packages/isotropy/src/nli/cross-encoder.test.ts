import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Classification, type ClassifierInput, LocalSequenceClassifier } from '@proj/models';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntailmentError } from '../errors.js';
import { CrossEncoderEntailment, type PairClassifier } from './cross-encoder.js';
import { luq } from './luq.js';

/** A classifier that returns fixed probabilities per (premise, hypothesis) and records its calls. */
function fakeClassifier(
  labels: string[],
  probs: (premise: string, hypothesis: string) => number[],
): PairClassifier & { calls: number } {
  const c = {
    id: 'fake',
    labels,
    calls: 0,
    async classify(inputs: readonly ClassifierInput[]): Promise<Classification[]> {
      c.calls++;
      return inputs.map((x) => {
        const [p, h] = x as readonly [string, string];
        const probabilities = Float32Array.from(probs(p, h));
        return { label: '', probabilities, logits: probabilities.map(Math.log) };
      });
    },
  };
  return c;
}

const MNLI = ['contradiction', 'entailment', 'neutral'];

describe('CrossEncoderEntailment', () => {
  it("reads P(entails) by LUQ's rule, as a plain probability, or as an arg-max label (hand-derived)", async () => {
    // p = (contradiction 0.2, entailment 0.3, neutral 0.5)
    const clf = fakeClassifier(MNLI, () => [0.2, 0.3, 0.5]);
    expect(await new CrossEncoderEntailment(clf).entails('a', 'b')).toBeCloseTo(0.3 / 0.5, 6); // 0.6
    expect(await new CrossEncoderEntailment(clf, { mode: 'probability' }).entails('a', 'b')).toBeCloseTo(
      0.3,
      6,
    );
    expect(await new CrossEncoderEntailment(clf, { mode: 'label' }).entails('a', 'b')).toBe(0); // neutral wins
    const sure = fakeClassifier(MNLI, () => [0.1, 0.8, 0.1]);
    expect(await new CrossEncoderEntailment(sure, { mode: 'label' }).entails('a', 'b')).toBe(1);
    const neutral = fakeClassifier(MNLI, () => [0, 0, 1]);
    expect(await new CrossEncoderEntailment(neutral).entails('a', 'b')).toBe(0.5);
  });

  it('stays in [0, 1] and orders pairs like P(e) / (P(e) + P(c)) for any class distribution', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        async (w) => {
          const z = w.reduce((a, b) => a + b, 0) || 1;
          const p = w.map((v) => v / z);
          const v = await new CrossEncoderEntailment(fakeClassifier(MNLI, () => p)).entails('a', 'b');
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
          const pe = Math.fround(p[1]);
          const pc = Math.fround(p[0]);
          if (pe + pc > 0) expect(v).toBeCloseTo(pe / (pe + pc), 5);
        },
      ),
    );
  });

  it('sends every pair of a call in one classifier call, premise first', async () => {
    const seen: string[] = [];
    const clf = fakeClassifier(MNLI, (p, h) => {
      seen.push(`${p}>${h}`);
      return p === h ? [0, 1, 0] : [1, 0, 0];
    });
    const nli = new CrossEncoderEntailment(clf);
    const out = await nli.entailsMany([
      { premise: 'x', hypothesis: 'x' },
      { premise: 'x', hypothesis: 'y' },
    ]);
    expect(out).toEqual([1, 0]);
    expect(seen).toEqual(['x>x', 'x>y']);
    expect(clf.calls).toBe(1);
    expect(await nli.entailsMany([])).toEqual([]);
  });

  it('finds the classes by name and explains when it cannot', () => {
    const upper = fakeClassifier(['ENTAILMENT', 'NEUTRAL', 'CONTRADICTION'], () => [1, 0, 0]);
    expect(new CrossEncoderEntailment(upper).id).toBe('nli:fake');
    const generic = fakeClassifier(['LABEL_0', 'LABEL_1', 'LABEL_2'], () => [1, 0, 0]);
    expect(() => new CrossEncoderEntailment(generic)).toThrow(/pass entailmentLabel/);
    expect(() => new CrossEncoderEntailment(generic, { entailmentLabel: 'LABEL_1' })).toThrow(
      /contradictionLabel/,
    );
    expect(
      () => new CrossEncoderEntailment(generic, { entailmentLabel: 'LABEL_1', mode: 'probability' }),
    ).not.toThrow();
    expect(() => new CrossEncoderEntailment(generic, { entailmentLabel: 'yes' })).toThrow(/not one of/);
    expect(() => new CrossEncoderEntailment(generic, { mode: 'x' as never })).toThrow(EntailmentError);
    expect(() => new CrossEncoderEntailment({} as never)).toThrow(/pair classifier/);
  });

  it('rejects a classifier that returns the wrong number of results', async () => {
    const broken: PairClassifier = { id: 'broken', labels: MNLI, classify: async () => [] };
    await expect(new CrossEncoderEntailment(broken).entails('a', 'b')).rejects.toThrow(
      /0 results for 1 pairs/,
    );
  });

  it("runs LUQ on a local cross-encoder folder, with the torch model's probabilities", async () => {
    const folder = fileURLToPath(
      new URL('../../../models/src/encoder/fixtures/tiny-bert-nli', import.meta.url),
    );
    const ref = JSON.parse(
      readFileSync(
        new URL('../../../models/src/encoder/fixtures/tiny_bert_nli_reference.json', import.meta.url),
        'utf8',
      ),
    ) as { cases: { premise?: string; hypothesis?: string; logits: number[] }[] };
    const clf = await LocalSequenceClassifier.fromFolder(folder);
    const nli = new CrossEncoderEntailment(clf);
    const pairs = ref.cases.filter((c) => c.premise !== undefined);
    const got = await nli.entailsMany(pairs.map((c) => ({ premise: c.premise!, hypothesis: c.hypothesis! })));
    pairs.forEach((c, i) => {
      // softmax of torch's logits, then P(e) / (P(e) + P(c)) with labels (contradiction, entailment, neutral)
      const e = c.logits.map(Math.exp);
      expect(got[i]).toBeCloseTo(e[1] / (e[0] + e[1]), 4);
    });
    const r = await luq(['The cat sat on the mat.', 'Dogs are running in the park!'], nli);
    expect(r.uncertainty).toBeGreaterThanOrEqual(0);
    expect(r.uncertainty).toBeLessThanOrEqual(1);
    await clf.dispose();
  });
});
