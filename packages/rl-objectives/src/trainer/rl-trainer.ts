import {
  buildLmTrainingGraph,
  type DecoderConfig,
  type Generation,
  type LocalLanguageModel,
  ParameterStore,
  type Tokenizer,
} from '@proj/models';
import {
  adamw,
  type CompiledGraph,
  compile,
  compileTrainStep,
  constantLr,
  type Feeds,
  type OptimizerSpec,
  type Schedule,
  type SessionOptions,
  Tensor,
  type TrainStep,
} from '@proj/runtime';
import { InvalidValueError } from '../core/errors.js';
import type { Answer } from '../exploration/bonuses.js';
import { AnswerCounter } from '../exploration/counter.js';
import { tokenLogprobs } from '../graph-losses/token-terms.js';
import { packSequences, TokenLogprobRecorder } from './batch.js';
import {
  ADVANTAGE_ESTIMATORS,
  type AdvantageEstimatorName,
  type CustomAdvantageEstimator,
  type EstimatorOptions,
  estimateAdvantages,
} from './estimators.js';
import { buildPolicyTrainingGraph, type RLLossOptions } from './graph.js';
import { type BatchOutcomeStats, batchOutcomeStats } from './metrics.js';
import { frozenModel, liveWeightsModel } from './sampler.js';

/**
 * A prompt to train on: its text and an optional id (keys the exploration counter; default the prompt).
 * Extra fields (the reference answer, test cases...) reach the reward function untouched.
 * @example
 * ```ts
 * const task = { id: 'q1', prompt: '3+4=', answer: '7' };
 * ```
 */
export interface RLTask {
  /** The prompt text the policy completes (encoded with the policy's tokenizer). */
  prompt: string;
  /** Question id for the exploration counter and batch grouping of answers. Default: the prompt. */
  id?: string;
}

/**
 * What a verifier returns for one completion: the reward, whether it is correct (for pass@k; default
 * reward > 0) and its final answer (for distinct-answer counts and exploration bonuses; default the
 * trainer's `answer` option applied to the text).
 * @example
 * ```ts
 * const r: RewardResult = { reward: 1, correct: true, answer: '7' };
 * ```
 */
export interface RewardResult {
  /** The scalar reward of the completion (any finite number; LENS needs [0, 1]). */
  reward: number;
  /** Whether the completion is correct, for pass@k. Default: reward > 0. */
  correct?: boolean;
  /** The completion's final answer, or null for none. Default: the trainer's `answer` option on the text. */
  answer?: string | null;
}

/**
 * The verifier: scores one sampled completion of a task (may be async, e.g. running tests).
 * @example
 * ```ts
 * const exact: RewardFunction<{ prompt: string; answer: string }> = (text, task) => (text === task.answer ? 1 : 0);
 * ```
 */
export type RewardFunction<T extends RLTask> = (
  completion: string,
  task: T,
  sample: Generation,
) => number | RewardResult | Promise<number | RewardResult>;

/**
 * A trainable local decoder: its config, its weights (updated in place by {@link RLTrainer.syncStore}) and its
 * tokenizer, e.g. what `loadDecoderFolder` returns.
 * @example
 * ```ts
 * const policy: PolicySpec = await loadDecoderFolder('models/tiny');
 * ```
 */
export interface PolicySpec {
  /** The decoder's architecture (vocabulary, width, layers, positions). */
  config: DecoderConfig;
  /** The decoder's weights; the trainer starts from them and {@link RLTrainer.syncStore} writes back. */
  store: ParameterStore;
  /** Encodes prompts and decodes completions; its EOS id is the stop token the policy learns. */
  tokenizer: Tokenizer;
}

/**
 * Options of {@link RLTrainer.create}.
 * @example
 * ```ts
 * const o: RLTrainerOptions<Task> = { policy, reward, groupSize: 8, estimator: 'lens', innerSteps: 2 };
 * ```
 */
