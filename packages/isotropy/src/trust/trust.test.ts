import { readFileSync } from 'node:fs';
import type { Embedder, GenerateOptions, Generation, LanguageModel, Prompt } from '@proj/models';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortError, ResponseInputError, TrustScorerError } from '../errors.js';
import { meanPairwiseCosineDistance, renyi2Entropy, resultantDispersion } from '../estimators/companions.js';
import { semanticIsotropy, vonNeumannEntropy } from '../estimators/isotropy.js';
import { ESTIMATORS } from '../estimators/registry.js';
import { entailmentFromFunction } from '../nli/entailment.js';
import { luqEstimator } from '../nli/estimators.js';
import {
  DEFAULT_EXCERPT_TEMPLATE,
  DEFAULT_MAX_ANSWER_CHARS,
  excerptEmbedText,
  excerptText,
  topicOf,
  truncateAnswer,
} from './excerpt.js';
import { type BatchProgress, TrustScorer } from './scorer.js';

interface Special {
  n: number;
  kind: 'identical' | 'orthogonal';
  vonNeumannEntropy: number;
  semanticIsotropy: number;
}
// numpy reference values (scripts/make_fixtures.py) for N identical / mutually orthogonal answers.
const special: Special[] = JSON.parse(
  readFileSync(new URL('../estimators/fixtures/estimators.json', import.meta.url), 'utf8'),
).special;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gen(text: string, finishReason: 'stop' | 'length' = 'stop'): Generation {
  return { text, tokenIds: [], logprobs: [], finishReason };
}

/** A fake model: sample j of prompt p is `answer(p, j)`; calls are recorded; optional latency per call. */
function fakeModel(
  answer: (prompt: string, j: number) => string,
  latency: (prompt: string) => number = () => 0,
) {
  const calls: { prompts: Prompt[]; options: GenerateOptions }[] = [];
  let active = 0;
  const state = { peak: 0 };
  const model: LanguageModel = {
    id: 'fake-lm',
    capabilities: { logits: false, logprobs: false },
    async generate(prompts, options = {}) {
      calls.push({ prompts: [...prompts], options });
      active++;
      state.peak = Math.max(state.peak, active);
      try {
        const p = prompts.map((x) => (typeof x === 'string' ? x : x[x.length - 1].content));
        const ms = Math.max(...p.map(latency));
        if (ms > 0) {
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(resolve, ms);
            options.signal?.addEventListener('abort', () => {
              clearTimeout(t);
              reject(options.signal?.reason);
            });
          });
        }
        return p.map((q) => Array.from({ length: options.n ?? 1 }, (_, j) => gen(answer(q, j))));
      } finally {
        active--;
      }
    },
  };
  return { model, calls, state };
}

/** A fake embedder: the vector of a text is `vec(answerOf(text))`; the texts it sees are recorded. */
function fakeEmbedder(vec: (text: string) => ArrayLike<number>) {
  const seen: string[][] = [];
  const embedder: Embedder = {
    id: 'fake-emb',
    dimension: 0,
    async embed(texts) {
      seen.push([...texts]);
      return texts.map((t) => Float32Array.from(vec(t)));
    },
  };
  return { embedder, seen };
}

/** One-hot vector of the number at the end of the text ("... answer 3" -> e_3) in `d` dimensions. */
const oneHot = (d: number) => (text: string) => {
  const k = Number(/(\d+)\s*$/.exec(text)?.[1] ?? 0);
  return Array.from({ length: d }, (_, i) => (i === k ? 1 : 0));
};

