import { type CompiledGraph, compile, type Feeds } from '../exec/compile.js';
import type { SessionOptions } from '../exec/session.js';
import { grad } from '../graph/autodiff/grad.js';
import { GraphBuildError } from '../graph/errors.js';
import type { Graph, ParamEntry } from '../graph/graph.js';
import * as ops from '../graph/ops/index.js';
import type { Value } from '../graph/value.js';
import { Tensor } from '../tensor/tensor.js';
import {
  declareScalarInputs,
  graphUpdate,
  hostUpdate,
  type OptimizerSpec,
  type ScalarInputs,
  stateSlots,
  stepScalars,
} from './optimizers.js';
import { ARENA_MAX_PARAMS, OptimizerArena } from './wasm/arena.js';

/** Options of {@link compileTrainStep}. */
export interface TrainStepOptions extends SessionOptions {
  /** Scalar loss to minimise (a value of the graph). */
  loss: Value;
  /** The optimiser: {@link sgd}, {@link adam} or {@link adamw}. */
  optimizer: OptimizerSpec;
  /** Parameters to train (default: every trainable parameter of the graph). Others stay frozen. */
  params?: readonly string[];
  /** Clip the gradients to this global L2 norm before the update (torch clip_grad_norm_ semantics). */
  maxGradNorm?: number;
  /** Extra values returned each step (e.g. accuracy). Computed on the last micro-batch. */
  metrics?: Record<string, Value>;
  /**
   * Where the optimiser runs:
   * - 'graph': forward + backward + update in ONE ONNX model and one ORT call per step (parameters and
   *   optimiser state go in and come out of the graph);
   * - 'host': the model returns the loss and gradients; a fused in-place loop updates parameters and state
   *   kept in flat buffers.
   * Both compute the same numbers. Default 'host' (measured faster: it avoids copying parameters and state
   * out of ONNX Runtime every step; see the package README). Gradient accumulation always updates on the host.
   */
  update?: 'graph' | 'host';
  /** Which parameters get weight decay (default: rank >= 2, i.e. not biases and norm scales). */
  decay?: (name: string, shape: readonly number[]) => boolean;
  /**
   * Host update kernels: 'wasm' (default for float32: fused WebAssembly SIMD over parameters kept in its memory,
   * gradients written there by ONNX Runtime) or 'js' (plain loops; always used for float64).
   */
  kernels?: 'wasm' | 'js';
}

/** What one training step reports. */
export interface StepResult {
  /** Mean loss over the micro-batches of the step. */
  loss: number;
  /** Global L2 norm of the (averaged) gradient before clipping. */
  gradNorm: number;
  /** Learning rate this step used. */
  lr: number;
  /** 1-based optimiser step count after this step. */
  step: number;
  /** Extra metrics (from the last micro-batch). */
  metrics: Record<string, Tensor>;
}

interface TrainedParam {
  entry: ParamEntry;
  /** Current value (a view into `flat` in host mode). */
  tensor: Tensor;
  state: Tensor[];
  decay: boolean;
  offset: number;
  size: number;
}

const GRAD_PREFIX = 'grad.';

/**
 * A compiled training step over a graph's parameters: forward + backward (+ update) with ONNX Runtime,
 * keeping parameters and optimiser state between calls. Create with {@link compileTrainStep}.
 *
 * @example
 * ```ts
 * const step = await compileTrainStep(g, { loss, optimizer: sgd({ momentum: 0.9 }) });
 * const { loss: l, gradNorm } = await step.run([microBatch1, microBatch2], { lr: 0.1 }); // gradients averaged
 * step.params().get('w1'); // current values (views)
 * ```
 */
export class TrainStep {
  /** Optimiser steps taken so far. */
  stepCount = 0;
  private readonly trained: TrainedParam[];
  private readonly flat: Float32Array | Float64Array | null;
  private accum: Float64Array | null = null;

