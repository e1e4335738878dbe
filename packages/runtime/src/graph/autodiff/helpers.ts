import * as ops from '../ops/index.js';
import { isStatic } from '../shape.js';
import type { Value } from '../value.js';

/** The shape of `x` as a 1-D int64 value: a constant when static, else an ONNX Shape node. */
export function runtimeShape(x: Value): Value {
  return isStatic(x.shape) ? x.graph.int64s(x.shape) : ops.shapeOf(x);
}

/** Zeros with x's dtype and (run-time) shape, without a large initializer. */
export function zerosLike(x: Value): Value {
  return ops.constantOfShape(runtimeShape(x), 0, x.dtype, x.shape);
}

/** Broadcast `g` to x's shape. */
export function expandTo(g: Value, x: Value): Value {
  return ops.expand(g, runtimeShape(x), x.shape);
}

/**
 * Reduce a gradient with the broadcast output shape back to the shape of the operand `x`: sum the extra
 * leading axes and the axes where x has static size 1. (A symbolic dim is assumed not to be broadcast.)
 */
export function unbroadcast(g: Value, x: Value): Value {
  let r = g;
  const lead = r.rank - x.rank;
  if (lead > 0)
    r = ops.reduceSum(
      r,
      Array.from({ length: lead }, (_, i) => i),
      false,
    );
  const axes: number[] = [];
  x.shape.forEach((d, i) => {
    if (d === 1 && r.shape[i] !== 1) axes.push(i);
  });
  if (axes.length) r = ops.reduceSum(r, axes, true);
  return r;
}

/** Number of elements of x over `axes`, as a scalar of x's dtype (constant when static). */
export function countOver(x: Value, axes: readonly number[]): Value {
  const dims = axes.map((a) => x.shape[a]);
  if (dims.every((d) => typeof d === 'number')) {
    return x.graph.constant(
      dims.reduce((p: number, d) => p * (d as number), 1),
      x.dtype,
    );
  }
  const sizes = ops.gather(ops.shapeOf(x), x.graph.int64s(axes), 0);
  return ops.cast(ops.reduceProd(sizes), x.dtype);
}

/** One dim of x as an int64 scalar value (constant when static). */
export function dimOf(x: Value, axis: number): Value {
  const d = x.shape[axis];
  if (typeof d === 'number') return x.graph.constant(BigInt(d), 'int64');
  return ops.squeeze(ops.shapeOf(x, axis, axis + 1), [0]);
}

/** The permutation that undoes `perm`. */
export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

/** Transpose of the last two axes of x. */
export function swapLast2(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  const r = x.rank;
  [perm[r - 1], perm[r - 2]] = [perm[r - 2], perm[r - 1]];
  return ops.transpose(x, perm);
}