describe('excerpt wrapping', () => {
  it('wraps answers as the paper does, with an optional task prefix', () => {
    expect(DEFAULT_EXCERPT_TEMPLATE).toBe(
      "The following is an excerpt from a text about: '{topic}'\n\n{answer}",
    );
    expect(excerptText('Paris.', { topic: 'France' })).toEqual({
      text: "The following is an excerpt from a text about: 'France'\n\nParis.",
      truncated: false,
    });
    expect(
      excerptText('It costs $1 {answer} $&.', { topic: '$topic', taskPrefix: 'clustering: ' }).text,
    ).toBe("clustering: The following is an excerpt from a text about: '$topic'\n\nIt costs $1 {answer} $&.");
    expect(excerptText('a', { topic: 't', template: false }).text).toBe('a');
    expect(excerptText('a', { topic: 't', template: (ans, top) => `${top}|${ans}` }).text).toBe('t|a');
    expect(excerptText('a', { topic: 't', template: '[{answer}]' }).text).toBe('[a]');
    expect(() => excerptText('a', { topic: 't', template: 'no placeholder' })).toThrow(TrustScorerError);
  });

  it('truncates long answers to the character budget at a word boundary', () => {
    expect(DEFAULT_MAX_ANSWER_CHARS).toBe(4000);
    expect(truncateAnswer('alpha beta gamma', 12)).toBe('alpha beta');
    expect(truncateAnswer('alpha beta gamma', 16)).toBe('alpha beta gamma');
    expect(truncateAnswer('abcdefghij', 4)).toBe('abcd'); // no space in the last fifth: hard cut
    expect(truncateAnswer('ab😀cd', 3)).toBe('ab'); // never half a surrogate pair
    expect(truncateAnswer('x'.repeat(10), Number.POSITIVE_INFINITY)).toBe('x'.repeat(10));
    const long = `${'word '.repeat(1000)}end`;
    const e = excerptText(long, { topic: 't' });
    expect(e.truncated).toBe(true);
    expect(e.text.split('\n\n')[1].length).toBeLessThanOrEqual(4000);
    expect(() => truncateAnswer('a', 0)).toThrow(/maxChars must be a positive integer/);
    expect(() => truncateAnswer('a', 1.5)).toThrow(TrustScorerError);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (s, n) => {
        const t = truncateAnswer(s, n);
        expect(t.length).toBeLessThanOrEqual(n);
        expect(s.startsWith(t.trimEnd()) || s.startsWith(t)).toBe(true);
      }),
    );
  });

  it('takes the topic from the prompt or its last user message', () => {
    expect(topicOf('  Who was Ada Lovelace? ')).toBe('Who was Ada Lovelace?');
    expect(
      topicOf([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Who was Ada?' },
        { role: 'assistant', content: 'A mathematician.' },
      ]),
    ).toBe('Who was Ada?');
    const embedText = excerptEmbedText({ maxChars: 5 });
    expect(embedText('hello world', { prompt: 'p' })).toBe(
      "The following is an excerpt from a text about: 'p'\n\nhello",
    );
    expect(embedText('hi', { prompt: 'p', topic: 'T' })).toMatch(/about: 'T'/);
  });
});

