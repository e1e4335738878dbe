import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { branchCount, extractHeuristicGraph, failedStepFraction, renderSvg } from '@proj/cot-graph';
import { auroc, spearman, TrustScorer, writeTextFileAtomic } from '@proj/isotropy';
import {
  buildLmTrainingGraph,
  CharTokenizer,
  DecoderEmbedder,
  gpt2Config,
  loadLanguageModel,
  ParameterStore,
  saveDecoderFolder,
} from '@proj/models';
import { grpoAdvantages, meanPassAtK } from '@proj/rl-objectives';
import { adamw, compile, encodeModel, Graph, Tensor, Trainer, toModel, warmupCosine } from '@proj/runtime';
import { type Fact, factReward, KEY_LETTERS, makeFacts, SAMPLE_TRACE } from './facts.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Seed of everything random (facts, weights, sampling). */
  seed: number;
  /** Training steps of the tiny LM. */
  steps: number;
  /** Samples per prompt. */
  samples: number;
  /** Facts held out from training (the model can only guess them). */
  heldOut: number;
  /** Folder receiving the trained model, the reasoning-graph SVG and report.json; a temp dir when absent. */
  out?: string;
  /** Progress lines (stage headers and results). */
  log: (line: string) => void;
  /** Stops the demo between stages (the promise rejects). */
  signal?: AbortSignal;
}

