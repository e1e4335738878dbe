/**
 * Overhead of RLTrainer on the project's tiny LM (and the benchmark "small" GPT): how much of an RL step is
 * spent outside ONNX Runtime's session.run, as a share of the step. Every InferenceSession.run is timed by
 * patching the class, so "model compute" is exactly the time inside ORT calls; the rest is split into the
 * sampler's generation loop (@proj/models: token sampling, KV-cache bookkeeping), the training step's host work
 * (@proj/runtime: optimiser update, gradient norm) and the trainer's own code (this package: rewards,
 * advantages, batch packing, metrics, weight feeding). Target: the trainer's own share under 10%.
 *
 * Garbage collection pauses (timed with a PerformanceObserver) are reported as their own share: they fall
 * in whichever bucket was running, mostly the generation loop, and come from the buffers ONNX Runtime
 * allocates for every output.
 *
 * Also compares the two ways the sampler follows the weights: live weights fed as graph inputs (default)
 * versus rebuilding + recompiling the inference session after each batch; and the sampler's graph: the
 * static-cache decoder the trainer uses versus the Optimum-IO one (whole cache in and out of ONNX Runtime every
 * step), generation only, at the trainer's 8 new tokens and at 64.
 *
 * The whole measurement is repeated RUNS times (default 3); each run's numbers are medians over its steps, and
 * the table shows the median run. The machine's load average is recorded with every run: compare runs only at
 * similar load.
 *
 * Run: npm run bench -w @proj/rl-objectives   (writes bench/results/rl-objectives-trainer.json, or $OUT)
 * Env: STEPS (measured steps per configuration and run, default 30), RUNS (default 3), OUT (result path).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  ByteTokenizer,
  buildDecoderGraph,
  CharTokenizer,
  gpt2Config,
  LocalLanguageModel,
  OnnxDecoderRunner,
  ParameterStore,
} from '@proj/models';
import { Rng, TrainStep } from '@proj/runtime';
import { InferenceSession } from 'onnxruntime-node';
import { compileWithLiveWeights, liveWeightsModel, RLTrainer, type RLTrainerOptions } from '../src/index.js';
import { trainerSession } from '../src/trainer/rl-trainer.js';

const here = dirname(fileURLToPath(import.meta.url));
const WARMUP = 3;
const STEPS = Number(process.env.STEPS ?? 30);
const RUNS = Number(process.env.RUNS ?? 3);
const TARGET = 0.1;

// Garbage collection pauses on the main thread: scavenges and mark-compacts (incremental-marking entries
// overlap the mark-compact that finalises them, so they are not added).
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind;
    if (kind === perf.NODE_PERFORMANCE_GC_MAJOR || kind === perf.NODE_PERFORMANCE_GC_MINOR)
      gcMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

// Time every session.run (generation, training step, reference scorer).
let ortMs = 0;
let ortCalls = 0;
const proto = (InferenceSession as unknown as { prototype: { run: (...a: unknown[]) => Promise<unknown> } })
  .prototype;
const originalRun = proto.run;
proto.run = async function (this: unknown, ...args: unknown[]) {
  const t = performance.now();
  try {
    return await originalRun.apply(this, args);
  } finally {
    ortMs += performance.now() - t;
    ortCalls++;
  }
};

// Split the time outside ORT: the sampler's generation loop (@proj/models), the training step's host work
// (@proj/runtime: optimiser update, gradient norm), and the rest, which is the trainer's own code.
const inside = { generate: { wall: 0, ort: 0 }, train: { wall: 0, ort: 0 } };
function timed<T extends object>(
  target: T,
  key: keyof T & string,
  slot: { wall: number; ort: number },
): void {
  const fn = target[key] as unknown as (...a: unknown[]) => Promise<unknown>;
  (target as Record<string, unknown>)[key] = async function (this: unknown, ...args: unknown[]) {
    const t = performance.now();
    const o = ortMs;
    try {
      return await fn.apply(this, args);
    } finally {
      slot.wall += performance.now() - t;
      slot.ort += ortMs - o;
    }
  };
}
timed(LocalLanguageModel.prototype, 'generate', inside.generate);
timed(TrainStep.prototype, 'run', inside.train);

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const charTokenizer = CharTokenizer.create(`${ALPHABET}>`);
const byteTokenizer = ByteTokenizer.create();
const MODELS = {
  // The char-level test model of this package (vocab 31).
  tiny: {
    tokenizer: charTokenizer,
    config: gpt2Config({
      vocabSize: charTokenizer.vocabSize,
      dModel: 64,
      nLayers: 2,
      nHeads: 4,
      maxPositions: 32,
      eosTokenId: charTokenizer.eosTokenId,
    }),
  },
  // The project's benchmark "small" GPT (d 128, 2 layers, 4 heads) over bytes.
  small: {
    tokenizer: byteTokenizer,
    config: gpt2Config({
      vocabSize: byteTokenizer.vocabSize,
      dModel: 128,
      nLayers: 2,
      nHeads: 4,
      maxPositions: 64,
      eosTokenId: byteTokenizer.eosTokenId,
    }),
  },
} as const;
type Task = { prompt: string; target: string };

interface Row {
  model: string;
  name: string;
  parameters: number;
  /** Medians over the measured steps (ms). */
  stepMs: number;
  ortMs: number;
  ortCalls: number;
  /** Median over the steps of each step's share outside ORT session.run. */
  overheadMedian: number;
  /** Fraction of the step time outside ORT session.run (over all measured steps). */
  overhead: number;
  /** Of the step time: outside ORT in the generation loop, in the training step's host work, elsewhere. */
  generationLoop: number;
  trainHost: number;
  trainerOwn: number;
  /** Of the step time: garbage collection pauses (inside the three parts above). */
  gc: number;
  phases: Record<string, number>;
}