describe('TrustScorer.score', () => {
  it('samples N = 10 answers with the paper defaults, wraps, embeds and scores them', async () => {
    const { model, calls } = fakeModel((_p, j) => `answer ${j}`);
    const { embedder, seen } = fakeEmbedder(oneHot(16));
    const scorer = new TrustScorer({ model, embedder });
    const r = await scorer.score('Who was Ada Lovelace?');
    expect(calls).toHaveLength(1);
    expect(calls[0].prompts).toEqual(['Who was Ada Lovelace?']);
    expect(calls[0].options).toMatchObject({ n: 10, temperature: 0.7, topP: 1, maxNewTokens: 1024 });
    expect(calls[0].options.seed).toBeUndefined();
    expect(seen[0]).toHaveLength(10);
    expect(seen[0][3]).toBe(
      "The following is an excerpt from a text about: 'Who was Ada Lovelace?'\n\nanswer 3",
    );
    expect(r.answers).toEqual(Array.from({ length: 10 }, (_, j) => `answer ${j}`));
    expect(r.finishReasons).toEqual(Array(10).fill('stop'));
    // Mutually orthogonal answers: numpy's entropy, and by hand: eigenvalues all (1 + eps) / N.
    const ref = special.find((s) => s.n === 10 && s.kind === 'orthogonal') as Special;
    expect(r.parts.vonNeumann).toBeCloseTo(ref.vonNeumannEntropy, 12);
    expect(r.score).toBe(ref.semanticIsotropy);
    expect(r.parts.maxEntropy).toBeCloseTo(Math.log(10), 15);
    for (const l of r.parts.eigenvalues) expect(l).toBeCloseTo(1.001 / 10, 14);
    expect(r.parts.resultantDispersion).toBeCloseTo(0.9, 14); // 1 - N / N^2
    expect(r.parts.renyi2Entropy).toBeCloseTo(Math.log(10), 14); // -ln(N / N^2)
    expect(r.parts.meanPairwiseCosineDistance).toBeCloseTo(1, 14);
    expect(r.truncated).toBe(0);
    expect(r.topic).toBe('Who was Ada Lovelace?');
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.scoringMs);
  });

  it('scores identical answers near 0 with one dominant eigenvalue', async () => {
    const { model } = fakeModel(() => 'same answer 0');
    const { embedder } = fakeEmbedder(oneHot(4));
    const r = await new TrustScorer({ model, embedder }).score('q');
    const ref = special.find((s) => s.n === 10 && s.kind === 'identical') as Special;
    expect(r.parts.vonNeumann).toBeCloseTo(ref.vonNeumannEntropy, 12);
    expect(r.score).toBeCloseTo(ref.semanticIsotropy, 12);
    // rho = (J + eps I) / N: eigenvalue (N + eps) / N once, eps / N nine times
    expect(r.parts.eigenvalues[0]).toBeCloseTo(10.001 / 10, 14);
    for (const l of r.parts.eigenvalues.slice(1)) expect(l).toBeCloseTo(1e-4, 14);
    expect(r.parts.resultantDispersion).toBeCloseTo(0, 14);
  });

  it('agrees with the estimators on random embeddings, in any answer order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc
            .array(fc.integer({ min: -9, max: 9 }), { minLength: 6, maxLength: 6 })
            .filter((r) => r.some((v) => v !== 0)),
          { minLength: 3, maxLength: 8 },
        ),
        async (rows) => {
          const answers = rows.map((_, i) => `answer ${i}`);
          const vec = (t: string) => rows[Number(/(\d+)$/.exec(t)?.[1])];
          const scorer = new TrustScorer({ embedder: fakeEmbedder(vec).embedder, n: rows.length });
          const r = await scorer.scoreResponses('p', answers);
          const f32 = rows.map((row) => Float32Array.from(row));
          expect(r.score).toBeCloseTo(semanticIsotropy(f32), 12);
          expect(r.parts.vonNeumann).toBeCloseTo(vonNeumannEntropy(f32), 12);
          expect(r.parts.resultantDispersion).toBeCloseTo(resultantDispersion(f32), 12);
          expect(r.parts.renyi2Entropy).toBeCloseTo(renyi2Entropy(f32), 12);
          expect(r.parts.meanPairwiseCosineDistance).toBeCloseTo(meanPairwiseCosineDistance(f32), 12);
          const reversed = await scorer.scoreResponses('p', [...answers].reverse());
          expect(reversed.score).toBeCloseTo(r.score, 12);
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('passes n, temperature, top_p, seed, stop and the task prefix through; counts truncations', async () => {
    const { model, calls } = fakeModel((_p, j) => `${'long '.repeat(j === 0 ? 50 : 1)}answer ${j}`);
    const { embedder, seen } = fakeEmbedder(oneHot(8));
    const scorer = new TrustScorer({
      model,
      embedder,
      n: 4,
      temperature: 1.2,
      topP: 0.9,
      seed: 7,
      maxNewTokens: 64,
      stop: ['\n\n'],
      excerpt: { taskPrefix: 'clustering: ', maxChars: 100 },
    });
    const r = await scorer.score([{ role: 'user', content: 'Tell me about Ada.' }], {
      topic: 'Ada Lovelace',
    });
    expect(calls[0].options).toMatchObject({ n: 4, temperature: 1.2, topP: 0.9, seed: 7, maxNewTokens: 64 });
    expect(calls[0].options.stop).toEqual(['\n\n']);
    expect(seen[0][1]).toBe(
      "clustering: The following is an excerpt from a text about: 'Ada Lovelace'\n\nlong answer 1",
    );
    expect(r.truncated).toBe(1);
    expect(seen[0][0].split('\n\n')[1].length).toBeLessThanOrEqual(100);
    await scorer.score('q', { seed: 3 });
    expect(calls[1].options.seed).toBe(3);
  });

  it('reports extra estimators (embedding, lexical and NLI) as baselines', async () => {
    const { model } = fakeModel((_p, j) => `Claim ${j % 2}.`);
    const { embedder } = fakeEmbedder((t) => (t.endsWith('0.') ? [1, 0] : [0, 1]));
    const nli = entailmentFromFunction((p, h) => (p === h ? 1 : 0));
    const r = await new TrustScorer({
      model,
      embedder,
      n: 4,
      estimators: [...ESTIMATORS, luqEstimator(nli)],
    }).score('q');
    expect(Object.keys(r.baselines)).toEqual([...ESTIMATORS.map((e) => e.name), 'luq']);
    expect(r.baselines.semanticIsotropy).toBe(r.score);
    // answers alternate Claim 0 / Claim 1: each answer is entailed by 1 of the 3 others -> LUQ = 1 - 1/3
    expect(r.baselines.luq).toBeCloseTo(2 / 3, 15);
    expect(r.baselines.lexicalDispersion).toBeGreaterThan(0);
  });

  it('rejects bad options, missing parts and wrong model output with clear errors', async () => {
    const { model } = fakeModel((_p, j) => `answer ${j}`);
    const { embedder } = fakeEmbedder(oneHot(8));
    expect(() => new TrustScorer({ embedder, n: 1 })).toThrow(/n must be an integer >= 2/);
    expect(() => new TrustScorer({ embedder, temperature: -1 })).toThrow(TrustScorerError);
    expect(() => new TrustScorer({ embedder, topP: 0 })).toThrow(/topP/);
    expect(() => new TrustScorer({ embedder, excerpt: { maxChars: -5 } })).toThrow(/maxChars/);
    expect(() => new TrustScorer({ model: {} as LanguageModel })).toThrow(/LanguageModel/);
    await expect(new TrustScorer({ embedder }).score('q')).rejects.toThrow(/needs a model/);
    await expect(new TrustScorer({ model }).score('q')).rejects.toThrow(/no embedder/);
    await expect(new TrustScorer({ model, embedder }).score('  ')).rejects.toThrow(/prompt is empty/);
    const short: LanguageModel = { ...model, generate: async () => [[gen('one')]] };
    await expect(new TrustScorer({ model: short, embedder }).score('q')).rejects.toThrow(
      /returned 1 samples for n = 10/,
    );
    const fewVectors: Embedder = { ...embedder, embed: async () => [new Float32Array([1])] };
    await expect(new TrustScorer({ model, embedder: fewVectors }).score('q')).rejects.toThrow(
      /returned 1 vectors for 10 texts/,
    );
    const zero = fakeEmbedder(() => [0, 0]).embedder;
    await expect(new TrustScorer({ model, embedder: zero }).score('q')).rejects.toThrow(ResponseInputError);
  });
});

