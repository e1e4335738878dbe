/**
 * Benchmark: the TrustScorer's own overhead, i.e. everything except awaiting the model calls, for one prompt
 * with N = 10 answers of 200 words embedded as 384-d vectors (a MiniLM / bge-small-sized embedder).
 *
 * 1. Instant fakes: the model and the embedder hand back precomputed answers / vectors at once, so the wall
 *    time of `score()` is the scorer's overhead (wrapping, truncation, checks, Gram matrix, eigenvalues,
 *    companions, bookkeeping) plus two resolved promises.
 * 2. A simulated run: the same fakes wait as long as the project's small local models would take. Those
 *    models do not exist as trained folders yet, so the run assumes ~50 ms per generate call (one call samples
 *    all N answers) and ~10 ms per embed call (one call embeds all N); overhead = wall time minus the time the
 *    fakes spent waiting (this also counts timer slack, so it is an upper bound).
 * Target: overhead under 5% of a run.
 *
 * Run: npm run bench:trust -w @proj/isotropy   (writes bench/results/trust.json at the repo root)
 */
import { fileURLToPath } from 'node:url';
import type { Embedder, Generation, LanguageModel } from '@proj/models';
import { Rng } from '@proj/runtime';
import { TrustScorer, writeTextFileAtomic } from '../src/index.js';

const N = 10;
const D = 384;
const WORDS = 200;
const GENERATE_MS = 50;
const EMBED_MS = 10;
const TARGET_PCT = 5;
const REPS = 2000;
const SIMULATED_REPS = 40;

const rng = new Rng(7);
const vocabulary = Array.from(
  { length: 500 },
  (_, i) => `w${i.toString(36)}${'abcdefg'.slice(0, 1 + (i % 6))}`,
);
const answers = Array.from({ length: N }, () =>
  Array.from({ length: WORDS }, () => vocabulary[Math.floor(rng.uniform() * vocabulary.length)]).join(' '),
);
const centre = Float64Array.from({ length: D }, () => rng.normal());
const vectors = answers.map(() => Float32Array.from(centre, (c) => c + 0.8 * rng.normal()));
const generations: Generation[] = answers.map((text) => ({
  text,
  tokenIds: [],
  logprobs: [],
  finishReason: 'stop',
}));

let waitedMs = 0;
const wait = async (ms: number): Promise<void> => {
  if (ms <= 0) return;
  const t = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  waitedMs += performance.now() - t;
};

function fakes(generateMs: number, embedMs: number): { model: LanguageModel; embedder: Embedder } {
  return {
    model: {
      id: 'fake-lm',
      capabilities: { logits: false, logprobs: false },
      async generate(prompts) {
        await wait(generateMs);
        return prompts.map(() => generations);
      },
    },
    embedder: {
      id: 'fake-embedder',
      dimension: D,
      async embed(texts) {
        await wait(embedMs);
        return texts.map((_, i) => vectors[i % N]);
      },
    },
  };
}

function stats(t: Float64Array): { median: number; p90: number; mean: number } {
  const mean = t.reduce((s, v) => s + v, 0) / t.length;
  const s = Float64Array.from(t).sort();
  return { median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)], mean };
}

const prompt = 'Tell me a bio of Ada Lovelace.';

// 1. Instant fakes: the scorer's overhead.
const instant = new TrustScorer({ ...fakes(0, 0), n: N });
for (let i = 0; i < 300; i++) await instant.score(prompt); // warm up the JIT
const total = new Float64Array(REPS);
const embedStep = new Float64Array(REPS);
const scoreStep = new Float64Array(REPS);
for (let i = 0; i < REPS; i++) {
  const t0 = performance.now();
  const r = await instant.score(prompt);
  total[i] = performance.now() - t0;
  embedStep[i] = r.timings.embeddingMs;
  scoreStep[i] = r.timings.scoringMs;
}
const overhead = stats(total);
const modelMs = GENERATE_MS + EMBED_MS;
const overheadPct = (100 * overhead.median) / (overhead.median + modelMs);

