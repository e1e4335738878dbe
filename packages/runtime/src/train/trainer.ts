import type { Feeds } from '../exec/compile.js';
import type { Graph } from '../graph/graph.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import type { Tensor } from '../tensor/tensor.js';
import { constantLr, type Schedule } from './schedules.js';
import { compileTrainStep, type StepResult, type TrainStep, type TrainStepOptions } from './train-step.js';

/** Options of {@link Trainer.create}. */
export interface TrainerOptions extends TrainStepOptions {
  /** Learning rate per step (a number means constant). Default 1e-3. */
  lr?: number | Schedule;
  /** Micro-batches whose gradients are averaged into one optimiser step (default 1). */
  accumulationSteps?: number;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Stop after this many optimiser steps. */
  steps?: number;
  /** Called after every optimiser step. */
  onStep?: (result: StepResult) => void;
  /** Checked before each step: when aborted, `fit` resolves with the steps done so far. */
  signal?: AbortSignal;
}

/**
 * A training loop around {@link compileTrainStep}: learning-rate schedule, gradient accumulation, metrics per
 * step, and checkpoints (parameters + optimiser state + step count) as safetensors.
 *
 * @example
 * ```ts
 * const trainer = await Trainer.create(g, {
 *   loss, optimizer: adamw({ weightDecay: 0.01 }), lr: warmupCosine({ peak: 3e-3, warmupSteps: 20, totalSteps: 500 }),
 *   maxGradNorm: 1,
 * });
 * await trainer.fit(batches(), { steps: 500, onStep: (r) => console.log(r.step, r.loss) });
 * await trainer.saveCheckpoint('run/ckpt.safetensors');
 * ```
 */
export class Trainer {
  private constructor(
    /** The underlying compiled step (parameters and state live there). */
    readonly trainStep: TrainStep,
    private readonly schedule: Schedule,
    private readonly accumulation: number,
  ) {}

  /** Build the backward pass, compile it and set up parameters and optimiser state. */
  static async create(g: Graph, options: TrainerOptions): Promise<Trainer> {
    const acc = options.accumulationSteps ?? 1;
    if (!Number.isInteger(acc) || acc < 1)
      throw new RangeError(`accumulationSteps must be a positive integer, got ${acc}.`);
    const lr = options.lr ?? 1e-3;
    const schedule = typeof lr === 'number' ? constantLr(lr) : lr;
    return new Trainer(await compileTrainStep(g, options), schedule, acc);
  }

  /** Optimiser steps taken so far. */
  get stepCount(): number {
    return this.trainStep.stepCount;
  }

  /** One optimiser step on one batch or a list of micro-batches, at the schedule's learning rate. */
  step(batch: Feeds | readonly Feeds[]): Promise<StepResult> {
    return this.trainStep.run(batch, { lr: this.schedule(this.trainStep.stepCount) });
  }

  /**
   * Train on a stream of batches, `accumulationSteps` batches per optimiser step (a shorter final group still makes
   * a step).
   * @returns the result of every step.
   */
  async fit(
    batches: Iterable<Feeds> | AsyncIterable<Feeds>,
    options: FitOptions = {},
  ): Promise<StepResult[]> {
    const results: StepResult[] = [];
    let pending: Feeds[] = [];
    const done = () =>
      options.signal?.aborted || (options.steps !== undefined && results.length >= options.steps);
    const stepOn = async (micro: Feeds[]) => {
      const r = await this.step(micro);
      results.push(r);
      options.onStep?.(r);
    };
    for await (const b of batches as AsyncIterable<Feeds>) {
      if (done()) break;
      pending.push(b);
      if (pending.length < this.accumulation) continue;
      const micro = pending;
      pending = [];
      await stepOn(micro);
    }
    // A stream that ends mid-accumulation still trains on what it gave (averaged over fewer micro-batches).
    if (pending.length && !done()) await stepOn(pending);
    return results;
  }

  /** Current parameters by name. */
  params(): Map<string, Tensor> {
    return this.trainStep.params();
  }

  /** Copy the trained parameters into the graph (so `compile(graph)` serves them). */
  syncToGraph(): void {
    this.trainStep.syncToGraph();
  }

  /**
   * Save parameters, optimiser state (`opt.<slot>.<param>`) and the step count to a safetensors file,
   * atomically.
   */
  async saveCheckpoint(path: string): Promise<void> {
    const tensors = new Map<string, Tensor>();
    for (const [k, v] of this.trainStep.params()) tensors.set(k, v);
    for (const [k, v] of this.trainStep.optimizerState()) tensors.set(`opt.${k}`, v);
    await saveSafetensors(path, tensors, {
      format: 'proj-checkpoint',
      step: String(this.trainStep.stepCount),
    });
  }

  /** Restore a checkpoint written by {@link saveCheckpoint} (missing entries keep their current values). */
  async loadCheckpoint(path: string): Promise<void> {
    const { tensors, metadata } = await loadSafetensors(path);
    const params = new Map<string, Tensor>();
    const state = new Map<string, Tensor>();
    for (const [k, v] of tensors) k.startsWith('opt.') ? state.set(k.slice(4), v) : params.set(k, v);
    this.trainStep.setParams(params);
    this.trainStep.setOptimizerState(state, Number(metadata.step ?? 0));
  }

  /** Release ONNX Runtime sessions. */
  dispose(): Promise<void> {
    return this.trainStep.dispose();
  }
}
