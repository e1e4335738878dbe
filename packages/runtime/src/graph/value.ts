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
    readonly graph: Graph,
    /** Unique id within the graph (creation order). */
    readonly id: number,
    /** Name in the serialised model. */
    readonly name: string,
    readonly kind: ValueKind,
    readonly dtype: DType,
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

  add(b: ValueLike): Value {
    return ops.add(this, b);
  }
  sub(b: ValueLike): Value {
    return ops.sub(this, b);
  }
  mul(b: ValueLike): Value {
    return ops.mul(this, b);
  }
  div(b: ValueLike): Value {
    return ops.div(this, b);
  }
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
  equal(b: ValueLike): Value {
    return ops.equal(this, b);
  }
  less(b: ValueLike): Value {
    return ops.less(this, b);
  }
  greater(b: ValueLike): Value {
    return ops.greater(this, b);
  }
  neg(): Value {
    return ops.neg(this);
  }
  sqrt(): Value {
    return ops.sqrt(this);
  }
  reciprocal(): Value {
    return ops.reciprocal(this);
  }
  exp(): Value {
    return ops.exp(this);
  }
  log(): Value {
    return ops.log(this);
  }
  abs(): Value {
    return ops.abs(this);
  }
  tanh(): Value {
    return ops.tanh(this);
  }
  sigmoid(): Value {
    return ops.sigmoid(this);
  }
  relu(): Value {
    return ops.relu(this);
  }
  erf(): Value {
    return ops.erf(this);
  }
  gelu(): Value {
    return ops.gelu(this);
  }
  softplus(): Value {
    return ops.softplus(this);
  }
  cast(to: DType): Value {
    return ops.cast(this, to);
  }
  clip(min?: ValueLike, max?: ValueLike): Value {
    return ops.clip(this, min, max);
  }
  matmul(b: Value): Value {
    return ops.matmul(this, b);
  }
  transpose(perm?: readonly number[]): Value {
    return ops.transpose(this, perm);
  }
  reshape(shape: readonly number[] | Value, resultShape?: Shape): Value {
    return ops.reshape(this, shape, resultShape);
  }
  flatten(axis = 1): Value {
    return ops.flatten(this, axis);
  }
  squeeze(axes: readonly number[]): Value {
    return ops.squeeze(this, axes);
  }
  unsqueeze(axes: readonly number[]): Value {
    return ops.unsqueeze(this, axes);
  }
  slice(
    starts: readonly number[],
    ends: readonly number[],
    axes?: readonly number[],
    steps?: readonly number[],
  ): Value {
    return ops.slice(this, starts, ends, axes, steps);
  }
  gather(indices: Value, axis = 0): Value {
    return ops.gather(this, indices, axis);
  }
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
  softmax(axis = -1): Value {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Value {
    return ops.logSoftmax(this, axis);
  }
  argmax(axis = -1, keepDims = false): Value {
    return ops.argmax(this, axis, keepDims);
  }
  /** Identity whose result autodiff treats as a constant. */
  stopGradient(): Value {
    return ops.stopGradient(this);
  }
}