// Batch: 40 prompts, 4 at a time, instant fakes: overhead per prompt including the pool.
const batchPrompts = Array.from({ length: 40 }, (_, i) => `${prompt} (${i})`);
for (let i = 0; i < 20; i++) await instant.scoreMany(batchPrompts, { concurrency: 4 });
const batch = new Float64Array(100);
for (let i = 0; i < batch.length; i++) {
  const t0 = performance.now();
  await instant.scoreMany(batchPrompts, { concurrency: 4 });
  batch[i] = (performance.now() - t0) / batchPrompts.length;
}
const batchPerPrompt = stats(batch);

// 2. Simulated run with the small models' assumed latency.
const simulated = new TrustScorer({ ...fakes(GENERATE_MS, EMBED_MS), n: N });
const wall = new Float64Array(SIMULATED_REPS);
const outside = new Float64Array(SIMULATED_REPS);
for (let i = 0; i < SIMULATED_REPS; i++) {
  waitedMs = 0;
  const t0 = performance.now();
  await simulated.score(prompt);
  wall[i] = performance.now() - t0;
  outside[i] = wall[i] - waitedMs;
}
const simWall = stats(wall);
const simOverhead = stats(outside);
const simPct = (100 * simOverhead.median) / simWall.median;

const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
console.log(
  `\nTrustScorer overhead, N = ${N} answers of ${WORDS} words, D = ${D}, Node ${process.version}\n`,
);
console.log('| case | median | p90 | mean |');
console.log('|---|---|---|---|');
console.log(
  `| score() with instant fakes (= overhead) | ${us(overhead.median)} | ${us(overhead.p90)} | ${us(overhead.mean)} |`,
);
const e = stats(embedStep);
const s = stats(scoreStep);
console.log(`|   of which wrapping + embed call | ${us(e.median)} | ${us(e.p90)} | ${us(e.mean)} |`);
console.log(
  `|   of which Gram + eigenvalues + companions | ${us(s.median)} | ${us(s.p90)} | ${us(s.mean)} |`,
);
console.log(
  `| scoreMany (40 prompts, concurrency 4), per prompt | ${us(batchPerPrompt.median)} | ${us(batchPerPrompt.p90)} | ${us(batchPerPrompt.mean)} |`,
);
console.log(
  `| simulated run (${GENERATE_MS} ms generate + ${EMBED_MS} ms embed), wall | ${simWall.median.toFixed(2)} ms | ${simWall.p90.toFixed(2)} ms | ${simWall.mean.toFixed(2)} ms |`,
);
console.log(
  `| simulated run, wall - model waits (incl. timer slack) | ${us(simOverhead.median)} | ${us(simOverhead.p90)} | ${us(simOverhead.mean)} |`,
);
console.log(
  `\noverhead / run with the assumed small-model times (${modelMs} ms of model calls): ${overheadPct.toFixed(3)}% (instant fakes), ${simPct.toFixed(3)}% (simulated, upper bound)`,
);
const pass = overheadPct < TARGET_PCT && simPct < TARGET_PCT;
console.log(`target overhead < ${TARGET_PCT}% of a run: ${pass ? 'PASS' : 'FAIL'}\n`);

const out = fileURLToPath(new URL('../../../bench/results/trust.json', import.meta.url));
await writeTextFileAtomic(
  out,
  `${JSON.stringify(
    {
      benchmark: 'trust-scorer-overhead',
      date: new Date().toISOString(),
      node: process.version,
      n: N,
      d: D,
      wordsPerAnswer: WORDS,
      assumedModelMs: {
        generateCall: GENERATE_MS,
        embedCall: EMBED_MS,
        note: 'assumed: no trained local models yet',
      },
      targetPct: TARGET_PCT,
      pass,
      overheadMs: overhead,
      embeddingStepMs: e,
      scoringStepMs: s,
      scoreManyPerPromptMs: batchPerPrompt,
      simulated: { wallMs: simWall, overheadMs: simOverhead, overheadPct: simPct },
      overheadPct,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out}`);
if (!pass) process.exitCode = 1;