/** What the demo measured, stage by stage. */
export interface DemoReport {
  /** Stage 1, the MLP: graph nodes, parameters, ONNX bytes, median ms per batch of 256 and GFLOP/s. */
  runtime: { nodes: number; params: number; onnxBytes: number; runMedianMs: number; gflops: number };
  /** Stage 2, the tiny GPT: parameters, steps, loss at the first and last step, training seconds. */
  training: { params: number; steps: number; firstLoss: number; lastLoss: number; seconds: number };
  /** Stage 3: prompts, samples each, accuracy on trained / held-out facts, pass@1, pass@k, zero-advantage groups. */
  sampling: {
    prompts: number;
    samplesPerPrompt: number;
    trainedAccuracy: number;
    heldOutAccuracy: number;
    passAt1: number;
    passAtK: number;
    zeroAdvantageGroups: number;
  };
  /** Stage 4: mean semantic isotropy on trained / held-out prompts, AUROC for wrong prompts, Spearman with accuracy. */
  trust: {
    meanIsotropyTrained: number;
    meanIsotropyHeldOut: number;
    aurocWrong: number;
    spearmanAccuracy: number;
  };
  /** Stage 5, the sample trace's graph: steps, Failed-Step Fraction, failed branches, the SVG's path (with `out`). */
  reasoning: { steps: number; failedStepFraction: number; branches: number; svg?: string };
  /** Where the trained model folder was kept (with `out`). */
  modelFolder?: string;
  /** Wall time of the whole demo. */
  seconds: number;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * The end-to-end demo: every package of the project on one small, self-made task.
 * 1. runtime: build an MLP with the graph builder and run it on ONNX Runtime;
 * 2. models + runtime: train a tiny GPT on a small knowledge base of random facts (some held out), save it as a
 *    Hugging Face-style folder and load it back;
 * 3. rl-objectives: sample answers, reward them with a verifier, GRPO advantages and pass@k;
 * 4. isotropy: semantic isotropy of each prompt's answers (embedded by the LM itself) against correctness;
 * 5. cot-graph: a reasoning trace turned into a graph, its Failed-Step Fraction, rendered to SVG.
 * @example
 * ```ts
 * const report = await runDemo({ seed: 1, steps: 400, samples: 8, heldOut: 16, out: 'demo-run', log: console.log });
 * report.sampling.heldOutAccuracy; // near chance: the held-out facts were never seen
 * ```
 */
export async function runDemo(o: DemoOptions): Promise<DemoReport> {
  const t0 = performance.now();
  const check = () => o.signal?.throwIfAborted();
  const runtime = await runtimeStage(o.seed);
  o.log(
    `1. runtime    MLP 512->2048->512 (${runtime.nodes} nodes, ${runtime.params.toLocaleString('en-US')} params, ${(runtime.onnxBytes / 1e6).toFixed(1)} MB ONNX): ${runtime.runMedianMs} ms per batch of 256 on ONNX Runtime (${runtime.gflops} GFLOP/s)`,
  );
  check();

  // 2. Train a tiny LM on the facts.
  const { train, test } = makeFacts(o.heldOut, o.seed);
  const alphabet = `${KEY_LETTERS}0123456789=.`;
  const tokenizerFiles = CharTokenizer.files(alphabet, { addBos: true });
  const tokenizer = CharTokenizer.create(alphabet, { addBos: true });
  const config = gpt2Config({
    vocabSize: tokenizer.vocabSize,
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    maxPositions: 16,
    eosTokenId: tokenizer.eosTokenId,
    padTokenId: tokenizer.padTokenId,
    bosTokenId: tokenizer.bosTokenId,
  });
  const store = new ParameterStore({ seed: o.seed });
  const seq = 8;
  const t = buildLmTrainingGraph(config, store, { batch: train.length, seq });
  const batch = trainingBatch(train, tokenizer, seq);
  const tt = performance.now();
  const trainer = await Trainer.create(t.g, {
    loss: t.loss,
    optimizer: adamw({ weightDecay: 0.01 }),
    lr: warmupCosine({ peak: 3e-3, warmupSteps: 20, totalSteps: o.steps, minLr: 3e-4 }),
  });
  const losses: number[] = [];
  for (let i = 0; i < o.steps; i++) {
    losses.push((await trainer.step(batch)).loss);
    if (i % 50 === 0) check();
  }
  trainer.syncToGraph();
  for (const [name, p] of t.g.params) store.set(name, p.data);
  await trainer.dispose();
  const training = {
    params: store.count(),
    steps: o.steps,
    firstLoss: round(losses[0]),
    lastLoss: round(losses.at(-1)!),
    seconds: round((performance.now() - tt) / 1000, 2),
  };
  o.log(
    `2. models     tiny GPT (${training.params.toLocaleString('en-US')} params) trained on ${train.length} random facts for ${o.steps} steps: loss ${training.firstLoss} -> ${training.lastLoss} in ${training.seconds} s`,
  );

  const dir = o.out ?? (await mkdtemp(join(tmpdir(), 'proj-demo-')));
  const modelDir = join(dir, 'tiny-facts');
  await saveDecoderFolder(modelDir, { config, store, tokenizer: tokenizerFiles });
  const lm = await loadLanguageModel(modelDir);
  o.log(
    o.out
      ? `               saved as a Hugging Face-style folder and loaded back: ${modelDir}`
      : '               saved as a Hugging Face-style folder (in a temp dir; keep it with --out DIR) and loaded back',
  );
  check();

  // 3. Sample, reward, advantages.
  const prompts = [...train.slice(0, test.length), ...test];
  const gens = await lm.generate(
    prompts.map((f) => f.prompt),
    { n: o.samples, temperature: 1, maxNewTokens: 4, stop: ['.'], seed: o.seed },
  );
  const rewards = new Float64Array(prompts.length * o.samples);
  gens.forEach((g, i) => g.forEach((s, j) => (rewards[i * o.samples + j] = factReward(prompts[i], s.text))));
  const adv = grpoAdvantages(rewards, o.samples);
  const correct = prompts.map((_, i) =>
    rewards.subarray(i * o.samples, (i + 1) * o.samples).reduce((a, b) => a + b, 0),
  );
  let zeroGroups = 0;
  for (let i = 0; i < prompts.length; i++)
    if (adv.subarray(i * o.samples, (i + 1) * o.samples).every((v) => v === 0)) zeroGroups++;
  const acc = (from: number, to: number) =>
    correct.slice(from, to).reduce((a, b) => a + b, 0) / ((to - from) * o.samples);
  const sampling = {
    prompts: prompts.length,
    samplesPerPrompt: o.samples,
    trainedAccuracy: round(acc(0, o.heldOut)),
    heldOutAccuracy: round(acc(o.heldOut, prompts.length)),
    passAt1: round(meanPassAtK(o.samples, correct, 1)),
    passAtK: round(meanPassAtK(o.samples, correct, o.samples)),
    zeroAdvantageGroups: zeroGroups,
  };
  o.log(
    `3. rl         ${prompts.length} prompts x ${o.samples} samples: accuracy ${sampling.trainedAccuracy} on trained facts, ${sampling.heldOutAccuracy} on held-out (chance 0.01); pass@1 ${sampling.passAt1}, pass@${o.samples} ${sampling.passAtK}; GRPO gives ${zeroGroups} all-equal groups zero advantage`,
  );
  check();

  // 4. Trust: do the answers of a prompt agree (low isotropy) when the model knows the fact?
  const embedder = await DecoderEmbedder.create(config, store, tokenizer);
  // Embed each answer with its prompt ("ab=37."), as the paper embeds an answer as an excerpt about its topic.
  const scorer = new TrustScorer({
    embedder,
    excerpt: { template: (answer, topic) => `${topic}${answer}.`, maxChars: 32 },
  });
  const iso: number[] = [];
  for (const [i, f] of prompts.entries()) {
    iso.push(
      (
        await scorer.scoreResponses(
          f.prompt,
          gens[i].map((s) => s.text),
        )
      ).score,
    );
  }
  await embedder.dispose();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const wrong = correct.map((c) => c / o.samples < 0.5);
  const trust = {
    meanIsotropyTrained: round(mean(iso.slice(0, o.heldOut))),
    meanIsotropyHeldOut: round(mean(iso.slice(o.heldOut))),
    aurocWrong: wrong.some(Boolean) && !wrong.every(Boolean) ? round(auroc(iso, wrong)) : Number.NaN,
    spearmanAccuracy: round(spearman(iso, correct)),
  };
  o.log(
    `4. isotropy   semantic isotropy of the answers: mean ${trust.meanIsotropyTrained} on trained facts vs ${trust.meanIsotropyHeldOut} on held-out; AUROC for flagging mostly-wrong prompts ${trust.aurocWrong}; Spearman with accuracy ${trust.spearmanAccuracy}`,
  );
  await lm.dispose();
  check();

  // 5. Reasoning graph of a chain of thought.
  const { graph } = extractHeuristicGraph(SAMPLE_TRACE);
  const reasoning: DemoReport['reasoning'] = {
    steps: graph.steps.length,
    failedStepFraction: round(failedStepFraction(graph)),
    branches: branchCount(graph),
  };
  if (o.out) {
    reasoning.svg = join(o.out, 'reasoning-graph.svg');
    await writeTextFileAtomic(reasoning.svg, renderSvg(graph, { title: 'Sample trace' }));
  }
  o.log(
    `5. cot-graph  sample trace -> ${reasoning.steps} steps, Failed-Step Fraction ${reasoning.failedStepFraction}, ${reasoning.branches} failed branch(es)${reasoning.svg ? `; SVG: ${reasoning.svg}` : ''}`,
  );

  const report: DemoReport = {
    runtime,
    training,
    sampling,
    trust,
    reasoning,
    modelFolder: o.out ? modelDir : undefined,
    seconds: round((performance.now() - t0) / 1000, 2),
  };
  if (o.out) {
    await mkdir(o.out, { recursive: true });
    await writeTextFileAtomic(join(o.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  } else {
    await rm(dir, { recursive: true, force: true });
  }
  return report;
}

/** Inputs, next-token labels and a loss mask over the answer ("c." then EOS) for every fact. */
function trainingBatch(
  facts: readonly Fact[],
  tokenizer: ReturnType<typeof CharTokenizer.create>,
  seq: number,
) {
  const n = facts.length;
  const ids = new BigInt64Array(n * seq).fill(BigInt(tokenizer.padTokenId ?? 0));
  const labels = new BigInt64Array(n * seq).fill(BigInt(tokenizer.padTokenId ?? 0));
  const mask = new Float32Array(n * seq);
  facts.forEach((f, r) => {
    const prompt = tokenizer.encode(f.prompt);
    const full = [...tokenizer.encode(`${f.prompt}${f.answer}.`), tokenizer.eosTokenId!];
    for (let j = 0; j + 1 < full.length && j < seq; j++) {
      ids[r * seq + j] = BigInt(full[j]);
      labels[r * seq + j] = BigInt(full[j + 1]);
      if (j + 1 >= prompt.length) mask[r * seq + j] = 1;
    }
  });
  return {
    input_ids: new Tensor('int64', ids, [n, seq]),
    labels: new Tensor('int64', labels, [n, seq]),
    loss_mask: new Tensor('float32', mask, [n, seq]),
  };
}

/** Stage 1: a GELU MLP built with the graph builder, serialised to ONNX and timed on ONNX Runtime. */
async function runtimeStage(seed: number): Promise<DemoReport['runtime']> {
  const g = new Graph('demo-mlp');
  const x = g.input('x', 'float32', ['batch', 512]);
  const w1 = g.param('w1', [512, 2048], { init: 'kaiming', seed });
  const b1 = g.param('b1', [2048], { init: 'zeros' });
  const w2 = g.param('w2', [2048, 512], { init: 'xavier', seed: seed + 1 });
  g.output('y', x.matmul(w1).add(b1).gelu().matmul(w2));
  const bytes = encodeModel(toModel(g));
  const f = await compile(bytes);
  const input = Tensor.randn([256, 512], { seed: seed + 2 });
  await f({ x: input });
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await f({ x: input });
    times.push(performance.now() - s);
  }
  await f.dispose();
  times.sort((a, b) => a - b);
  const median = times[10];
  return {
    nodes: g.nodes.length,
    params: [...g.params.values()].reduce((s, p) => s + p.data.size, 0),
    onnxBytes: bytes.byteLength,
    runMedianMs: round(median, 2),
    gflops: Math.round((2 * 256 * (512 * 2048 + 2048 * 512)) / median / 1e6),
  };
}