interface Sample {
  total: number;
  ort: number;
  calls: number;
  gen: number;
  train: number;
  gc: number;
  phases: Record<string, number>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const sum = (xs: Sample[], k: 'total' | 'ort' | 'gen' | 'train' | 'gc') => xs.reduce((a, x) => a + x[k], 0);

const CONFIGS: [string, Partial<RLTrainerOptions<Task>>][] = [
  ['ppo k=1, live weights (default)', {}],
  ['ppo k=2, live weights', { innerSteps: 2 }],
  ['ppo k=1 + kl 0.04 (reference scorer)', { loss: { kind: 'ppo', klCoef: 0.04 } }],
  ['ppo k=1, optimiser in the graph', { update: 'graph' }],
  ['ppo k=1, recompile sampler per batch', { weightSync: 'recompile' }],
  [
    'ppo k=1, ORT threads spinning',
    { session: { intraOpNumThreads: 2, sessionConfig: { 'session.intra_op.allow_spinning': '1' } } },
  ],
];

/** Configurations stepped in a pass of their own (see measureModel). */
const solo = (o: Partial<RLTrainerOptions<Task>>) =>
  o.weightSync === 'recompile' || o.session?.sessionConfig?.['session.intra_op.allow_spinning'] === '1';

/**
 * The configurations of one model, stepped round-robin (one step of each per round) so that load changes on
 * the shared machine hit all of them alike; medians per configuration. Two comparison configurations run
 * in passes of their own after them, as they would disturb their neighbours: each recompile leaves megabytes of
 * garbage (model bytes, a session) whose collection would land in the next configuration's step, and spinning
 * ONNX Runtime threads keep the cores busy after their session's run.
 */
async function measureModel(model: keyof typeof MODELS): Promise<Row[]> {
  const { tokenizer, config } = MODELS[model];
  const rng = new Rng(5);
  const word = () => Array.from({ length: 4 }, () => ALPHABET[rng.int(26)]).join('');
  const tasks = (): Task[] =>
    Array.from({ length: 8 }, () => {
      const w = word();
      return { prompt: `${w}>`, target: [...w].reverse().join('') };
    });
  const trainers = await Promise.all(
    CONFIGS.map(([, extra]) =>
      RLTrainer.create<Task>({
        policy: { config, store: new ParameterStore({ seed: 1 }), tokenizer },
        reward: (text, t) => (text === t.target ? 1 : 0),
        groupSize: 8,
        maxNewTokens: 8,
        lr: 1e-3,
        seed: 3,
        session: { intraOpNumThreads: 2 },
        ...extra,
      }),
    ),
  );
  const samples: Sample[][] = CONFIGS.map(() => []);
  const passes = [
    CONFIGS.flatMap(([, o], c) => (solo(o) ? [] : [c])),
    ...CONFIGS.flatMap(([, o], c) => (solo(o) ? [[c]] : [])),
  ];
  for (const pass of passes)
    for (let round = 0; round < WARMUP + STEPS; round++) {
      for (const c of pass) {
        const batch = tasks();
        const o = ortMs;
        const calls = ortCalls;
        const g = { ...inside.generate };
        const tr = { ...inside.train };
        const gc = gcMs;
        const t = performance.now();
        const m = await trainers[c].step(batch);
        const total = performance.now() - t;
        if (round < WARMUP) continue;
        samples[c].push({
          total,
          ort: ortMs - o,
          calls: ortCalls - calls,
          gen: inside.generate.wall - g.wall - (inside.generate.ort - g.ort),
          train: inside.train.wall - tr.wall - (inside.train.ort - tr.ort),
          gc: gcMs - gc,
          phases: m.timings,
        });
      }
    }
  let parameters = 0;
  for (const t of trainers[0].parameters().values()) parameters += t.size;
  for (const t of trainers) await t.dispose();
  return CONFIGS.map(([name], c) => {
    const xs = samples[c];
    const phases: Record<string, number> = {};
    for (const k of Object.keys(xs[0].phases)) phases[k] = median(xs.map((x) => x.phases[k]));
    return {
      model,
      name,
      parameters,
      stepMs: median(xs.map((x) => x.total)),
      ortMs: median(xs.map((x) => x.ort)),
      ortCalls: median(xs.map((x) => x.calls)),
      overheadMedian: median(xs.map((x) => 1 - x.ort / x.total)),
      // Shares as ratios of sums over the measured steps, so the parts add up to the whole.
      overhead: 1 - sum(xs, 'ort') / sum(xs, 'total'),
      generationLoop: sum(xs, 'gen') / sum(xs, 'total'),
      trainHost: sum(xs, 'train') / sum(xs, 'total'),
      trainerOwn: (sum(xs, 'total') - sum(xs, 'ort') - sum(xs, 'gen') - sum(xs, 'train')) / sum(xs, 'total'),
      gc: sum(xs, 'gc') / sum(xs, 'total'),
      phases,
    };
  });
}

interface Run {
  /** 1-minute load average before and after the run. */
  load: [number, number];
  rows: Row[];
}

const runs: Run[] = [];
for (let r = 0; r < RUNS; r++) {
  const before = loadavg()[0];
  const rows: Row[] = [];
  for (const model of ['tiny', 'small'] as const) rows.push(...(await measureModel(model)));
  runs.push({ load: [before, loadavg()[0]], rows });
  console.log(`run ${r + 1}/${RUNS}: load average ${before.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
}

// Per configuration: the run with the median step-overhead (so its parts stay consistent with each other).
const rows: Row[] = runs[0].rows.map((_, i) => {
  const byOverhead = runs.map((run) => run.rows[i]).sort((a, b) => a.overheadMedian - b.overheadMedian);
  return byOverhead[(byOverhead.length - 1) >> 1];
});

interface SamplerRow {
  model: string;
  newTokens: number;
  /** Median generate() time (ms) and the ONNX Runtime part of it, per graph. */
  staticCacheMs: number;
  staticCacheOrtMs: number;
  optimumMs: number;
  optimumOrtMs: number;
}

/**
 * Generation only (8 prompts x 8 samples, random weights fed live) through the two decode graphs, interleaved
 * call by call. Both sample the same tokens (same seeds, same math), so the time difference is the graph's.
 */
async function measureSampler(model: keyof typeof MODELS, newTokens: number, iters: number) {
  const { tokenizer } = MODELS[model];
  const config = { ...MODELS[model].config, maxPositions: 128 };
  const store = new ParameterStore({ seed: 1 });
  buildDecoderGraph(config, store);
  const weights = store.tensors();
  // The trainer's session options (ONNX Runtime's thread spinning off, see trainerSession).
  const session = trainerSession({ intraOpNumThreads: 2 });
  const optimum = await compileWithLiveWeights(
    buildDecoderGraph(config, store, { kvCache: true }).g,
    () => weights,
    session,
  );
  const lms = [
    await liveWeightsModel(config, store, tokenizer, () => weights, { session, maxBatch: 64 }),
    new LocalLanguageModel(new OnnxDecoderRunner(optimum, config.vocabSize), tokenizer, {
      maxBatch: 64,
      maxPositions: config.maxPositions,
    }),
  ];
  const prompts = ['abcd>', 'efgh>', 'ijkl>', 'mnop>', 'qrst>', 'uvwx>', 'yzab>', 'cdef>'];
  const wall: number[][] = [[], []];
  const ort: number[][] = [[], []];
  for (let i = 0; i < WARMUP + iters; i++) {
    for (let k = 0; k < lms.length; k++) {
      const t = performance.now();
      const o = ortMs;
      await lms[k].generate(prompts, { n: 8, maxNewTokens: newTokens, seed: i });
      if (i < WARMUP) continue;
      wall[k].push(performance.now() - t);
      ort[k].push(ortMs - o);
    }
  }
  for (const lm of lms) await lm.dispose();
  return {
    model,
    newTokens,
    staticCacheMs: median(wall[0]),
    staticCacheOrtMs: median(ort[0]),
    optimumMs: median(wall[1]),
    optimumOrtMs: median(ort[1]),
  };
}

const samplerRows: SamplerRow[] = [];
for (const model of ['tiny', 'small'] as const) {
  samplerRows.push(await measureSampler(model, 8, 40), await measureSampler(model, 64, 10));
}

const w = Math.max(...rows.map((r) => r.name.length)) + 8;
/** Rows that show a non-default choice for comparison (no target). */
const comparison = (name: string) => name.includes('recompile') || name.includes('spinning');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(
  `\nRLTrainer overhead: 8 prompts x G=8 samples, <= 8 new tokens; ${STEPS} steps per configuration and run, configurations interleaved (the two comparison ones each in a pass of its own), after ${WARMUP} warm-up rounds; ${RUNS} runs, the median run shown (by per-step overhead); ms are medians over steps, parts are shares of the summed step time`,
);
for (const [m, { config }] of Object.entries(MODELS)) {
  console.log(`  ${m}: gpt2 d=${config.dModel}, ${config.nLayers} layers, vocab ${config.vocabSize}`);
}
console.log(
  `${'model / config'.padEnd(w)}  ${'step ms'.padStart(8)}  ${'ORT ms'.padStart(7)}  ${'calls'.padStart(5)}  ${'outside ORT'.padStart(11)}  ${'gen loop'.padStart(8)}  ${'train host'.padStart(10)}  ${'trainer'.padStart(7)}  ${'(gc)'.padStart(6)}  ${'runs'.padStart(17)}  target < ${TARGET * 100}%: outside ORT / trainer`,
);
rows.forEach((r, i) => {
  const all = runs.map((run) => run.rows[i].overheadMedian).sort((a, b) => a - b);
  const mark = (x: number) => (x < TARGET ? 'ok' : 'MISSED');
  console.log(
    `${`${r.model}  ${r.name}`.padEnd(w)}  ${r.stepMs.toFixed(2).padStart(8)}  ${r.ortMs.toFixed(2).padStart(7)}  ${r.ortCalls.toFixed(0).padStart(5)}  ${pct(r.overheadMedian).padStart(11)}  ${pct(r.generationLoop).padStart(8)}  ${pct(r.trainHost).padStart(10)}  ${pct(r.trainerOwn).padStart(7)}  ${pct(r.gc).padStart(6)}  ${`${pct(all[0])}..${pct(all[all.length - 1])}`.padStart(17)}  ${comparison(r.name) ? '(comparison)' : `${mark(r.overheadMedian)} / ${mark(r.trainerOwn)}`}`,
  );
});
console.log(
  '\n"outside ORT" = median over steps of the time outside session.run; its parts (shares of the summed time): gen loop (@proj/models sampling loop and static-cache bookkeeping) + train host (@proj/runtime optimiser update) + trainer (this package: rewards, advantages, packing, metrics, weight feeding); gc = garbage collection pauses within those. "runs" = the range of "outside ORT" over the runs.',
);
console.log(
  `load average per run: ${runs.map((r) => `${r.load[0].toFixed(2)}->${r.load[1].toFixed(2)}`).join(', ')}`,
);
console.log('\nphase wall times (ms, ORT included):');
for (const r of rows) {
  console.log(
    `${`${r.model}  ${r.name}`.padEnd(w)}  ${Object.entries(r.phases)
      .map(([k, v]) => `${k.replace(/Ms$/, '')} ${v.toFixed(2)}`)
      .join('  ')}`,
  );
}
for (const m of Object.keys(MODELS)) {
  const live = rows.find((r) => r.model === m && r.name.includes('default')) as Row;
  const re = rows.find((r) => r.model === m && r.name.includes('recompile')) as Row;
  const spin = rows.find((r) => r.model === m && r.name.includes('spinning')) as Row;
  console.log(
    `weight sync (${m}): recompiling the sampler per batch costs ${re.phases.syncMs.toFixed(2)} ms per step; feeding live weights costs no sync (step ${live.stepMs.toFixed(2)} vs ${re.stepMs.toFixed(2)} ms, in separate passes).`,
  );
  console.log(
    `thread spinning (${m}): step ${spin.stepMs.toFixed(2)} ms with ONNX Runtime's spinning on, ${live.stepMs.toFixed(2)} ms off (the trainer's default): ${(spin.stepMs / live.stepMs).toFixed(2)}x.`,
  );
}

console.log(
  '\nsampler graph, live weights: generate() of 8 prompts x 8 samples (ms, medians; ORT part in parentheses)',
);
for (const r of samplerRows) {
  console.log(
    `  ${r.model.padEnd(5)}  ${String(r.newTokens).padStart(2)} new tokens: static cache ${r.staticCacheMs.toFixed(2)} (${r.staticCacheOrtMs.toFixed(2)}), Optimum IO ${r.optimumMs.toFixed(2)} (${r.optimumOrtMs.toFixed(2)}): ${(r.optimumMs / r.staticCacheMs).toFixed(2)}x`,
  );
}

const results = {
  name: 'rl-objectives-trainer',
  date: new Date().toISOString(),
  node: process.version,
  models: Object.fromEntries(
    Object.entries(MODELS).map(([k, v]) => [
      k,
      { ...v.config, parameters: rows.find((r) => r.model === k)?.parameters },
    ]),
  ),
  steps: STEPS,
  runs: RUNS,
  targetOverhead: TARGET,
  /** The median run per configuration (as printed). */
  rows,
  /** Every run, with the load average before and after it. */
  allRuns: runs,
  /** The sampler's decode graph: static cache (used) versus Optimum IO, generation only. */
  sampler: samplerRows,
};
const target =
  process.env.OUT ?? join(here, '..', '..', '..', 'bench', 'results', 'rl-objectives-trainer.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(`${target}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
renameSync(`${target}.tmp`, target);
console.log(`\nwrote ${target}`);
if (rows.some((r) => !comparison(r.name) && r.trainerOwn >= TARGET)) process.exitCode = 1;
