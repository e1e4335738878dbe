import { type CompiledGraph, compile } from '../../exec/compile.js';
import type { SessionOptions } from '../../exec/session.js';
import { type DType, isFloatDType } from '../../tensor/dtype.js';
import { Rng } from '../../tensor/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { GraphBuildError } from '../errors.js';
import { Graph } from '../graph.js';
import * as ops from '../ops/index.js';
import { fmtShape, type Shape } from '../shape.js';
import { Value } from '../value.js';
import { grad } from './grad.js';

/**
 * Builds the function under test: declares nothing itself, receives one graph input per entry of the
 * `inputs` given to {@link gradCheck} and returns the output(s). Create constants from the inputs' dtypes
 * (`x.add(1)`, `g.constant(2, x.dtype)`) so the same function can be rebuilt in float64.
 */
export type GradCheckBuild = (g: Graph, inputs: Readonly<Record<string, Value>>) => Value | readonly Value[];

/**
 * An independent float64 forward for the finite differences: receives the inputs (floating-point ones as
 * float64 tensors, the others unchanged) and returns the outputs in the order `build` returns them.
 */
export type GradCheckReference = (inputs: Readonly<Record<string, Tensor>>) => Tensor | readonly Tensor[];

/** Options of {@link gradCheck}. */
export interface GradCheckOptions {
  /** Inputs to differentiate (default: every float32 / float64 input). */
  wrt?: readonly string[];
  /**
   * Declared (possibly symbolic) shapes of graph inputs, e.g. `{ x: ['batch', 4] }`; the tensors given to
   * {@link gradCheck} supply the concrete sizes. Default: each tensor's own shape.
   */
  shapes?: Readonly<Record<string, Shape>>;
  /** Central-difference step, relative: h = step * max(1, |x_i|) (default 1e-6). */
  step?: number;
  /** Seed of the random output weights (default 1). */
  seed?: number;
  /** Perturb at most this many (seeded, randomly chosen) elements per input (default: all). */
  coordinates?: number;
  /** ONNX opset of the built graphs (default 17). */
  opset?: number;
  /**
   * Float64 forward used for the finite differences. Default: `build` run again with float64 inputs on ONNX
   * Runtime (the same graph when the inputs already are float64). Pass one when an op has no float64 kernel
   * or to compare against an independent implementation.
   */
  reference?: GradCheckReference;
  /** Session options of the compiled graphs (default: one intra-op thread, which is fastest for tiny graphs). */
  session?: SessionOptions;
}

/** The element where analytic and numeric gradients disagree most. */
export interface GradCheckWorst {
  /** Name of the input. */
  input: string;
  /** Flat (row-major) index into the input. */
  index: number;
  /** d L / d x_index from autodiff. */
  analytic: number;
  /** The central difference at that element. */
  numeric: number;
}

/** Outcome of {@link gradCheck}. */
export interface GradCheckResult {
  /** Largest relative error per checked input (0 for an input with no elements). */
  errors: Record<string, number>;
  /** Largest of `errors`. */
  maxError: number;
  /** Where `maxError` occurs (null when no element was checked). */
  worst: GradCheckWorst | null;
  /** Gradients from autodiff (all elements), as float64. */
  analytic: Record<string, Float64Array>;
  /** Central differences at the checked elements (NaN elsewhere). */
  numeric: Record<string, Float64Array>;
  /** Warnings autodiff raised (e.g. an input the outputs do not depend on). */
  warnings: string[];
  /** Number of forward evaluations spent on finite differences. */
  evaluations: number;
}

/**
 * Raised by {@link gradCheck} for unusable arguments: unknown or non-float `wrt` names, a build function that
 * returns no floating-point output, a reference whose outputs do not match the graph's.
 *
 * @example
 * ```ts
 * try { await gradCheck(build, inputs); } catch (e) { if (e instanceof GradCheckError) console.error(e.message); }
 * ```
 */
export class GradCheckError extends Error {
  /** `'GradCheckError'`. */
  override name = 'GradCheckError';
}

type FloatData = Float32Array | Float64Array;

/**
 * Relative error used by {@link gradCheck}: |a - b| / max(1, |a|, |b|); Infinity when either is not finite.
 * @example relativeError(100, 101) // 0.0099 (relative); relativeError(1e-9, 2e-9) // 1e-9 (absolute below 1)
 */