  /** @internal */
  constructor(
    private readonly spec: OptimizerSpec,
    trained: TrainedParam[],
    flat: Float32Array | Float64Array | null,
    private readonly gradFn: CompiledGraph,
    private readonly fusedFn: CompiledGraph | null,
    private readonly maxGradNorm: number | undefined,
    private readonly metricNames: string[],
    private readonly arena: OptimizerArena | null = null,
    /** Prefix of the optimiser's graph inputs in 'graph' mode (unique per step compiled on a graph). */
    private readonly inputPrefix = 'opt.',
  ) {
    this.trained = trained;
    this.flat = flat;
  }

  /** Names of the trained parameters, in order. */
  get paramNames(): string[] {
    return this.trained.map((t) => t.entry.name);
  }

  /** Current parameter values (views; copy them if you keep them across steps). */
  params(): Map<string, Tensor> {
    return new Map(this.trained.map((t) => [t.entry.name, t.tensor]));
  }

  /** Optimiser state by `${slot}.${param}` (e.g. 'm.w1'). */
  optimizerState(): Map<string, Tensor> {
    const slots = stateSlots(this.spec);
    const out = new Map<string, Tensor>();
    for (const t of this.trained) t.state.forEach((s, i) => out.set(`${slots[i]}.${t.entry.name}`, s));
    return out;
  }

  /** Replace parameter values (e.g. from a checkpoint); shapes must match. */
  setParams(values: ReadonlyMap<string, Tensor>): void {
    for (const t of this.trained) {
      const v = values.get(t.entry.name);
      if (!v) continue;
      if (v.size !== t.size || v.dtype !== t.tensor.dtype) {
        throw new GraphBuildError(
          'setParams',
          `'${t.entry.name}' expects ${t.tensor.dtype}[${t.tensor.shape.join(', ')}], got ${v.dtype}[${v.shape.join(', ')}].`,
        );
      }
      if (this.flat) (t.tensor.data as Float32Array).set(v.data as Float32Array);
      else t.tensor = v.clone();
    }
  }

  /** Replace optimiser state (keys as {@link optimizerState} returns them). */
  setOptimizerState(values: ReadonlyMap<string, Tensor>, stepCount: number): void {
    const slots = stateSlots(this.spec);
    for (const t of this.trained) {
      slots.forEach((slot, i) => {
        const v = values.get(`${slot}.${t.entry.name}`);
        if (!v) return;
        if (v.size !== t.size)
          throw new GraphBuildError(
            'setOptimizerState',
            `state '${slot}.${t.entry.name}' has ${v.size} elements, expected ${t.size}.`,
          );
        if (this.flat) (t.state[i].data as Float32Array).set(v.data as Float32Array);
        else t.state[i] = v.clone();
      });
    }
    this.stepCount = stepCount;
  }

  /** Write the current parameter values back into the graph, so `compile(graph)` serves the trained model. */
  syncToGraph(): void {
    for (const t of this.trained) t.entry.data = t.tensor.clone();
  }

  /**
   * One optimiser step. `batches` is one feed set, or several micro-batches whose gradients are averaged
   * (gradient accumulation). `lr` is the learning rate of this step.
   */
  async run(batches: Feeds | readonly Feeds[], options: { lr: number }): Promise<StepResult> {
    const list = Array.isArray(batches) ? (batches as readonly Feeds[]) : [batches as Feeds];
    if (list.length === 0) throw new RangeError('TrainStep.run needs at least one batch.');
    if (!Number.isFinite(options.lr) || options.lr < 0)
      throw new RangeError(`lr must be a finite number >= 0, got ${options.lr}.`);
    if (this.fusedFn && list.length === 1) return this.runFused(list[0], options.lr);
    return this.runHost(list, options.lr);
  }

  private paramFeeds(): Feeds {
    const feeds: Feeds = {};
    for (const t of this.trained) feeds[t.entry.name] = t.tensor;
    return feeds;
  }

  /** Gradient destinations in the arena: ONNX Runtime writes each parameter's gradient straight into place. */
  private gradViews(region: Float32Array): Record<string, Tensor> {
    return Object.fromEntries(
      this.trained.map((t) => [
        GRAD_PREFIX + t.entry.name,
        new Tensor('float32', region.subarray(t.offset, t.offset + t.size), t.entry.data.shape),
      ]),
    );
  }

