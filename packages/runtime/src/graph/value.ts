import type { DType } from '../tensor/dtype.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import * as ops from './ops/index.js';
import type { ValueLike } from './ops/util.js';
import type { Shape } from './shape.js';

/** Where a value comes from. */
export type ValueKind = 'input' | 'param' | 'constant' | 'node';

/**
 * A symbolic tensor in a {@link Graph}: a dtype and a (possibly symbolic) shape, produced by a graph input,
 * a parameter, a constant or a node. Fluent methods apply ops and return new values.
 *
 * @example
 * ```ts
 * const h = x.matmul(w1).add(b1).gelu();
 * const p = h.matmul(w2).softmax(-1);
 * ```
 */
export class Value {
  /** @internal Use Graph.input / param / constant or op functions to create values. */
  constructor(
    /** The graph the value belongs to. */
    readonly graph: Graph,
    /** Unique id within the graph (creation order). */
    readonly id: number,
    /** Name in the serialised model. */
    readonly name: string,
    /** Where it comes from: a graph input, a parameter, a constant or a node. */
    readonly kind: ValueKind,
    /** Element type. */
    readonly dtype: DType,
    /** Shape: numbers for static dimensions, names for dimensions known at run time. */
    readonly shape: Shape,
    /** The node that computes it (null for inputs, params and constants). */
    readonly producer: Node | null,
    /** Which output of the producer it is. */
    readonly outputIndex: number,
  ) {}

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** `dtype[shape]`, e.g. `float32[batch, 512]`. */
  toString(): string {
    return `${this.dtype}[${this.shape.join(', ')}]`;
  }