export interface RLTrainerOptions<T extends RLTask> {
  /** The local decoder to train. Required. */
  policy: PolicySpec;
  /** The verifier that scores each sampled completion. Required. */
  reward: RewardFunction<T>;
  /** Samples per prompt (G). */
  groupSize: number;
  /** Built-in estimator name or a custom function. Default `'grpo'`. */
  estimator?: AdvantageEstimatorName | CustomAdvantageEstimator;
  /** Options of the estimator (GRPO scaling, LENS, exploration bonuses, a shared answer counter...). */
  estimatorOptions?: EstimatorOptions;
  /** Policy loss (default PPO, clip 0.2, token-mean), KL and entropy terms. */
  loss?: RLLossOptions;
  /** Optimiser steps per sampled batch (k; PPO-style reuse of the samples). Default 1. */
  innerSteps?: number;
  /** Default AdamW without weight decay. */
  optimizer?: OptimizerSpec;
  /** Learning rate per optimiser step (number or schedule over optimiser steps). Default 1e-4. */
  lr?: number | Schedule;
  /** Clip gradients to this global norm. Default 1. */
  maxGradNorm?: number;
  /**
   * Where the optimiser update runs (the runtime's `TrainStep` option): `'host'` (default; in-place updates
   * of flat buffers, which the sampler reads directly) or `'graph'` (forward, backward and update in one ONNX
   * Runtime call).
   */
  update?: 'host' | 'graph';
  /** Sampling temperature (the loss uses the same one). Default 1. */
  temperature?: number;
  /** Longest completion. Default 64. */
  maxNewTokens?: number;
  /** Stop strings (their tokens stay in the trained completion). */
  stop?: readonly string[];
  /** pass@k values reported per step (each <= groupSize). Default [1, groupSize]. */
  passK?: readonly number[];
  /** Final answer of a completion when the reward function gives none. Default: the trimmed text. */
  answer?: (completion: string) => Answer;
  /** Seed of the sampling (each step derives its own). Default 0. */
  seed?: number;
  /**
   * How the sampler follows the weights: `'inputs'` (default) feeds the training buffers to the inference
   * session as inputs; `'recompile'` rebuilds and recompiles it after each batch (slower; kept for
   * comparison).
   */
  weightSync?: 'inputs' | 'recompile';
  /**
   * ONNX Runtime session options of every session the trainer creates (set intraOpNumThreads). The trainer
   * turns off intra-op thread spinning unless `sessionConfig` sets `session.intra_op.allow_spinning`.
   */
  session?: SessionOptions;
  /** Most sequences per generation forward. Default 64. */
  maxBatch?: number;
}

/**
 * Everything measured in one RL step (one sampled batch and its k optimiser steps).
 * @example
 * ```ts
 * const m = await trainer.step(tasks);
 * console.log(m.reward, m.passAtK[8], m.rescuedGroups, m.timings.totalMs);
 * ```
 */
export interface RLStepMetrics extends BatchOutcomeStats {
  /** 1-based RL step. */
  step: number;
  /** Optimiser steps taken so far. */
  optimizerSteps: number;
  /** Mean completion length in trained tokens (the stop token included). */
  responseLength: number;
  /** Mean entropy of the policy's next-token distribution over completion tokens (before the update). */
  tokenEntropy: number;
  /** Loss of each inner step, averaged. */
  loss: number;
  /** Fraction of tokens whose clipped term was active (verl `pg_clipfrac`), averaged over the inner steps. */
  clipFraction: number;
  /** Fraction of tokens capped by the dual clip (verl `pg_clipfrac_lower`), averaged over the inner steps. */
  clipFractionLower: number;
  /** Masked mean of old - new token log-prob (verl `ppo_kl`), averaged over the inner steps. */
  approxKl: number;
  /** Mean KL estimate to the reference (when `klCoef` is set). */
  kl?: number;
  /** Global L2 norm of the gradient before clipping, averaged over the inner steps. */
  gradNorm: number;
  /** Learning rate of the last inner step. */
  lr: number;
  /** Wall time of each phase (ms). */
  timings: {
    /** Sampling G completions per prompt. */
    generateMs: number;
    /** Building the trained completions and running the reward function. */
    rewardMs: number;
    /** Advantages, outcome statistics and packing the batch. */
    advantageMs: number;
    /** The reference model's forward pass (about 0 without `klCoef`). */
    referenceMs: number;
    /** The k optimiser steps. */
    trainMs: number;
    /** Handing the new weights to the sampler (a recompile with `weightSync: 'recompile'`). */
    syncMs: number;
    /** The whole step. */
    totalMs: number;
  };
}