  /** Host update with the WebAssembly kernels: no per-step allocation or copy of gradients. */
  private async runArena(list: readonly Feeds[], lr: number): Promise<StepResult> {
    const a = this.arena!;
    const k = list.length;
    if (k > 1 && a.ensureScratch()) {
      // The memory grew: every view into it must be made again.
      for (const t of this.trained) {
        t.tensor = new Tensor('float32', a.params.subarray(t.offset, t.offset + t.size), t.entry.data.shape);
        t.state = a.state.map(
          (st) => new Tensor('float32', st.subarray(t.offset, t.offset + t.size), t.entry.data.shape),
        );
      }
    }
    let lossSum = 0;
    let metrics: Record<string, Tensor> = {};
    for (let i = 0; i < k; i++) {
      const into = this.gradViews(i === 0 ? a.grads : a.scratch);
      const out = await this.gradFn.run({ ...list[i], ...this.paramFeeds() }, { into });
      lossSum += out.loss.item();
      metrics = Object.fromEntries(this.metricNames.map((m) => [m, out[`metric.${m}`]]));
      if (i > 0) a.accumulateScratch();
    }
    const gradNorm = Math.sqrt(a.gradSumOfSquares()) / k;
    let scale = 1 / k;
    if (this.maxGradNorm !== undefined) scale *= Math.min(1, this.maxGradNorm / (gradNorm + 1e-6));
    this.stepCount++;
    const s = stepScalars(this.spec, this.stepCount, lr, scale);
    for (const t of this.trained) a.update(this.spec, t.offset, t.size, s, t.decay);
    return { loss: lossSum / k, gradNorm, lr, step: this.stepCount, metrics };
  }

  private async runHost(list: readonly Feeds[], lr: number): Promise<StepResult> {
    if (this.arena) return this.runArena(list, lr);
    let lossSum = 0;
    let metrics: Record<string, Tensor> = {};
    let grads: Record<string, Tensor> = {};
    const k = list.length;
    if (k > 1) {
      if (!this.accum) this.accum = new Float64Array(this.trained.reduce((s, t) => s + t.size, 0));
      this.accum.fill(0);
    }
    for (const feeds of list) {
      const out = await this.gradFn({ ...feeds, ...this.paramFeeds() });
      lossSum += out.loss.item();
      grads = out;
      metrics = Object.fromEntries(this.metricNames.map((m) => [m, out[`metric.${m}`]]));
      if (k > 1) {
        for (const t of this.trained) {
          const gd = out[GRAD_PREFIX + t.entry.name].data as Float32Array;
          const acc = this.accum!;
          for (let i = 0; i < t.size; i++) acc[t.offset + i] += gd[i];
        }
      }
    }
    // Gradient (averaged over micro-batches) and its norm.
    const gradOf = (t: TrainedParam): Float32Array | Float64Array =>
      k > 1
        ? this.accum!.subarray(t.offset, t.offset + t.size)
        : (grads[GRAD_PREFIX + t.entry.name].data as Float32Array);
    let sq = 0;
    for (const t of this.trained) {
      const gd = gradOf(t);
      for (let i = 0; i < gd.length; i++) sq += gd[i] * gd[i];
    }
    const gradNorm = Math.sqrt(sq) / k;
    let scale = 1 / k;
    if (this.maxGradNorm !== undefined) scale *= Math.min(1, this.maxGradNorm / (gradNorm + 1e-6));
    this.stepCount++;
    const s = stepScalars(this.spec, this.stepCount, lr, scale);
    for (const t of this.trained) {
      hostUpdate(
        this.spec,
        t.tensor.data as Float32Array,
        gradOf(t),
        t.state.map((x) => x.data as Float32Array),
        s,
        t.decay,
      );
    }
    return { loss: lossSum / k, gradNorm, lr, step: this.stepCount, metrics };
  }

