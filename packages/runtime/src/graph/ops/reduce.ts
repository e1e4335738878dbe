import { GraphBuildError } from '../errors.js';
import { type Attr, attr } from '../node.js';
import { type Dim, fmtShape, normAxes, normAxis } from '../shape.js';
import type { Value } from '../value.js';
import { add, mul, reciprocal, sqrt, sub } from './elementwise.js';
import { graphOf, requireDType, requireFloat, sameDType } from './util.js';

function reduce(op: string, x: Value, axes: readonly number[] | undefined, keepDims: boolean): Value {
  const g = x.graph;
  // An explicit empty axis list reduces nothing (numpy's axis=()); ONNX would read it as "all axes".
  if (axes !== undefined && axes.length === 0)
    return x.graph.addNode('Identity', [x], [{ dtype: x.dtype, shape: x.shape }])[0];
  const ax = axes === undefined ? x.shape.map((_, i) => i) : normAxes(op, axes, x.rank);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!ax.includes(i)) shape.push(d);
    else if (keepDims) shape.push(1);
  });
  const attrs: Record<string, Attr> = { keepdims: attr.int(keepDims ? 1 : 0) };
  // ReduceSum takes axes as an input from opset 13, the others from opset 18.
  const axesAsInput = op === 'ReduceSum' || g.opset >= 18;
  if (axesAsInput) return g.addNode(op, [x, g.int64s(ax)], [{ dtype: x.dtype, shape }], attrs)[0];
  return g.addNode(op, [x], [{ dtype: x.dtype, shape }], { ...attrs, axes: attr.ints(ax) })[0];
}

/** Sum over `axes` (all when omitted) (ONNX ReduceSum). @example x.sum([-1], true) */
export function reduceSum(x: Value, axes?: readonly number[], keepDims = false): Value {
  return reduce('ReduceSum', x, axes, keepDims);
}
/** Mean over `axes` (ONNX ReduceMean). */
export function reduceMean(x: Value, axes?: readonly number[], keepDims = false): Value {
  requireFloat('ReduceMean', x);
  return reduce('ReduceMean', x, axes, keepDims);
}
/** Max over `axes` (ONNX ReduceMax). Gradient: split evenly among tied maxima. */
export function reduceMax(x: Value, axes?: readonly number[], keepDims = false): Value {
  return reduce('ReduceMax', x, axes, keepDims);
}
/** Min over `axes` (ONNX ReduceMin). Gradient: split evenly among tied minima. */
export function reduceMin(x: Value, axes?: readonly number[], keepDims = false): Value {
  return reduce('ReduceMin', x, axes, keepDims);
}

