/**
 * Overhead of RLTrainer on the project's tiny LM (and the benchmark "small" GPT): how much of an RL step is
 * spent outside ONNX Runtime's session.run, as a share of the step. Every InferenceSession.run is timed by
 * patching the class, so "model compute" is exactly the time inside ORT calls; the rest is split into the
 * sampler's generation loop (@proj/models: token sampling, KV-cache bookkeeping), the training step's host work
 * (@proj/runtime: optimiser update, gradient norm) and the trainer's own code (this package: rewards,
 * advantages, batch packing, metrics, weight feeding). Target: the trainer's own share under 10%.
 *
 * Also compares the two ways the sampler follows the weights: live weights fed as graph inputs (default)
 * versus rebuilding + recompiling the inference session after each batch.
 *
 * Run: npm run bench -w @proj/rl-objectives   (writes bench/results/rl-objectives-trainer.json)
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ByteTokenizer, CharTokenizer, gpt2Config, LocalLanguageModel, ParameterStore } from '@proj/models';
import { Rng, TrainStep } from '@proj/runtime';
import { InferenceSession } from 'onnxruntime-node';
import { RLTrainer, type RLTrainerOptions } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const WARMUP = 3;
const STEPS = Number(process.env.STEPS ?? 30);
const TARGET = 0.1;

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
  /** Fraction of the step time outside ORT session.run (over all measured steps). */
  overhead: number;
  /** Of the step time: outside ORT in the generation loop, in the training step's host work, elsewhere. */
  generationLoop: number;
  trainHost: number;
  trainerOwn: number;
  phases: Record<string, number>;
}

interface Sample {
  total: number;
  ort: number;
  calls: number;
  gen: number;
  train: number;
  phases: Record<string, number>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const sum = (xs: Sample[], k: 'total' | 'ort' | 'gen' | 'train') => xs.reduce((a, x) => a + x[k], 0);

const CONFIGS: [string, Partial<RLTrainerOptions<Task>>][] = [
  ['ppo k=1, live weights (default)', {}],
  ['ppo k=2, live weights', { innerSteps: 2 }],
  ['ppo k=1 + kl 0.04 (reference scorer)', { loss: { kind: 'ppo', klCoef: 0.04 } }],
  ['ppo k=1, optimiser in the graph', { update: 'graph' }],
  ['ppo k=1, recompile sampler per batch', { weightSync: 'recompile' }],
];

/**
 * The configurations of one model, stepped round-robin (one step of each per round) so that load changes on
 * the shared machine hit all of them alike; medians per configuration.
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
  for (let round = 0; round < WARMUP + STEPS; round++) {
    for (let c = 0; c < trainers.length; c++) {
      const batch = tasks();
      const o = ortMs;
      const calls = ortCalls;
      const g = { ...inside.generate };
      const tr = { ...inside.train };
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
      // Shares as ratios of sums over the measured steps, so the parts add up to the whole.
      overhead: 1 - sum(xs, 'ort') / sum(xs, 'total'),
      generationLoop: sum(xs, 'gen') / sum(xs, 'total'),
      trainHost: sum(xs, 'train') / sum(xs, 'total'),
      trainerOwn: (sum(xs, 'total') - sum(xs, 'ort') - sum(xs, 'gen') - sum(xs, 'train')) / sum(xs, 'total'),
      phases,
    };
  });
}

const rows: Row[] = [];
for (const model of ['tiny', 'small'] as const) rows.push(...(await measureModel(model)));

const w = Math.max(...rows.map((r) => r.name.length)) + 8;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(
  `\nRLTrainer overhead: 8 prompts x G=8 samples, <= 8 new tokens; ${STEPS} steps per configuration, configurations interleaved, after ${WARMUP} warm-up rounds; ms are medians, shares are of the summed step time`,
);
for (const [m, { config }] of Object.entries(MODELS)) {
  console.log(`  ${m}: gpt2 d=${config.dModel}, ${config.nLayers} layers, vocab ${config.vocabSize}`);
}
console.log(
  `${'model / config'.padEnd(w)}  ${'step ms'.padStart(8)}  ${'ORT ms'.padStart(7)}  ${'calls'.padStart(5)}  ${'outside ORT'.padStart(11)}  ${'gen loop'.padStart(8)}  ${'train host'.padStart(10)}  ${'trainer'.padStart(7)}  target: trainer < ${TARGET * 100}%`,
);
for (const r of rows) {
  console.log(
    `${`${r.model}  ${r.name}`.padEnd(w)}  ${r.stepMs.toFixed(2).padStart(8)}  ${r.ortMs.toFixed(2).padStart(7)}  ${r.ortCalls.toFixed(0).padStart(5)}  ${pct(r.overhead).padStart(11)}  ${pct(r.generationLoop).padStart(8)}  ${pct(r.trainHost).padStart(10)}  ${pct(r.trainerOwn).padStart(7)}  ${r.name.includes('recompile') ? '(comparison)' : r.trainerOwn < TARGET ? 'ok' : 'MISSED'}`,
  );
}
console.log(
  '\n"outside ORT" = gen loop (@proj/models sampling loop) + train host (@proj/runtime optimiser update) + trainer (this package: rewards, advantages, packing, metrics, weight feeding).',
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
  console.log(
    `weight sync (${m}): recompiling the sampler per batch costs ${re.phases.syncMs.toFixed(2)} ms per step; feeding live weights costs no sync (step ${live.stepMs.toFixed(2)} vs ${re.stepMs.toFixed(2)} ms).`,
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
  targetOverhead: TARGET,
  rows,
};
const target = join(here, '..', '..', '..', 'bench', 'results', 'rl-objectives-trainer.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(`${target}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
renameSync(`${target}.tmp`, target);
console.log(`\nwrote ${target}`);
if (rows.some((r) => !r.name.includes('recompile') && r.trainerOwn >= TARGET)) process.exitCode = 1;