  private async runFused(feeds: Feeds, lr: number): Promise<StepResult> {
    const s = stepScalars(this.spec, this.stepCount + 1, lr, 1);
    const dt = this.trained[0]?.tensor.dtype === 'float64' ? 'float64' : 'float32';
    const scalar = (v: number) => Tensor.scalar(v, dt);
    const p = this.inputPrefix;
    const all: Feeds = {
      ...feeds,
      ...this.paramFeeds(),
      [`${p}lr`]: scalar(lr),
      [`${p}bc1`]: scalar(s.bc1),
      [`${p}bc2`]: scalar(s.bc2),
      [`${p}grad_scale`]: scalar(1),
      [`${p}first`]: scalar(s.first ? 1 : 0),
    };
    const slots = stateSlots(this.spec);
    for (const t of this.trained) t.state.forEach((st, i) => (all[`${p}${slots[i]}.${t.entry.name}`] = st));
    const out = await this.fusedFn!(all);
    for (const t of this.trained) {
      t.tensor = out[`new.${t.entry.name}`];
      t.state = slots.map((slot) => out[`new.opt.${slot}.${t.entry.name}`]);
    }
    this.stepCount++;
    return {
      loss: out.loss.item(),
      gradNorm: out.grad_norm.item(),
      lr,
      step: this.stepCount,
      metrics: Object.fromEntries(this.metricNames.map((m) => [m, out[`metric.${m}`]])),
    };
  }

  /** Release the ONNX Runtime sessions. */
  async dispose(): Promise<void> {
    await this.gradFn.dispose();
    await this.fusedFn?.dispose();
  }
}

/**
 * Compile a training step for a graph: builds the backward pass with {@link grad}, compiles it with ONNX Runtime
 * and keeps parameters + optimiser state between calls. Parameters live in one flat buffer (host update) and
 * are fed to ONNX Runtime without copies.
 *
 * @example
 * ```ts
 * const loss = crossEntropy(logits, labels);
 * const step = await compileTrainStep(g, { loss, optimizer: adamw({ weightDecay: 0.01 }), maxGradNorm: 1 });
 * for (let i = 0; i < 100; i++) {
 *   const { loss: l } = await step.run({ x, labels }, { lr: 1e-3 });
 * }
 * step.syncToGraph();
 * ```
 */
