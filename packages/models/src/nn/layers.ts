import { type Graph, ops, type Value } from '@proj/runtime';
import type { InitSpec, ParameterStore } from './params.js';

/** What the layer functions need: the graph under construction and the weights. */
export interface BuildContext {
  g: Graph;
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
): { out: Value; table: Value } {
  const table = ctx.store.param(ctx.g, `${name}.weight`, [vocab, dim], init);
  return { out: table.gather(ids, 0), table };
}

/** LayerNorm over the last axis with scale and bias (fused ONNX LayerNormalization). */
export function layerNorm(ctx: BuildContext, name: string, x: Value, dim: number, eps = 1e-5): Value {
  const w = ctx.store.param(ctx.g, `${name}.weight`, [dim], { init: 'ones' });
  const b = ctx.store.param(ctx.g, `${name}.bias`, [dim], { init: 'zeros' });
  return ops.layerNorm(x, w, b, { epsilon: eps });
}

/**
 * RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * w (the pattern ONNX Runtime fuses into
 * SimplifiedLayerNormalization).
 */
export function rmsNorm(ctx: BuildContext, name: string, x: Value, dim: number, eps = 1e-6): Value {
  const w = ctx.store.param(ctx.g, `${name}.weight`, [dim], { init: 'ones' });
  const rms = x.mul(x).mean([-1], true).add(eps).sqrt();
  return x.div(rms).mul(w);
}

/** x * sigmoid(x) (SiLU / swish). */
export function silu(x: Value): Value {
  return x.mul(x.sigmoid());
}

/** GELU MLP: fc (dim -> hidden) -> GELU -> proj (hidden -> dim). */
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

/** SwiGLU MLP (Llama): down(silu(gate(x)) * up(x)). */
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