export function relativeError(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.POSITIVE_INFINITY;
  return Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Check reverse-mode gradients against central finite differences.
 *
 * The outputs y_k of `build` are folded into the scalar L = sum_k sum(w_k * y_k) with fixed random weights
 * w_k (so no output structure such as softmax's unit sum hides an error). The analytic dL/dx comes from
 * {@link grad} on the graph as built (float32 graphs are checked with their float32 rules and kernels); the
 * numeric one from (L(x + h e_i) - L(x - h e_i)) / 2h evaluated in float64 (by `options.reference`, or the
 * graph rebuilt with float64 inputs), at one compiled session evaluated at every perturbed point. The
 * relative error per element is |numeric - analytic| / max(1, |numeric|, |analytic|): relative for large
 * gradients, absolute below 1. Expect ~1e-9 for float64 graphs and ~1e-6 for float32 ones at smooth points;
 * keep inputs away from kinks (relu at 0, ties of max) where the two legitimately differ.
 *
 * Useful to verify a rule added with `registerGradient`.
 *
 * @throws {GradCheckError} for bad arguments; {@link GraphBuildError} when building or differentiating fails.
 * @example
 * ```ts
 * const x = Tensor.randn([3, 4], { seed: 1, dtype: 'float64' });
 * const { maxError } = await gradCheck((g, { x }) => x.tanh().mul(x), { x });
 * if (maxError > 1e-6) throw new Error('bad tanh gradient');
 * ```
 */
export async function gradCheck(
  build: GradCheckBuild,
  inputs: Readonly<Record<string, Tensor>>,
  options: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const names = Object.keys(inputs);
  if (names.length === 0) throw new GradCheckError('gradCheck needs at least one input tensor.');
  for (const n of names) {
    if (!(inputs[n] instanceof Tensor))
      throw new GradCheckError(`input '${n}' must be a Tensor, got ${typeof inputs[n]}.`);
  }
  const checkable = (n: string) => inputs[n].dtype === 'float32' || inputs[n].dtype === 'float64';
  const wrt = options.wrt ? [...options.wrt] : names.filter(checkable);
  if (wrt.length === 0)
    throw new GradCheckError('gradCheck found no float32/float64 input to differentiate; pass one.');
  for (const n of wrt) {
    if (!(n in inputs))
      throw new GradCheckError(`wrt names '${n}', which is not among the inputs (${names.join(', ')}).`);
    if (!checkable(n)) {
      throw new GradCheckError(
        `input '${n}' is ${inputs[n].dtype}; only float32 and float64 inputs can be checked (cast it).`,
      );
    }
  }
  const step = options.step ?? 1e-6;
  if (!(step > 0)) throw new GradCheckError(`step must be positive, got ${step}.`);
  const session: SessionOptions = { intraOpNumThreads: 1, ...options.session };
  const compiled: CompiledGraph[] = [];
  try {
    // Float64 forward for the finite differences.
    const feeds64: Record<string, Tensor> = {};
    for (const n of names) feeds64[n] = isFloatDType(inputs[n].dtype) ? inputs[n].cast('float64') : inputs[n];
    let forward: (feeds: Record<string, Tensor>) => Promise<Tensor[]>;
    if (options.reference) {
      const ref = options.reference;
      forward = async (feeds) => {
        const out = ref(feeds);
        return out instanceof Tensor ? [out] : [...out];
      };
    } else {
      const built = buildFor(build, inputs, options, true);
      const outs: Record<string, Value> = {};
      built.outputs.forEach((y, k) => {
        outs[`gradcheck_y${k}`] = y;
      });
      const f = await compile(built.graph, { ...session, outputs: outs });
      compiled.push(f);
      forward = async (feeds) => {
        const r = await f(feeds);
        return built.outputs.map((_, k) => r[`gradcheck_y${k}`]);
      };
    }

    // Analytic gradients of L = sum_k sum(w_k * y_k).
    const base = await forward(feeds64);
    const built = buildFor(build, inputs, options, false);
    if (base.length !== built.outputs.length) {
      throw new GradCheckError(
        `the reference returned ${base.length} outputs but build returned ${built.outputs.length} floating-point outputs.`,
      );
    }
    const rng = new Rng(options.seed ?? 1);
    const weights: Tensor[] = base.map((t, k) => {
      const w = Tensor.zeros(t.shape, built.outputs[k].dtype as 'float32' | 'float64');
      // Magnitudes in [0.5, 1] with random signs: no weight is ~0, no two outputs cancel by symmetry.
      for (let i = 0; i < w.size; i++)
        (w.data as FloatData)[i] = (rng.uniform() < 0.5 ? -1 : 1) * (0.5 + 0.5 * rng.uniform());
      return w;
    });
    const g = built.graph;
    let loss: Value | null = null;
    built.outputs.forEach((y, k) => {
      const w = g.input(
        `gradcheck_w${k}`,
        y.dtype,
        y.shape.map((d, i) => (typeof d === 'number' ? d : `gradcheck_w${k}_${i}`)),
      );
      let term = ops.reduceSum(ops.mul(y, w));
      if (loss && term.dtype !== loss.dtype) term = ops.cast(term, loss.dtype);
      loss = loss ? ops.add(loss, term) : term;
    });
    const warnings: string[] = [];
    const wrtValues = wrt.map((n) => built.values[n]);
    const grads = grad(loss!, wrtValues, { onWarning: (m) => warnings.push(m) });
    const gradOuts: Record<string, Value> = {};
    grads.forEach((gv, i) => {
      gradOuts[`gradcheck_d${i}`] = gv;
    });
    const analyticGraph = await compile(g, { ...session, outputs: gradOuts });
    compiled.push(analyticGraph);
    const feeds: Record<string, Tensor> = { ...inputs };
    weights.forEach((w, k) => {
      feeds[`gradcheck_w${k}`] = w;
    });
    const res = await analyticGraph(feeds);
    const analytic: Record<string, Float64Array> = {};
    wrt.forEach((n, i) => {
      const t = res[`gradcheck_d${i}`];
      if (t.size !== inputs[n].size) {
        throw new GradCheckError(
          `the gradient of '${n}' has shape [${t.shape.join(', ')}] but the input is [${inputs[n].shape.join(', ')}].`,
        );
      }
      analytic[n] = Float64Array.from(t.data as FloatData);
    });

    // Finite differences in float64.
    const w64 = weights.map((w) => Float64Array.from(w.data as FloatData));
    const lossOf = (outs: Tensor[]) => {
      let s = 0;
      outs.forEach((t, k) => {
        if (t.size !== w64[k].length) {
          throw new GradCheckError(
            `output ${k} has ${t.size} elements in the finite-difference forward but ${w64[k].length} at the base point.`,
          );
        }
        for (let i = 0; i < t.size; i++) s += w64[k][i] * Number(t.data[i]);
      });
      return s;
    };
    const numeric: Record<string, Float64Array> = {};
    const errors: Record<string, number> = {};
    let evaluations = 0;
    let worst: GradCheckWorst | null = null;
    let maxError = 0;
    for (const n of wrt) {
      const x = feeds64[n].clone();
      const xd = x.data as Float64Array;
      const perturbed = { ...feeds64, [n]: x };
      const num = new Float64Array(xd.length).fill(Number.NaN);
      let err = 0;
      for (const i of pickCoordinates(xd.length, options.coordinates, rng)) {
        const x0 = xd[i];
        const h = step * Math.max(1, Math.abs(x0));
        xd[i] = x0 + h;
        const up = x0 + h;
        const lp = lossOf(await forward(perturbed));
        xd[i] = x0 - h;
        const down = x0 - h;
        const lm = lossOf(await forward(perturbed));
        xd[i] = x0;
        evaluations += 2;
        // Divide by the step actually taken (x0 + h is rounded).
        num[i] = (lp - lm) / (up - down);
        const e = relativeError(num[i], analytic[n][i]);
        if (e > err || Number.isNaN(e)) err = e;
        if (worst === null || e > maxError) {
          maxError = Math.max(maxError, e);
          worst = { input: n, index: i, analytic: analytic[n][i], numeric: num[i] };
        }
      }
      numeric[n] = num;
      errors[n] = err;
    }
    return { errors, maxError, worst, analytic, numeric, warnings, evaluations };
  } finally {
    for (const c of compiled) await c.dispose();
  }
}

interface Built {
  graph: Graph;
  values: Record<string, Value>;
  outputs: Value[];
}

function buildFor(
  build: GradCheckBuild,
  inputs: Readonly<Record<string, Tensor>>,
  options: GradCheckOptions,
  float64: boolean,
): Built {
  const graph = new Graph(float64 ? 'gradcheck_reference' : 'gradcheck', { opset: options.opset ?? 17 });
  const values: Record<string, Value> = {};
  for (const [n, t] of Object.entries(inputs)) {
    const dtype: DType = float64 && isFloatDType(t.dtype) ? 'float64' : t.dtype;
    const shape = options.shapes?.[n] ?? t.shape;
    if (shape.length !== t.rank) {
      throw new GradCheckError(
        `shapes.${n} is ${fmtShape(shape)} but the tensor is [${t.shape.join(', ')}]; ranks must match.`,
      );
    }
    values[n] = graph.input(n, dtype, shape);
  }
  let result: Value | readonly Value[];
  try {
    result = build(graph, values);
  } catch (e) {
    if (float64 && e instanceof GraphBuildError) {
      throw new GradCheckError(
        `rebuilding the function with float64 inputs failed (${e.message}); create constants with the inputs' dtype, or pass options.reference.`,
      );
    }
    throw e;
  }
  const list = result instanceof Value ? [result] : [...result];
  for (const v of list) {
    if (!(v instanceof Value) || v.graph !== graph)
      throw new GradCheckError('build must return Values of the graph it is given.');
  }
  const outputs = list.filter((v) => isFloatDType(v.dtype));
  if (outputs.length === 0)
    throw new GradCheckError('build returned no floating-point output to differentiate.');
  return { graph, values, outputs };
}

/** All indices, or a seeded sample of `limit` distinct ones. */
function pickCoordinates(size: number, limit: number | undefined, rng: Rng): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  if (limit === undefined || limit >= size) return all;
  for (let i = 0; i < limit; i++) {
    const j = i + Math.floor(rng.uniform() * (size - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, limit).sort((a, b) => a - b);
}