  /** Elementwise `this + b` with numpy broadcasting (ONNX Add); a number becomes a constant of this dtype. */
  add(b: ValueLike): Value {
    return ops.add(this, b);
  }
  /** Elementwise `this - b` (ONNX Sub). */
  sub(b: ValueLike): Value {
    return ops.sub(this, b);
  }
  /** Elementwise `this * b` (ONNX Mul). */
  mul(b: ValueLike): Value {
    return ops.mul(this, b);
  }
  /** Elementwise `this / b` (ONNX Div; integer division truncates). */
  div(b: ValueLike): Value {
    return ops.div(this, b);
  }
  /** Elementwise `this ** b` (ONNX Pow). */
  pow(b: ValueLike): Value {
    return ops.pow(this, b);
  }
  /** Elementwise maximum with another operand. */
  maximum(b: ValueLike): Value {
    return ops.maximum(this, b);
  }
  /** Elementwise minimum with another operand. */
  minimum(b: ValueLike): Value {
    return ops.minimum(this, b);
  }
  /** `this == b` as bool (ONNX Equal). */
  equal(b: ValueLike): Value {
    return ops.equal(this, b);
  }
  /** `this < b` as bool (ONNX Less). */
  less(b: ValueLike): Value {
    return ops.less(this, b);
  }
  /** `this > b` as bool (ONNX Greater). */
  greater(b: ValueLike): Value {
    return ops.greater(this, b);
  }
  /** `-this` (ONNX Neg). */
  neg(): Value {
    return ops.neg(this);
  }
  /** Elementwise square root (ONNX Sqrt). */
  sqrt(): Value {
    return ops.sqrt(this);
  }
  /** `1 / this` (ONNX Reciprocal). */
  reciprocal(): Value {
    return ops.reciprocal(this);
  }
  /** `e^this` (ONNX Exp). */
  exp(): Value {
    return ops.exp(this);
  }
  /** Natural logarithm (ONNX Log). */
  log(): Value {
    return ops.log(this);
  }
  /** `|this|` (ONNX Abs; gradient 0 at 0). */
  abs(): Value {
    return ops.abs(this);
  }
  /** Hyperbolic tangent (ONNX Tanh). */
  tanh(): Value {
    return ops.tanh(this);
  }
  /** Logistic sigmoid (ONNX Sigmoid). */
  sigmoid(): Value {
    return ops.sigmoid(this);
  }
  /** `max(this, 0)` (ONNX Relu). */
  relu(): Value {
    return ops.relu(this);
  }
  /** Error function (ONNX Erf; a float64 composite for float64 values, see `ops.erf`). */
  erf(): Value {
    return ops.erf(this);
  }
  /** Exact (erf) GELU, fused by ONNX Runtime (see `ops.gelu`). */
  gelu(): Value {
    return ops.gelu(this);
  }
  /** `log(1 + e^this)` (ONNX Softplus; a float64 composite for float64 values). */
  softplus(): Value {
    return ops.softplus(this);
  }
  /** Convert to another dtype (ONNX Cast). @example ids.cast('int64') */
  cast(to: DType): Value {
    return ops.cast(this, to);
  }
  /** Clamp into [min, max]; either bound may be omitted (ONNX Clip). @example ratio.clip(0.8, 1.2) */
  clip(min?: ValueLike, max?: ValueLike): Value {
    return ops.clip(this, min, max);
  }
  /** Matrix product with numpy semantics (ONNX MatMul). @example x.matmul(w) // [batch, 512] x [512, 2048] */
  matmul(b: Value): Value {
    return ops.matmul(this, b);
  }
  /** Permute the axes; the default reverses them (ONNX Transpose). @example q.transpose([0, 2, 1, 3]) */
  transpose(perm?: readonly number[]): Value {
    return ops.transpose(this, perm);
  }
  /** Reshape: `0` copies a dimension, one `-1` is inferred (ONNX Reshape; see `ops.reshape`). @example x.reshape([0, 0, heads, headDim]) */
  reshape(shape: readonly number[] | Value, resultShape?: Shape): Value {
    return ops.reshape(this, shape, resultShape);
  }
  /** Flatten to 2-D at `axis` (ONNX Flatten). */
  flatten(axis = 1): Value {
    return ops.flatten(this, axis);
  }
  /** Remove the given size-1 axes (ONNX Squeeze). */
  squeeze(axes: readonly number[]): Value {
    return ops.squeeze(this, axes);
  }
  /** Insert size-1 axes at the given output positions (ONNX Unsqueeze). @example mask.unsqueeze([1, 2]) */
  unsqueeze(axes: readonly number[]): Value {
    return ops.unsqueeze(this, axes);
  }
  /** Slice along axes with Python-style bounds (ONNX Slice; see `ops.slice`). @example x.slice([0], [-1], [1]) */
  slice(
    starts: readonly number[],
    ends: readonly number[],
    axes?: readonly number[],
    steps?: readonly number[],
  ): Value {
    return ops.slice(this, starts, ends, axes, steps);
  }
  /** Take slices at `indices` along `axis` (ONNX Gather). @example table.gather(ids, 0) */
  gather(indices: Value, axis = 0): Value {
    return ops.gather(this, indices, axis);
  }
  /** Broadcast to a shape (ONNX Expand). @example bias.expand([4, 3]) */
  expand(shape: readonly number[] | Value, resultShape?: Shape): Value {
    return ops.expand(this, shape, resultShape);
  }
  /** Sum over axes (all when omitted). */
  sum(axes?: readonly number[], keepDims = false): Value {
    return ops.reduceSum(this, axes, keepDims);
  }
  /** Mean over axes (all when omitted). */
  mean(axes?: readonly number[], keepDims = false): Value {
    return ops.reduceMean(this, axes, keepDims);
  }
  /** Max over axes (all when omitted). */
  max(axes?: readonly number[], keepDims = false): Value {
    return ops.reduceMax(this, axes, keepDims);
  }
  /** Min over axes (all when omitted). */
  min(axes?: readonly number[], keepDims = false): Value {
    return ops.reduceMin(this, axes, keepDims);
  }
  /** Softmax along `axis` (ONNX Softmax). @example scores.softmax(-1) */
  softmax(axis = -1): Value {
    return ops.softmax(this, axis);
  }
  /** Log-softmax along `axis` (ONNX LogSoftmax). */
  logSoftmax(axis = -1): Value {
    return ops.logSoftmax(this, axis);
  }
  /** Index of the maximum along `axis`, int64 (ONNX ArgMax; first on ties). */
  argmax(axis = -1, keepDims = false): Value {
    return ops.argmax(this, axis, keepDims);
  }
  /** Identity whose result autodiff treats as a constant. */
  stopGradient(): Value {
    return ops.stopGradient(this);
  }
}
