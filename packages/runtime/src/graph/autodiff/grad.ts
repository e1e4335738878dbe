import { isFloatDType } from '../../tensor/dtype.js';
import { compositeGradientOf } from '../composite.js';
import { GraphBuildError } from '../errors.js';
import type { Node } from '../node.js';
import * as ops from '../ops/index.js';
import { isStopGradient } from '../ops/stop-gradient.js';
import { fmtShape } from '../shape.js';
import type { Value } from '../value.js';
import { zerosLike } from './helpers.js';
import { gradientRule, NON_DIFFERENTIABLE } from './rules.js';

/** Options of {@link grad}. */
export interface GradOptions {
  /**
   * Gradient flowing into `loss` (default: ones, i.e. the gradient of sum(loss)). Must have loss's shape.
   */
  seed?: Value;
  /** Called for parameters the loss does not depend on (they get zero gradients). Default: console.warn. */
  onWarning?: (message: string) => void;
}

/**
 * Reverse-mode automatic differentiation on the graph: appends the backward pass as more nodes and returns
 * d loss / d x for every x in `wrt` (inputs, parameters or intermediate values), each with x's shape.
 *
 * - Integer and bool values are constants; {@link ops.stopGradient} cuts the flow.
 * - A value used several times accumulates its gradients.
 * - A requested value the loss does not depend on gets zeros and a warning, not an error.
 * - Max/Min send ties to the first operand; ReduceMax/ReduceMin split ties evenly.
 *
 * @throws {GraphBuildError} when the loss is not floating point or an op on the path has no gradient rule.
 * @example
 * ```ts
 * const loss = x.matmul(w).sub(y).pow(2).mean();
 * const [dw] = grad(loss, [w]);
 * g.output('loss', loss).output('dw', dw);
 * ```
 */
export function grad(loss: Value, wrt: readonly Value[], options: GradOptions = {}): Value[] {
  const g = loss.graph;
  if (!isFloatDType(loss.dtype)) {
    throw new GraphBuildError(
      'grad',
      `loss must be floating point, got ${loss.dtype}${fmtShape(loss.shape)}.`,
    );
  }
  for (const w of wrt) {
    if (w.graph !== g) throw new GraphBuildError('grad', `'${w.name}' belongs to another graph.`);
    if (!isFloatDType(w.dtype)) {
      throw new GraphBuildError(
        'grad',
        `cannot differentiate with respect to '${w.name}' of dtype ${w.dtype}.`,
      );
    }
  }

  // Values that depend on some wrt value (forward sweep in creation order).
  const wrtSet = new Set(wrt);
  const dependsOnWrt = new Set<Value>(wrt);
  const nodes = g.nodes;
  const lastNodeIndex = loss.producer ? nodes.indexOf(loss.producer) : -1;
  for (let i = 0; i <= lastNodeIndex; i++) {
    const n = nodes[i];
    if (NON_DIFFERENTIABLE.has(n.op) || isStopGradient(n)) continue;
    if (n.inputs.some((v) => v && dependsOnWrt.has(v)))
      for (const o of n.outputs) if (isFloatDType(o.dtype)) dependsOnWrt.add(o);
  }

  // Gradient accumulators.
  const grads = new Map<Value, Value>();
  const accumulate = (v: Value, gv: Value) => {
    const prev = grads.get(v);
    grads.set(v, prev ? ops.add(prev, gv) : gv);
  };
  const seed =
    options.seed ??
    (loss.rank === 0
      ? g.constant(1, loss.dtype)
      : ops.constantOfShape(
          g.int64s(
            loss.shape.map((d) => {
              if (typeof d !== 'number')
                throw new GraphBuildError(
                  'grad',
                  `a non-scalar loss with symbolic shape ${fmtShape(loss.shape)} needs options.seed; reduce it to a scalar first.`,
                );
              return d;
            }),
          ),
          1,
          loss.dtype,
        ));
  if (dependsOnWrt.has(loss)) accumulate(loss, seed);

  for (let i = lastNodeIndex; i >= 0; i--) {
    const n: Node = nodes[i];
    const outGrads = n.outputs.map((o) => grads.get(o) ?? null);
    if (outGrads.every((x) => x === null)) continue;
    if (isStopGradient(n) || NON_DIFFERENTIABLE.has(n.op)) continue;
    const composite = compositeGradientOf(n);
    if (composite) {
      const g0 = outGrads[0];
      const wanted = composite.inputs.map((v) => dependsOnWrt.has(v) && isFloatDType(v.dtype));
      if (g0 && wanted.some(Boolean)) {
        composite.rule(g0).forEach((gv, j) => {
          if (gv && wanted[j]) accumulate(composite.inputs[j], gv);
        });
      }
      continue;
    }
    const needs = n.inputs.map((v) => !!v && dependsOnWrt.has(v) && isFloatDType(v.dtype));
    if (!needs.some(Boolean)) continue;
    const rule = gradientRule(n.op);
    if (!rule) {
      throw new GraphBuildError(
        n.op,
        `no gradient rule for op '${n.op}' (node ${n.name}); register one with registerGradient('${n.op}', rule) or wrap its result in stopGradient().`,
      );
    }
    const inGrads = rule(n, outGrads, needs);
    n.inputs.forEach((v, j) => {
      const gv = inGrads[j];
      if (v && gv && needs[j]) accumulate(v, gv);
    });
  }

  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  return wrt.map((w) => {
    const gv = grads.get(w);
    if (gv) return gv;
    if (wrtSet.has(w)) warn(`grad: the loss does not depend on '${w.name}'; its gradient is zero.`);
    return zerosLike(w);
  });
}

/**
 * The loss and its gradients in one call: `{ value: loss, grads }`.
 * @example const { value, grads } = valueAndGrad(loss, params)
 */
export function valueAndGrad(
  loss: Value,
  wrt: readonly Value[],
  options: GradOptions = {},
): {
  /** The loss itself. */
  value: Value;
  /** d loss / d x for each x of `wrt`, in order. */
  grads: Value[];
} {
  return { value: loss, grads: grad(loss, wrt, options) };
}