/**
 * One sample of the last batch, for inspection.
 * @example
 * ```ts
 * trainer.lastBatch.filter((s) => s.correct).map((s) => s.text);
 * ```
 */
export interface RolloutSample<T extends RLTask> {
  /** The task the sample answers. */
  task: T;
  /** The decoded completion, as the reward function saw it. */
  text: string;
  /** Trained completion tokens (generated tokens plus the EOS when the sample stopped on it). */
  tokenIds: number[];
  /** Behaviour log-probs of those tokens (from the first training pass, before any update). */
  logprobs: number[];
  /** The reward the verifier gave. */
  reward: number;
  /** Whether it counted as correct (the verifier's `correct`, or reward > 0). */
  correct: boolean;
  /** The final answer used for distinct-answer counts and exploration (null / undefined: none). */
  answer: Answer;
  /** The advantage the sample was trained with. */
  advantage: number;
}

/**
 * Online RL over a local decoder (GRPO / PPO / GSPO / CISPO / REINFORCE with any advantage estimator of this
 * package, or your own): each step samples G completions per prompt from the current policy, scores them
 * with the verifier, computes advantages, takes k optimiser steps on the policy loss, and reports
 * reward, pass@k, distinct answers, token entropy, response length, zero-advantage groups and how many
 * of them LENS (or an exploration bonus) rescued.
 *
 * Old log-probs: the first inner step feeds `old_is_current`, so the loss uses the current log-probs with
 * no gradient (exact: the weights have not moved since sampling); later inner steps feed the log-probs the
 * first step computed. The sampler reads the training buffers as graph inputs (see `weightSync`).
 *
 * @example
 * ```ts
 * const trainer = await RLTrainer.create({
 *   policy: await loadDecoderFolder('models/tiny'),
 *   reward: (text, task) => (text === task.answer ? 1 : 0),
 *   groupSize: 8, estimator: 'lens', loss: { kind: 'ppo', clipHigh: 0.28 }, lr: 1e-3, maxNewTokens: 4,
 * });
 * for (let s = 0; s < 100; s++) console.log((await trainer.step(nextTasks(s))).reward);
 * trainer.syncStore();
 * await trainer.dispose();
 * ```
 */
export class RLTrainer<T extends RLTask> {
  /** RL steps (sampled batches) done. */
  stepCount = 0;
  /** Persistent answer counts of the UCB exploration estimators. */
  readonly counter: AnswerCounter;
  private readonly recorder: TokenLogprobRecorder | null;
  private readonly eos: number | undefined;
  private readonly schedule: Schedule;
  /** The last step's samples, built on first read of {@link lastBatch} (most steps are never inspected). */
  private lastRollout: (() => RolloutSample<T>[]) | RolloutSample<T>[] = [];
  /** Zeros for `old_logprobs` on the first inner step (read there only for its shape); grown as needed. */
  private zeros = new Float32Array(0);

  private constructor(
    private readonly options: RLTrainerOptions<T>,
    /** The compiled training step (parameters and optimiser state live there). */
    readonly trainStep: TrainStep,
    private sampler: LocalLanguageModel,
    private readonly reference: CompiledGraph | null,
    private readonly needsOld: boolean,
    private readonly weights: { current: Map<string, Tensor> },
  ) {
    const lr = options.lr ?? 1e-4;
    this.schedule = typeof lr === 'number' ? constantLr(lr) : lr;
    this.counter = options.estimatorOptions?.counter ?? new AnswerCounter();
    this.eos = options.policy.tokenizer.eosTokenId;
    // Only estimators that read the rollout log-probs (LENS's confidence, custom ones) need the stop token's
    // behaviour log-prob before training; everyone else gets all log-probs from the first training pass.
    const e = options.estimator ?? 'grpo';
    const needs = e === 'lens' || typeof e === 'function';
    this.recorder =
      this.eos === undefined || !needs ? null : new TokenLogprobRecorder(this.eos, options.temperature ?? 1);
  }

