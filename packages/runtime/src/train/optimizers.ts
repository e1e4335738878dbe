import type { Graph } from '../graph/graph.js';
import * as ops from '../graph/ops/index.js';
import type { Value } from '../graph/value.js';

/** SGD with optional momentum (PyTorch semantics: buf = mu * buf + g; Nesterov uses g + mu * buf). */
export interface SgdSpec {
  /** `'sgd'`. */
  kind: 'sgd';
  /** Momentum factor mu in [0, 1); 0 is plain SGD. */
  momentum: number;
  /** Nesterov momentum (needs momentum > 0). */
  nesterov: boolean;
  /** L2 penalty added to the gradient (coupled, as torch.optim.SGD). */
  weightDecay: number;
}

/** Adam / AdamW (PyTorch semantics, bias-corrected). */
export interface AdamSpec {
  /** `'adam'` (coupled L2 decay) or `'adamw'` (decoupled decay). */
  kind: 'adam' | 'adamw';
  /** Decay of the first-moment average (default 0.9). */
  beta1: number;
  /** Decay of the second-moment average (default 0.999). */
  beta2: number;
  /** Added to the denominator sqrt(v_hat) (default 1e-8). */
  eps: number;
  /** adam: L2 added to the gradient; adamw: decoupled decay p -= lr * wd * p. */
  weightDecay: number;
}

/**
 * An optimiser description; build one with {@link sgd}, {@link adam} or {@link adamw}.
 * @example const optimizer: OptimizerSpec = adamw({ weightDecay: 0.1 });
 */
export type OptimizerSpec = SgdSpec | AdamSpec;

/**
 * SGD, optionally with (Nesterov) momentum and L2 weight decay.
 * @example sgd({ momentum: 0.9, nesterov: true })
 */
export function sgd(options: { momentum?: number; nesterov?: boolean; weightDecay?: number } = {}): SgdSpec {
  const spec: SgdSpec = {
    kind: 'sgd',
    momentum: options.momentum ?? 0,
    nesterov: options.nesterov ?? false,
    weightDecay: options.weightDecay ?? 0,
  };
  if (spec.nesterov && spec.momentum <= 0) throw new RangeError('sgd: Nesterov momentum needs momentum > 0.');
  checkRange('sgd', 'momentum', spec.momentum, 0, 1);
  checkRange('sgd', 'weightDecay', spec.weightDecay, 0, Number.POSITIVE_INFINITY);
  return spec;
}

/**
 * Adam (Kingma & Ba) with bias correction; `weightDecay` is coupled L2 as in torch.optim.Adam.
 * @example adam({ beta2: 0.98 })
 */