/** Softmax along one axis (ONNX Softmax, opset-13 semantics). @example scores.softmax(-1) */
export function softmax(x: Value, axis = -1): Value {
  requireFloat('Softmax', x);
  const a = normAxis('Softmax', axis, x.rank);
  return x.graph.addNode('Softmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis: attr.int(a) })[0];
}

/** Log-softmax along one axis (ONNX LogSoftmax). */
export function logSoftmax(x: Value, axis = -1): Value {
  requireFloat('LogSoftmax', x);
  const a = normAxis('LogSoftmax', axis, x.rank);
  return x.graph.addNode('LogSoftmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis: attr.int(a) })[0];
}

/**
 * Index of the maximum along an axis, int64 (ONNX ArgMax; first index on ties).
 * @example logits.argmax(-1)
 */
export function argmax(x: Value, axis = -1, keepDims = false): Value {
  const a = normAxis('ArgMax', axis, x.rank);
  const shape = keepDims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
  return x.graph.addNode('ArgMax', [x], [{ dtype: 'int64', shape }], {
    axis: attr.int(a),
    keepdims: attr.int(keepDims ? 1 : 0),
  })[0];
}

/**
 * The k largest (or smallest) entries along an axis and their int64 indices (ONNX TopK).
 * @example const [vals, idx] = topK(logits, 5)
 */
export function topK(
  x: Value,
  k: number,
  axis = -1,
  options: { largest?: boolean; sorted?: boolean } = {},
): [Value, Value] {
  const op = 'TopK';
  const a = normAxis(op, axis, x.rank);
  if (!Number.isInteger(k) || k < 0)
    throw new GraphBuildError(op, `k must be a non-negative integer, got ${k}.`);
  const d = x.shape[a];
  if (typeof d === 'number' && k > d)
    throw new GraphBuildError(op, `k = ${k} exceeds axis ${a} of ${fmtShape(x.shape)}.`);
  const shape = x.shape.map((s, i) => (i === a ? k : s));
  const g = x.graph;
  const [values, indices] = g.addNode(
    op,
    [x, g.int64s([k])],
    [
      { dtype: x.dtype, shape },
      { dtype: 'int64', shape },
    ],
    {
      axis: attr.int(a),
      largest: attr.int(options.largest === false ? 0 : 1),
      sorted: attr.int(options.sorted === false ? 0 : 1),
    },
  );
  return [values, indices];
}

/**
 * Layer normalisation over the trailing axes from `axis` (ONNX LayerNormalization, opset 17), with scale and
 * optional bias shaped like the normalised axes. Computed in float32 even for float16 inputs (stash_type 1).
 * float64: ONNX Runtime's CPU provider has no float64 LayerNormalization kernel, so the builder emits the
 * definition (x - mean) / sqrt(var + epsilon) * scale + bias with ReduceMean (var is the biased mean of squared
 * deviations, as in the ONNX spec); autodiff differentiates it exactly.
 * @example layerNorm(x, gamma, beta, { epsilon: 1e-5 })
 */
export function layerNorm(
  x: Value,
  scale: Value,
  bias?: Value,
  options: { axis?: number; epsilon?: number } = {},
): Value {
  const op = 'LayerNormalization';
  graphOf(op, x, scale, bias);
  requireFloat(op, x);
  if (bias) sameDType(op, x, scale, bias);
  else sameDType(op, x, scale);
  const a = normAxis(op, options.axis ?? -1, x.rank);
  const normShape = x.shape.slice(a);
  for (const p of bias ? [scale, bias] : [scale]) {
    if (
      p.rank > normShape.length ||
      p.shape.some(
        (d, i) =>
          typeof d === 'number' &&
          typeof normShape[normShape.length - p.rank + i] === 'number' &&
          d !== normShape[normShape.length - p.rank + i],
      )
    ) {
      throw new GraphBuildError(
        op,
        `scale/bias ${fmtShape(p.shape)} must match the normalised axes ${fmtShape(normShape)} of ${fmtShape(x.shape)}.`,
      );
    }
  }
  const eps = options.epsilon ?? 1e-5;
  if (x.dtype === 'float64') return layerNormFloat64(x, scale, bias, a, eps);
  // Mean and InvStdDev are requested as extra outputs so the backward pass can reuse them instead of
  // recomputing two reductions (ONNX Runtime writes them when present; unused outputs cost nothing else).
  const statShape = x.shape.map((d, i) => (i < a ? d : 1));
  const statType = 'float32';
  const [y] = x.graph.addNode(
    op,
    bias ? [x, scale, bias] : [x, scale],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: statType, shape: statShape },
      { dtype: statType, shape: statShape },
    ],
    {
      axis: attr.int(a),
      epsilon: attr.float(eps),
      stash_type: attr.int(1),
    },
  );
  return y;
}

/** Sum of squares helper used by losses and clipping: sum(x^2) over all elements, as a scalar. */
export function sumSquares(x: Value): Value {
  requireDType('sumSquares', x, ['float32', 'float64', 'float16']);
  const g = x.graph;
  return reduceSum(g.addNode('Mul', [x, x], [{ dtype: x.dtype, shape: x.shape }])[0]);
}

/** Product over `axes` (ONNX ReduceProd; no gradient rule). Used for run-time element counts. */
export function reduceProd(x: Value, axes?: readonly number[], keepDims = false): Value {
  return reduce('ReduceProd', x, axes, keepDims);
}

/** LayerNormalization written out in float64 ops (see {@link layerNorm}). */
function layerNormFloat64(
  x: Value,
  scale: Value,
  bias: Value | undefined,
  axis: number,
  epsilon: number,
): Value {
  const axes = x.shape.map((_, i) => i).filter((i) => i >= axis);
  const centred = sub(x, reduceMean(x, axes, true));
  const variance = reduceMean(mul(centred, centred), axes, true);
  const y = mul(mul(centred, reciprocal(sqrt(add(variance, epsilon)))), scale);
  return bias ? add(y, bias) : y;
}