  /**
   * Build the training graph, compile the training step, the sampler and (with `klCoef`) the reference
   * scorer, which keeps the initial weights.
   *
   * @throws {InvalidValueError} for bad options (group size, inner steps, estimator, pass@k values, ...).
   * @example
   * ```ts
   * const trainer = await RLTrainer.create({ policy, reward, groupSize: 8, estimator: 'rloo' });
   * ```
   */
  static async create<T extends RLTask>(options: RLTrainerOptions<T>): Promise<RLTrainer<T>> {
    validate(options);
    const { config, store, tokenizer } = options.policy;
    const session = trainerSession(options.session);
    const t = buildPolicyTrainingGraph(config, store, {
      loss: options.loss,
      temperature: options.temperature,
    });
    const trainStep = await compileTrainStep(t.g, {
      ...session,
      loss: t.loss,
      metrics: t.metrics,
      optimizer: options.optimizer ?? adamw({ weightDecay: 0 }),
      maxGradNorm: options.maxGradNorm ?? 1,
      update: options.update,
    });
    let reference: CompiledGraph | null = null;
    if (t.needsRef) {
      // The reference keeps the initial weights (copies), baked in as initializers.
      const frozen = new ParameterStore({
        tensors: new Map([...store.tensors()].map(([k, v]) => [k, v.clone()])),
      });
      const r = buildLmTrainingGraph(config, frozen, { batch: 'batch', seq: 'seq' });
      const lp = tokenLogprobs(r.logits, r.labels, { temperature: options.temperature });
      reference = await compile(r.g, { ...session, outputs: { token_logprobs: lp } });
    }
    const maxBatch = options.maxBatch ?? 64;
    // The sampler's weights: the training step's tensors, re-read after each optimiser step (the host
    // optimiser updates them in place; the graph-mode one returns new tensors).
    const weights = { current: trainStep.params() };
    const sampler =
      (options.weightSync ?? 'inputs') === 'inputs'
        ? await liveWeightsModel(config, store, tokenizer, () => weights.current, { session, maxBatch })
        : await frozenModel(config, copyParams(trainStep), tokenizer, { session, maxBatch });
    return new RLTrainer(options, trainStep, sampler, reference, t.needsOld, weights);
  }

  /** The samples of the last step. */
  get lastBatch(): RolloutSample<T>[] {
    if (typeof this.lastRollout === 'function') this.lastRollout = this.lastRollout();
    return this.lastRollout;
  }

  /** A language model sampling the current policy (it follows every update). */
  get languageModel(): LocalLanguageModel {
    return this.sampler;
  }

  /** Copies of the current parameters by name. */
  parameters(): Map<string, Tensor> {
    return copyParams(this.trainStep);
  }

  /** Write the trained parameters into the policy's ParameterStore (e.g. before `saveDecoderFolder`). */
  syncStore(): void {
    for (const [k, v] of this.parameters()) this.options.policy.store.set(k, v);
  }

