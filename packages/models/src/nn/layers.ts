import { type Graph, ops, type Value } from '@proj/runtime';
import type { InitSpec, ParameterStore } from './params.js';

/** What the layer functions need: the graph under construction and the weights. */
export interface BuildContext {
  /** The graph being built. */
  g: Graph;
  /** Where the weights come from (created there, seeded, when absent). */
  store: ParameterStore;
}

/**
 * Affine map x W (+ b) with W stored [in, out] under `${name}.weight` and b under `${name}.bias`.
 * @example const h = linear(ctx, 'h.0.mlp.fc', x, 128, 512)
 */
export function linear(
  ctx: BuildContext,
  name: string,
  x: Value,
  inFeatures: number,
  outFeatures: number,
  options: { bias?: boolean; init?: InitSpec } = {},
): Value {
  const w = ctx.store.param(
    ctx.g,
    `${name}.weight`,
    [inFeatures, outFeatures],
    options.init ?? { init: 'normal', std: 0.02 },
  );
  const y = x.matmul(w);
  return options.bias === false
    ? y
    : y.add(ctx.store.param(ctx.g, `${name}.bias`, [outFeatures], { init: 'zeros' }));
}

/**
 * Token embedding lookup: table [vocab, dim] under `${name}.weight`; returns [..ids, dim] and the table.
 * @example const { out, table } = embedding(ctx, 'wte', ids, 256, 128)
 */
export function embedding(
  ctx: BuildContext,
  name: string,
  ids: Value,
  vocab: number,
  dim: number,
  init: InitSpec = { init: 'normal', std: 0.02 },
): {
  /** The embeddings, [...ids, dim]. */
  out: Value;
  /** The table [vocab, dim] (e.g. for a tied output head). */
  table: Value;
} {
  const table = ctx.store.param(ctx.g, `${name}.weight`, [vocab, dim], init);
  return { out: table.gather(ids, 0), table };
}

/**
 * LayerNorm over the last axis with scale `${name}.weight` and bias `${name}.bias` (fused ONNX LayerNormalization).
 * @example const h = layerNorm(ctx, 'h.0.norm_1', x, 128)
 */
export function layerNorm(ctx: BuildContext, name: string, x: Value, dim: number, eps = 1e-5): Value {
  const w = ctx.store.param(ctx.g, `${name}.weight`, [dim], { init: 'ones' });
  const b = ctx.store.param(ctx.g, `${name}.bias`, [dim], { init: 'zeros' });
  return ops.layerNorm(x, w, b, { epsilon: eps });
}

/**
 * RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * w (the pattern ONNX Runtime fuses into
 * SimplifiedLayerNormalization).
 * @example const h = rmsNorm(ctx, 'h.0.norm_1', x, 128)
 */
export function rmsNorm(ctx: BuildContext, name: string, x: Value, dim: number, eps = 1e-6): Value {
  const w = ctx.store.param(ctx.g, `${name}.weight`, [dim], { init: 'ones' });
  const rms = x.mul(x).mean([-1], true).add(eps).sqrt();
  return x.div(rms).mul(w);
}

/**
 * x * sigmoid(x) (SiLU / swish).
 * @example silu(gate)
 */
export function silu(x: Value): Value {
  return x.mul(x.sigmoid());
}

/**
 * GELU MLP: fc (dim -> hidden) -> GELU -> proj (hidden -> dim), weights under `${name}.fc.*` and `${name}.proj.*`.
 * @example x.add(mlp(ctx, 'h.0.mlp', layerNorm(ctx, 'h.0.norm_2', x, 128), 128, 512))
 */
export function mlp(
  ctx: BuildContext,
  name: string,
  x: Value,
  dim: number,
  hidden: number,
  bias = true,
): Value {
  const h = linear(ctx, `${name}.fc`, x, dim, hidden, { bias }).gelu();
  return linear(ctx, `${name}.proj`, h, hidden, dim, { bias });
}

/**
 * SwiGLU MLP (Llama): down(silu(gate(x)) * up(x)), weights under `${name}.gate`, `.up`, `.down`.
 * @example swiglu(ctx, 'h.0.mlp', h, 128, 352)
 */
export function swiglu(
  ctx: BuildContext,
  name: string,
  x: Value,
  dim: number,
  hidden: number,
  bias = false,
): Value {
  const gate = silu(linear(ctx, `${name}.gate`, x, dim, hidden, { bias }));
  const up = linear(ctx, `${name}.up`, x, dim, hidden, { bias });
  return linear(ctx, `${name}.down`, gate.mul(up), hidden, dim, { bias });
}
