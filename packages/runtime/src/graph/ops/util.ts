import { type DType, isFloatDType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { GraphBuildError } from '../errors.js';
import type { Graph } from '../graph.js';
import { fmtShape } from '../shape.js';
import { Value } from '../value.js';

/** A graph value, or a JS number that becomes a scalar constant of the other operand's dtype. */
export type ValueLike = Value | number;

/** The graph shared by the operands. @throws {GraphBuildError} when none is a Value or graphs differ. */
export function graphOf(op: string, ...xs: readonly (ValueLike | null | undefined)[]): Graph {
  let g: Graph | undefined;
  for (const x of xs) {
    if (x instanceof Value) {
      if (g && x.graph !== g) throw new GraphBuildError(op, 'operands come from different graphs.');
      g = x.graph;
    }
  }
  if (!g) throw new GraphBuildError(op, 'needs at least one graph Value operand (not only numbers).');
  return g;
}

/** Turn a number into a scalar constant with `dtype`; Values pass through. */
export function lift(g: Graph, x: ValueLike, dtype: DType): Value {
  if (x instanceof Value) return x;
  if (typeof x !== 'number')
    throw new GraphBuildError('lift', `expected a Value or number, got ${typeof x}.`);
  if (dtype === 'int64') return g.constant(BigInt(Math.trunc(x)), 'int64');
  return g.constant(x, dtype);
}

/** dtype of the first Value among the operands. */
export function firstDType(xs: readonly ValueLike[]): DType {
  for (const x of xs) if (x instanceof Value) return x.dtype;
  return 'float32';
}

/** @throws {GraphBuildError} unless all values share one dtype. */
export function sameDType(op: string, ...vs: Value[]): DType {
  const d = vs[0].dtype;
  for (const v of vs) {
    if (v.dtype !== d) {
      throw new GraphBuildError(
        op,
        `operands have different dtypes (${vs.map((x) => `${x.dtype}${fmtShape(x.shape)}`).join(', ')}); insert a cast().`,
      );
    }
  }
  return d;
}

/** @throws {GraphBuildError} unless `v` is a floating-point value. */
export function requireFloat(op: string, v: Value): void {
  if (!isFloatDType(v.dtype)) {
    throw new GraphBuildError(
      op,
      `needs a floating-point operand, got ${v.dtype}${fmtShape(v.shape)}; cast() it first.`,
    );
  }
}

/** @throws {GraphBuildError} unless `v`'s dtype is one of `allowed`. */
export function requireDType(op: string, v: Value, allowed: readonly DType[], what = 'operand'): void {
  if (!allowed.includes(v.dtype)) {
    throw new GraphBuildError(
      op,
      `${what} must be ${allowed.join(' or ')}, got ${v.dtype}${fmtShape(v.shape)}.`,
    );
  }
}

/** The constant data behind a value, if it is a constant (used to fold static shapes/axes). */
export function constantOf(v: Value): Tensor | undefined {
  return v.graph.constantValue(v);
}

/** Numbers of a constant integer value, or undefined when it is not a constant. */
export function constInts(v: Value): number[] | undefined {
  const t = constantOf(v);
  return t ? t.toNumbers() : undefined;
}