  /**
   * One RL step on a batch of tasks: sample `groupSize` completions of each, score, estimate advantages,
   * take `innerSteps` optimiser steps. Returns the step's metrics.
   *
   * @throws {InvalidValueError} when `tasks` is empty or the reward function returns a non-finite reward.
   * @example
   * ```ts
   * const m = await trainer.step([{ id: 'q1', prompt: '3+4=', answer: '7' }]);
   * m.reward; m.passAtK[1]; m.timings.totalMs;
   * ```
   */
  async step(tasks: readonly T[]): Promise<RLStepMetrics> {
    if (!Array.isArray(tasks) || tasks.length === 0) {
      throw new InvalidValueError('step needs a non-empty array of tasks ({ prompt, id? }).');
    }
    const o = this.options;
    const G = o.groupSize;
    const tok = o.policy.tokenizer;
    const t0 = performance.now();
    const seed = (Math.imul((o.seed ?? 0) ^ 0x5bd1e995, 2654435761) + this.stepCount * 40503) >>> 0;
    this.recorder?.clear();
    const generations = await this.sampler.generate(
      tasks.map((t) => t.prompt),
      {
        n: G,
        temperature: o.temperature ?? 1,
        maxNewTokens: o.maxNewTokens ?? 64,
        stop: o.stop,
        seed,
        logitsProcessors: this.recorder ? [this.recorder] : undefined,
      },
    );
    const t1 = performance.now();

    // Trained completions: generated tokens, plus the EOS when the sample stopped on it.
    const stops = o.stop ?? [];
    const n = tasks.length * G;
    const rows: Rollout<T>[] = new Array(n);
    for (let p = 0; p < tasks.length; p++) {
      const task = tasks[p];
      const prompt = this.sampler.encodePrompt(task.prompt);
      for (let s = 0; s < G; s++) {
        const gen = generations[p][s];
        let completion = gen.tokenIds;
        let logprobs = gen.logprobs;
        // A 'stop' that no stop string explains was the EOS (the only stop token the trainer sets).
        if (
          gen.finishReason === 'stop' &&
          this.eos !== undefined &&
          !endsOnStopString(tok, gen.tokenIds, stops)
        ) {
          completion = [...completion, this.eos];
          if (this.recorder) logprobs = [...logprobs, this.recorder.at(p, s, gen.tokenIds.length) as number];
        }
        rows[p * G + s] = { prompt, completion, logprobs, gen, task };
      }
    }

    // Verifiers are usually synchronous: await only when one returned a promise.
    const results = rows.map((r) => o.reward(r.gen.text, r.task, r.gen));
    const scored = results.some(isThenable)
      ? await Promise.all(results)
      : (results as (number | RewardResult)[]);
    const rewards = new Float64Array(n);
    const correct: boolean[] = new Array(n);
    const answers: Answer[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const s = scored[i];
      const res: RewardResult = typeof s === 'number' ? { reward: s } : s;
      if (
        res === null ||
        typeof res !== 'object' ||
        typeof res.reward !== 'number' ||
        !Number.isFinite(res.reward)
      ) {
        throw new InvalidValueError(
          `the reward function returned ${JSON.stringify(s)} for sample ${i}; return a finite number or { reward, correct?, answer? }.`,
        );
      }
      rewards[i] = res.reward;
      correct[i] = res.correct ?? res.reward > 0;
      answers[i] = res.answer !== undefined ? res.answer : (o.answer ?? defaultAnswer)(rows[i].gen.text);
    }
    const t2 = performance.now();

    const estimatorOptions = { ...o.estimatorOptions, counter: this.counter };
    const { advantages } = estimateAdvantages(
      o.estimator ?? 'grpo',
      {
        rewards,
        groupSize: G,
        questionIds: rows.map((r) => r.task.id ?? r.task.prompt),
        answers,
        logprobs: rows.map((r) => r.logprobs),
        lengths: rows.map((r) => r.completion.length),
      },
      estimatorOptions,
    );
    const stats = batchOutcomeStats({
      rewards,
      correct,
      answers,
      advantages,
      groupSize: G,
      passK: o.passK ?? [1, G],
      normalise: o.estimatorOptions?.normalise,
    });
    const packed = packSequences(rows, tok.padTokenId ?? tok.eosTokenId ?? 0);
    const t3 = performance.now();

    const feeds: Feeds = {
      input_ids: packed.inputIds,
      labels: packed.labels,
      loss_mask: packed.lossMask,
      advantages: new Tensor('float32', Float32Array.from(advantages), [n]),
    };
    if (this.reference) {
      const ref = await this.reference({ input_ids: packed.inputIds, labels: packed.labels });
      feeds.ref_logprobs = ref.token_logprobs;
    }
    const t4 = performance.now();

    const k = o.innerSteps ?? 1;
    let lossSum = 0;
    let clip = 0;
    let clipLower = 0;
    let approxKl = 0;
    let kl = 0;
    let gradNorm = 0;
    let lr = 0;
    let entropy = 0;
    let behaviour: Float32Array<ArrayBufferLike> = new Float32Array(0);
    const S = packed.seqLen;
    if (this.needsOld) {
      if (this.zeros.length < n * S) this.zeros = new Float32Array(n * S);
      feeds.old_logprobs = new Tensor('float32', this.zeros.subarray(0, n * S), [n, S]);
      feeds.old_is_current = OLD_IS_CURRENT;
    }
    for (let i = 0; i < k; i++) {
      lr = this.schedule(this.trainStep.stepCount);
      const res = await this.trainStep.run(feeds, { lr });
      const m = res.metrics;
      if (i === 0) {
        entropy = m.entropy.item();
        behaviour = m.token_logprobs.data as Float32Array;
        if (this.needsOld && k > 1) {
          // The first step's log-probs were computed before its update: the behaviour policy's.
          feeds.old_logprobs = m.token_logprobs;
          feeds.old_is_current = OLD_IS_FED;
        }
      }
      lossSum += res.loss;
      clip += m.clip_fraction.item();
      clipLower += m.clip_fraction_lower.item();
      approxKl += m.approx_kl.item();
      if (m.kl) kl += m.kl.item();
      gradNorm += res.gradNorm;
    }
    const t5 = performance.now();
    // The host optimiser updates its buffers in place, so the sampler's tensors stay valid; the graph-mode one
    // returns new tensors (and a grown WebAssembly arena new views): hand those to the sampler.
    const params = this.trainStep.params();
    for (const [name, t] of params) {
      if (this.weights.current.get(name) !== t) {
        this.weights.current = params;
        break;
      }
    }
    if ((o.weightSync ?? 'inputs') === 'recompile') {
      const old = this.sampler;
      this.sampler = await frozenModel(o.policy.config, copyParams(this.trainStep), tok, {
        session: trainerSession(o.session),
        maxBatch: o.maxBatch ?? 64,
      });
      await old.dispose();
    }
    const t6 = performance.now();

    this.stepCount++;
    this.lastRollout = () =>
      rows.map((r, i) => ({
        task: r.task,
        text: r.gen.text,
        tokenIds: r.completion,
        // The first training pass ran the unchanged policy over every trained token (the EOS included).
        logprobs: Array.from(
          behaviour.subarray(i * S + r.prompt.length - 1, i * S + r.prompt.length - 1 + r.completion.length),
        ),
        reward: rewards[i],
        correct: correct[i],
        answer: answers[i],
        advantage: advantages[i],
      }));
    let tokens = 0;
    for (const r of rows) tokens += r.completion.length;
    return {
      step: this.stepCount,
      optimizerSteps: this.trainStep.stepCount,
      ...stats,
      responseLength: tokens / n,
      tokenEntropy: entropy,
      loss: lossSum / k,
      clipFraction: clip / k,
      clipFractionLower: clipLower / k,
      approxKl: approxKl / k,
      ...(this.reference ? { kl: kl / k } : {}),
      gradNorm: gradNorm / k,
      lr,
      timings: {
        generateMs: t1 - t0,
        rewardMs: t2 - t1,
        advantageMs: t3 - t2,
        referenceMs: t4 - t3,
        trainMs: t5 - t4,
        syncMs: t6 - t5,
        totalMs: t6 - t0,
      },
    };
  }