export async function compileTrainStep(g: Graph, options: TrainStepOptions): Promise<TrainStep> {
  const { loss, optimizer } = options;
  if (loss.rank !== 0) {
    throw new GraphBuildError(
      'compileTrainStep',
      `loss must be a scalar, got shape [${loss.shape.join(', ')}]; reduce it (e.g. .mean()).`,
    );
  }
  const names = options.params ?? [...g.params.values()].filter((p) => p.trainable).map((p) => p.name);
  if (names.length === 0)
    throw new GraphBuildError('compileTrainStep', `graph '${g.name}' has no trainable parameters.`);
  const entries = names.map((n) => {
    const e = g.params.get(n);
    if (!e)
      throw new GraphBuildError(
        'compileTrainStep',
        `unknown parameter '${n}' (known: ${[...g.params.keys()].join(', ')}).`,
      );
    return e;
  });
  const dtype = entries[0].data.dtype;
  if (entries.some((e) => e.data.dtype !== dtype) || (dtype !== 'float32' && dtype !== 'float64')) {
    throw new GraphBuildError(
      'compileTrainStep',
      'all trained parameters must share one dtype, float32 or float64.',
    );
  }
  const decayOf = options.decay ?? ((_n: string, shape: readonly number[]) => shape.length >= 2);
  const mode = options.update ?? 'host';
  const grads = grad(
    loss,
    entries.map((e) => e.value),
    {
      onWarning: (m) => console.warn(`compileTrainStep: ${m}`),
    },
  );
  const metricNames = Object.keys(options.metrics ?? {});
  const trainedSet = new Set(names);
  const sessionOpts: SessionOptions = { ...options };

  // Gradient model: loss + grads (+ metrics); trained params are inputs, frozen ones initializers.
  const gradOutputs = new Map<string, Value>([['loss', loss]]);
  entries.forEach((e, i) => gradOutputs.set(GRAD_PREFIX + e.name, grads[i]));
  for (const m of metricNames) gradOutputs.set(`metric.${m}`, options.metrics![m]);
  const gradFn = await compile(g, {
    ...sessionOpts,
    outputs: gradOutputs,
    paramsAsInputs: (n) => trainedSet.has(n),
  });

  // Parameters and state in flat buffers (host mode) or separate tensors (graph mode swaps outputs in).
  const total = entries.reduce((s, e) => s + e.data.size, 0);
  const slots = stateSlots(optimizer);
  // float32 host updates run in WebAssembly SIMD over buffers in its memory; float64 uses plain JS loops.
  const arena =
    mode === 'host' && dtype === 'float32' && total <= ARENA_MAX_PARAMS && options.kernels !== 'js'
      ? new OptimizerArena(total, slots.length)
      : null;
  const Flat = dtype === 'float64' ? Float64Array : Float32Array;
  const flat = arena ? arena.params : new Flat(total);
  const stateFlat = arena ? arena.state : slots.map(() => new Flat(total));
  let offset = 0;
  const trained: TrainedParam[] = entries.map((e) => {
    const size = e.data.size;
    const view = flat.subarray(offset, offset + size);
    view.set(e.data.data as Float32Array);
    const t: TrainedParam = {
      entry: e,
      tensor: new Tensor(dtype, view, e.data.shape),
      state: stateFlat.map((sf) => new Tensor(dtype, sf.subarray(offset, offset + size), e.data.shape)),
      decay: decayOf(e.name, e.data.shape),
      offset,
      size,
    };
    offset += size;
    return t;
  });

  let fusedFn: CompiledGraph | null = null;
  let inputPrefix = 'opt.';
  if (mode === 'graph') {
    // Each graph-mode step on a graph gets its own input names, so compiling twice (or a user input called 'lr')
    // cannot clash.
    const taken = new Set(g.inputs.map((v) => v.name));
    let k = 1;
    while ([...taken].some((n) => n.startsWith(k === 1 ? 'opt.' : `opt${k}.`))) k++;
    inputPrefix = k === 1 ? 'opt.' : `opt${k}.`;
    const scalars: ScalarInputs = declareScalarInputs(g, dtype, inputPrefix);
    const outputs = new Map<string, Value>([['loss', loss]]);
    const norm = ops.sqrt(grads.map((gv) => ops.sumSquares(gv)).reduce((a, b) => a.add(b)));
    outputs.set('grad_norm', norm);
    let gradScale: Value = scalars.gradScale;
    if (options.maxGradNorm !== undefined) {
      gradScale = gradScale.mul(ops.minimum(ops.div(options.maxGradNorm, norm.add(1e-6)), 1));
    }
    const effective: ScalarInputs = { ...scalars, gradScale };
    trained.forEach((t, i) => {
      const state = slots.map((slot) =>
        g.input(`${inputPrefix}${slot}.${t.entry.name}`, dtype, t.entry.data.shape),
      );
      const upd = graphUpdate(optimizer, t.entry.value, grads[i], state, effective, t.decay);
      outputs.set(`new.${t.entry.name}`, upd.param);
      upd.state.forEach((sv, j) => outputs.set(`new.opt.${slots[j]}.${t.entry.name}`, sv));
    });
    for (const m of metricNames) outputs.set(`metric.${m}`, options.metrics![m]);
    fusedFn = await compile(g, { ...sessionOpts, outputs, paramsAsInputs: (n) => trainedSet.has(n) });
    // In graph mode parameters are swapped for ORT outputs after each step: keep them as separate tensors.
    for (const t of trained) {
      t.tensor = t.tensor.clone();
      t.state = t.state.map((s) => s.clone());
    }
  }
  return new TrainStep(
    optimizer,
    trained,
    mode === 'graph' ? null : flat,
    gradFn,
    fusedFn,
    options.maxGradNorm,
    metricNames,
    arena,
    inputPrefix,
  );
}