export function adam(
  options: { beta1?: number; beta2?: number; eps?: number; weightDecay?: number } = {},
): AdamSpec {
  return adamSpec('adam', options, 0);
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay (default 0.01, as torch.optim.AdamW).
 * @example adamw({ weightDecay: 0.1 })
 */
export function adamw(
  options: { beta1?: number; beta2?: number; eps?: number; weightDecay?: number } = {},
): AdamSpec {
  return adamSpec('adamw', options, 0.01);
}

function adamSpec(
  kind: 'adam' | 'adamw',
  o: { beta1?: number; beta2?: number; eps?: number; weightDecay?: number },
  defaultWd: number,
): AdamSpec {
  const spec: AdamSpec = {
    kind,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? defaultWd,
  };
  checkRange(kind, 'beta1', spec.beta1, 0, 1);
  checkRange(kind, 'beta2', spec.beta2, 0, 1);
  checkRange(kind, 'eps', spec.eps, 0, Number.POSITIVE_INFINITY);
  checkRange(kind, 'weightDecay', spec.weightDecay, 0, Number.POSITIVE_INFINITY);
  return spec;
}

function checkRange(opt: string, name: string, v: number, lo: number, hi: number): void {
  if (!Number.isFinite(v) || v < lo || v >= hi) {
    throw new RangeError(`${opt}: ${name} must be in [${lo}, ${hi}), got ${v}.`);
  }
}

/** Names of the per-parameter state slots an optimiser keeps. */
export function stateSlots(spec: OptimizerSpec): string[] {
  if (spec.kind === 'sgd') return spec.momentum > 0 ? ['momentum'] : [];
  return ['m', 'v'];
}

/** Scalars a step needs besides the gradients: fed as graph inputs (graph mode) or used on the host. */
export interface StepScalars {
  /** Learning rate of this step. */
  lr: number;
  /** 1 - beta1^t (Adam); 1 for SGD. */
  bc1: number;
  /** 1 - beta2^t (Adam); 1 for SGD. */
  bc2: number;
  /** Gradient multiplier (clipping and accumulation averaging). */
  gradScale: number;
  /** Whether this is the first step (SGD momentum buffer initialisation, as PyTorch). */
  first: boolean;
}

/** Host scalars for 1-based step `t`. */
export function stepScalars(spec: OptimizerSpec, t: number, lr: number, gradScale = 1): StepScalars {
  const adamLike = spec.kind !== 'sgd';
  return {
    lr,
    bc1: adamLike ? 1 - spec.beta1 ** t : 1,
    bc2: adamLike ? 1 - spec.beta2 ** t : 1,
    gradScale,
    first: t === 1,
  };
}

/**
 * Fused in-place update of one parameter segment on the host: `p`, `grad` and the state arrays are
 * flat views; the state is updated in place. Arithmetic follows torch.optim exactly (float64 in registers).
 */
export function hostUpdate(
  spec: OptimizerSpec,
  p: Float32Array | Float64Array,
  grad: Float32Array | Float64Array,
  state: (Float32Array | Float64Array)[],
  s: StepScalars,
  decay = true,
): void {
  const n = p.length;
  const gs = s.gradScale;
  const lr = s.lr;
  if (spec.kind === 'sgd') {
    const wd = decay ? spec.weightDecay : 0;
    const mu = spec.momentum;
    if (mu === 0) {
      for (let i = 0; i < n; i++) p[i] -= lr * (grad[i] * gs + wd * p[i]);
      return;
    }
    const buf = state[0];
    for (let i = 0; i < n; i++) {
      const g = grad[i] * gs + wd * p[i];
      const b = s.first ? g : mu * buf[i] + g;
      buf[i] = b;
      p[i] -= lr * (spec.nesterov ? g + mu * b : b);
    }
    return;
  }
  const [m, v] = state;
  const b1 = spec.beta1;
  const b2 = spec.beta2;
  const eps = spec.eps;
  const stepSize = lr / s.bc1;
  const sqrtBc2 = Math.sqrt(s.bc2);
  const wd = decay ? spec.weightDecay : 0;
  if (spec.kind === 'adamw') {
    const keep = 1 - lr * wd;
    for (let i = 0; i < n; i++) {
      const g = grad[i] * gs;
      const mi = b1 * m[i] + (1 - b1) * g;
      const vi = b2 * v[i] + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * keep - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const g = grad[i] * gs + wd * p[i];
    const mi = b1 * m[i] + (1 - b1) * g;
    const vi = b2 * v[i] + (1 - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    p[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}

/** Graph inputs carrying the step scalars (graph mode); names are `${prefix}lr`, `${prefix}bc1`, ... */
export interface ScalarInputs {
  /** The learning rate. */
  lr: Value;
  /** 1 - beta1^t. */
  bc1: Value;
  /** 1 - beta2^t. */
  bc2: Value;
  /** The gradient multiplier (clipping, accumulation). */
  gradScale: Value;
  /** 1 on the first step, else 0 (SGD momentum initialisation). */
  first: Value;
}

/**
 * Declare the scalar inputs of an in-graph optimiser step, named `${prefix}lr`, `${prefix}bc1`, `${prefix}bc2`,
 * `${prefix}grad_scale` and `${prefix}first` (default prefix 'opt.').
 */
export function declareScalarInputs(
  g: Graph,
  dtype: 'float32' | 'float64' = 'float32',
  prefix = 'opt.',
): ScalarInputs {
  return {
    lr: g.input(`${prefix}lr`, dtype, []),
    bc1: g.input(`${prefix}bc1`, dtype, []),
    bc2: g.input(`${prefix}bc2`, dtype, []),
    gradScale: g.input(`${prefix}grad_scale`, dtype, []),
    first: g.input(`${prefix}first`, dtype, []),
  };
}

/**
 * Build the in-graph update of one parameter: returns the new parameter and new state values, computing
 * exactly what {@link hostUpdate} computes.
 */
export function graphUpdate(
  spec: OptimizerSpec,
  p: Value,
  grad: Value,
  state: Value[],
  s: ScalarInputs,
  decay = true,
): {
  /** The updated parameter. */
  param: Value;
  /** The updated optimiser state, one value per slot of {@link stateSlots}. */
  state: Value[];
} {
  const g0 = grad.mul(s.gradScale);
  if (spec.kind === 'sgd') {
    const wd = decay ? spec.weightDecay : 0;
    const gr = wd > 0 ? g0.add(p.mul(wd)) : g0;
    if (spec.momentum === 0) return { param: p.sub(gr.mul(s.lr)), state: [] };
    // buf = first ? g : mu * buf + g   (first is 0/1)
    const notFirst = ops.sub(1, s.first);
    const buf = state[0].mul(notFirst.mul(spec.momentum)).add(gr);
    const dir = spec.nesterov ? gr.add(buf.mul(spec.momentum)) : buf;
    return { param: p.sub(dir.mul(s.lr)), state: [buf] };
  }
  const wd = decay ? spec.weightDecay : 0;
  const gr = spec.kind === 'adam' && wd > 0 ? g0.add(p.mul(wd)) : g0;
  const m = state[0].mul(spec.beta1).add(gr.mul(1 - spec.beta1));
  const v = state[1].mul(spec.beta2).add(gr.mul(gr).mul(1 - spec.beta2));
  const denom = v.sqrt().div(s.bc2.sqrt()).add(spec.eps);
  const stepSize = s.lr.div(s.bc1);
  let base = p;
  if (spec.kind === 'adamw' && wd > 0) base = p.mul(ops.sub(1, s.lr.mul(wd)));
  return { param: base.sub(m.div(denom).mul(stepSize)), state: [m, v] };
}