  /**
   * Run `steps` RL steps, asking `tasks(step)` (0-based) for each batch; stops early on `signal`.
   * @returns the metrics of every step done.
   * @example
   * ```ts
   * const history = await trainer.fit((s) => batches[s], { steps: 50, onStep: (m) => console.log(m.loss) });
   * ```
   */
  async fit(
    tasks: (step: number) => readonly T[] | Promise<readonly T[]>,
    options: { steps: number; onStep?: (m: RLStepMetrics) => void; signal?: AbortSignal },
  ): Promise<RLStepMetrics[]> {
    if (!Number.isInteger(options.steps) || options.steps < 0) {
      throw new InvalidValueError(`steps must be an integer >= 0, got ${String(options.steps)}.`);
    }
    const out: RLStepMetrics[] = [];
    for (let s = 0; s < options.steps; s++) {
      if (options.signal?.aborted) break;
      const m = await this.step(await tasks(s));
      out.push(m);
      options.onStep?.(m);
    }
    return out;
  }

  /** Release every ONNX Runtime session. */
  async dispose(): Promise<void> {
    await this.trainStep.dispose();
    await this.sampler.dispose();
    await this.reference?.dispose();
  }
}

/** One sampled completion on its way to training. */
interface Rollout<T extends RLTask> {
  prompt: number[];
  completion: number[];
  logprobs: number[];
  gen: Generation;
  task: T;
}