describe('TrustScorer.scoreResponses', () => {
  it('scores pre-generated answers, with or without precomputed embeddings', async () => {
    const { embedder, seen } = fakeEmbedder(oneHot(4));
    const scorer = new TrustScorer({ embedder });
    const r = await scorer.scoreResponses('q', ['a 0', 'b 0', 'c 1']);
    expect(seen).toHaveLength(1);
    expect(r.finishReasons).toBeUndefined();
    expect(r.timings.samplingMs).toBe(0);
    const offline = await new TrustScorer({}).scoreResponses('q', ['a', 'b', 'c'], {
      embeddings: [
        [1, 0],
        [1, 0],
        [0, 1],
      ],
    });
    expect(offline.score).toBeCloseTo(r.score, 6);
    expect(offline.timings.embeddingMs).toBe(0);
    await expect(scorer.scoreResponses('q', ['only'])).rejects.toThrow(/at least 2 answers/);
    await expect(scorer.scoreResponses('q', ['a', 1 as unknown as string])).rejects.toThrow(/answers\[1\]/);
    await expect(new TrustScorer({}).scoreResponses('q', ['a', 'b'])).rejects.toThrow(/no embedder/);
    await expect(scorer.scoreResponses('q', ['a', 'b'], { embeddings: [[1]] })).rejects.toThrow(
      /one row per answer/,
    );
  });
});