const OLD_IS_CURRENT = Tensor.scalar(true, 'bool');
const OLD_IS_FED = Tensor.scalar(false, 'bool');

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { then?: unknown }).then === 'function';
}

const SPINNING = 'session.intra_op.allow_spinning';

/**
 * The trainer's session options: the caller's, with ONNX Runtime's intra-op spinning off unless they set it.
 * A pool's threads spin for a while after each run; the trainer alternates between its sessions (sampler,
 * training step, reference) and host work (sampling tokens, rewards) on the same cores, so the spinning
 * threads of one take the CPU the next one needs. Measured on 2 cores (bench/trainer.bench.ts): steps 1.7-1.8x
 * shorter without spinning, on the tiny and the small model. Internal (not exported from the package).
 * @example
 * ```ts
 * trainerSession({ intraOpNumThreads: 2 }); // { intraOpNumThreads: 2, sessionConfig: { 'session.intra_op.allow_spinning': '0' } }
 * ```
 */
export function trainerSession(session: SessionOptions = {}): SessionOptions {
  if (session.sessionConfig?.[SPINNING] !== undefined) return session;
  return { ...session, sessionConfig: { ...session.sessionConfig, [SPINNING]: '0' } };
}

function defaultAnswer(text: string): Answer {
  const a = text.trim();
  return a === '' ? null : a;
}

function endsOnStopString(tok: Tokenizer, ids: readonly number[], stops: readonly string[]): boolean {
  if (stops.length === 0) return false;
  const text = tok.decode(ids, { skipSpecialTokens: true });
  return stops.some((s) => s.length > 0 && text.includes(s));
}

function copyParams(step: TrainStep): Map<string, Tensor> {
  return new Map([...step.params()].map(([k, v]) => [k, v.clone()]));
}

function validate<T extends RLTask>(o: RLTrainerOptions<T>): void {
  if (o === null || typeof o !== 'object')
    throw new InvalidValueError('RLTrainer.create needs an options object.');
  const p = o.policy;
  if (!p || typeof p !== 'object' || !p.config || !p.store || !p.tokenizer) {
    throw new InvalidValueError(
      'policy must be { config, store, tokenizer } (e.g. from loadDecoderFolder, or a config + ParameterStore you built).',
    );
  }
  if (typeof o.reward !== 'function') {
    throw new InvalidValueError(
      'reward must be a function (completion, task, sample) => number | { reward }.',
    );
  }
  if (!Number.isInteger(o.groupSize) || o.groupSize < 1) {
    throw new InvalidValueError(
      `groupSize must be a positive integer (G samples per prompt), got ${String(o.groupSize)}.`,
    );
  }
  const k = o.innerSteps ?? 1;
  if (!Number.isInteger(k) || k < 1) {
    throw new InvalidValueError(`innerSteps must be a positive integer, got ${String(k)}.`);
  }
  const e = o.estimator ?? 'grpo';
  if (typeof e !== 'function' && !ADVANTAGE_ESTIMATORS.includes(e)) {
    throw new InvalidValueError(
      `estimator must be one of ${ADVANTAGE_ESTIMATORS.join(', ')} or a function, got ${String(e)}.`,
    );
  }
  for (const kk of o.passK ?? []) {
    if (!Number.isInteger(kk) || kk < 1 || kk > o.groupSize) {
      throw new InvalidValueError(
        `passK entries must be integers in [1, groupSize = ${o.groupSize}], got ${kk}.`,
      );
    }
  }
  const ws = o.weightSync ?? 'inputs';
  if (ws !== 'inputs' && ws !== 'recompile') {
    throw new InvalidValueError(`weightSync must be 'inputs' or 'recompile', got ${String(ws)}.`);
  }
}