describe('TrustScorer batches', () => {
  it('scoreMany keeps input order under a concurrency limit and reports progress', async () => {
    const delays: Record<string, number> = { p0: 30, p1: 5, p2: 20, p3: 1, p4: 10 };
    const { model, state } = fakeModel(
      (p, j) => `${p} ${j}`,
      (p) => delays[p],
    );
    const { embedder } = fakeEmbedder(oneHot(8));
    const scorer = new TrustScorer({ model, embedder, n: 3 });
    const progress: BatchProgress[] = [];
    const out = await scorer.scoreMany(['p0', 'p1', { prompt: 'p2', topic: 'T2', seed: 9 }, 'p3', 'p4'], {
      concurrency: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(out.map((r) => r.prompt)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(out[2].topic).toBe('T2');
    expect(state.peak).toBe(2);
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.every((p) => p.total === 5 && out[p.index] === p.result)).toBe(true);
    expect(progress[0].index).toBe(1); // p1 finishes first
    const responses = await scorer.scoreManyResponses(
      [
        { prompt: 'a', responses: ['x 0', 'y 1'] },
        { prompt: 'b', responses: ['x 0', 'y 0'], topic: 'B' },
      ],
      { concurrency: 1 },
    );
    expect(responses[0].score).toBeGreaterThan(0.9);
    expect(responses[1].score).toBeLessThan(0.01);
    expect(responses[1].topic).toBe('B');
  });

  it('stops issuing model calls on abort and rejects with an AbortError', async () => {
    const { model, calls } = fakeModel(
      (p, j) => `${p} ${j}`,
      () => 50,
    );
    const { embedder } = fakeEmbedder(oneHot(8));
    const scorer = new TrustScorer({ model, embedder, n: 2 });
    const ctrl = new AbortController();
    const prompts = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const run = scorer.scoreMany(prompts, { concurrency: 2, signal: ctrl.signal });
    await sleep(10);
    ctrl.abort();
    const err = await run.catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.name).toBe('AbortError');
    await sleep(80);
    expect(calls).toHaveLength(2); // the two in flight; nothing after the abort
    expect(calls.every((c) => c.options.signal?.aborted)).toBe(true);
    await expect(scorer.score('q', { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    expect(calls).toHaveLength(2);
  });

  it('rejects a single score at once on abort, even if the model ignores its signal', async () => {
    const stuck: LanguageModel = {
      id: 'stuck',
      capabilities: { logits: false, logprobs: false },
      generate: () => new Promise(() => {}),
    };
    const scorer = new TrustScorer({ model: stuck, embedder: fakeEmbedder(oneHot(4)).embedder });
    const ctrl = new AbortController();
    const run = scorer.score('q', { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 5);
    await expect(run).rejects.toThrow(AbortError);
  });

  it('fails the batch on the first failing prompt', async () => {
    const { model } = fakeModel((p, j) => `${p} ${j}`);
    const { embedder } = fakeEmbedder((t) => (t.includes('bad') ? [0, 0] : [1, 0]));
    const scorer = new TrustScorer({ model, embedder, n: 2 });
    await expect(scorer.scoreMany(['ok', 'bad', 'ok2'], { concurrency: 1 })).rejects.toThrow(
      ResponseInputError,
    );
    await expect(scorer.scoreMany(['ok'], { concurrency: 0 })).rejects.toThrow(/concurrency/);
  });
});
