import { Tensor } from '../../tensor/tensor.js';
import { GraphBuildError } from '../errors.js';
import { floatAttr, intAttr, intsAttr, type Node } from '../node.js';
import * as ops from '../ops/index.js';
import { constInts } from '../ops/util.js';
import { addDims, fmtShape, isStatic, type Shape } from '../shape.js';
import type { Value } from '../value.js';
import {
  countOver,
  dimOf,
  expandTo,
  invertPerm,
  runtimeShape,
  swapLast2,
  unbroadcast,
  zerosLike,
} from './helpers.js';

/**
 * A gradient rule: given a node and the gradients of its outputs (null where none flows), return the
 * gradient for each input (null where not needed or not differentiable). `needs[i]` says whether input i
 * wants a gradient, so rules can skip work.
 */
export type GradRule = (
  node: Node,
  grads: readonly (Value | null)[],
  needs: readonly boolean[],
) => (Value | null)[];

const rules = new Map<string, GradRule>();

/**
 * Register (or replace) the gradient rule of an op type. Custom and contrib ops can be made differentiable; check
 * a new rule with {@link gradCheck}.
 * @example
 * ```ts
 * // ONNX Softsign, x / (1 + |x|): d/dx = 1 / (1 + |x|)^2
 * registerGradient('Softsign', (node, [g]) => {
 *   const d = node.inputs[0]!.abs().add(1);
 *   return [g!.div(d.mul(d))];
 * });
 * ```
 */
export function registerGradient(opType: string, rule: GradRule): void {
  rules.set(opType, rule);
}

/** The rule for an op type, if any. */
export function gradientRule(opType: string): GradRule | undefined {
  return rules.get(opType);
}

/** Ops whose outputs carry no gradient (integer/bool results, shape computations). */
export const NON_DIFFERENTIABLE = new Set([
  'ArgMax',
  'Equal',
  'Less',
  'Greater',
  'LessOrEqual',
  'GreaterOrEqual',
  'And',
  'Or',
  'Not',
  'Shape',
  'ConstantOfShape',
  'Range',
  'OneHot',
  'Sign',
]);

const ins = (n: Node, i: number) => n.inputs[i]!;
const out = (n: Node, i = 0) => n.outputs[i];

function axesOf(n: Node): number[] | undefined {
  const fromAttr = intsAttr(n, 'axes');
  if (fromAttr) return [...fromAttr];
  const a = n.inputs[1];
  if (!a) return undefined;
  const c = constInts(a);
  if (!c) throw new GraphBuildError(n.op, 'gradient needs constant axes.');
  return c;
}

function normalized(axes: readonly number[] | undefined, rank: number): number[] {
  if (!axes || axes.length === 0) return Array.from({ length: rank }, (_, i) => i);
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

/** Bring a reduced gradient back to the input's shape. */
function unreduce(g: Value, x: Value, axes: number[], keepDims: boolean): Value {
  const kept = keepDims ? g : ops.unsqueeze(g, axes);
  return expandTo(kept, x);
}

// ---- elementwise arithmetic ----
registerGradient('Add', (n, [g], need) => [
  need[0] ? unbroadcast(g!, ins(n, 0)) : null,
  need[1] ? unbroadcast(g!, ins(n, 1)) : null,
]);
registerGradient('Sub', (n, [g], need) => [
  need[0] ? unbroadcast(g!, ins(n, 0)) : null,
  need[1] ? unbroadcast(ops.neg(g!), ins(n, 1)) : null,
]);
registerGradient('Mul', (n, [g], need) => [
  need[0] ? unbroadcast(ops.mul(g!, ins(n, 1)), ins(n, 0)) : null,
  need[1] ? unbroadcast(ops.mul(g!, ins(n, 0)), ins(n, 1)) : null,
]);
registerGradient('Div', (n, [g], need) => [
  need[0] ? unbroadcast(ops.div(g!, ins(n, 1)), ins(n, 0)) : null,
  need[1] ? unbroadcast(ops.neg(ops.div(ops.mul(g!, out(n)), ins(n, 1))), ins(n, 1)) : null,
]);
registerGradient('Pow', (n, [g], need) => {
  const [a, b] = [ins(n, 0), ins(n, 1)];
  const c = constInts(b);
  let da: Value | null = null;
  if (need[0]) {
    // d/da a^b = b a^(b-1); for the common constant b = 2 this is 2a.
    const deriv = c && c.length === 1 && c[0] === 2 ? ops.mul(a, 2) : ops.mul(b, ops.pow(a, ops.sub(b, 1)));
    da = unbroadcast(ops.mul(g!, deriv), a);
  }
  // d/db a^b = a^b log a; at a = 0 that is 0 * -inf, while the limit (b > 0) is 0.
  const db = need[1]
    ? unbroadcast(ops.where(ops.equal(a, 0), 0, ops.mul(g!, ops.mul(out(n), ops.log(a)))), b)
    : null;
  return [da, db];
});
registerGradient('Neg', (_n, [g]) => [ops.neg(g!)]);
registerGradient('Identity', (_n, [g]) => [g]);
registerGradient('Sqrt', (n, [g]) => [ops.div(ops.mul(g!, 0.5), out(n))]);
registerGradient('Reciprocal', (n, [g]) => [ops.neg(ops.mul(g!, ops.mul(out(n), out(n))))]);
registerGradient('Exp', (n, [g]) => [ops.mul(g!, out(n))]);
registerGradient('Log', (n, [g]) => [ops.div(g!, ins(n, 0))]);
registerGradient('Abs', (n, [g]) => [ops.mul(g!, ops.sign(ins(n, 0)))]);
registerGradient('Tanh', (n, [g]) => [ops.mul(g!, ops.sub(1, ops.mul(out(n), out(n))))]);
registerGradient('Sigmoid', (n, [g]) => [ops.mul(g!, ops.mul(out(n), ops.sub(1, out(n))))]);
registerGradient('Relu', (n, [g]) => [ops.where(ops.greater(ins(n, 0), 0), g!, 0)]);
registerGradient('Erf', (n, [g]) => {
  const x = ins(n, 0);
  return [ops.mul(g!, ops.mul(ops.exp(ops.neg(ops.mul(x, x))), 2 / Math.sqrt(Math.PI)))];
});
registerGradient('Softplus', (n, [g]) => [ops.mul(g!, ops.sigmoid(ins(n, 0)))]);
registerGradient('Gelu', (n, [g]) => {
  const x = ins(n, 0);
  const cdf = ops.mul(ops.add(ops.erf(ops.mul(x, Math.SQRT1_2)), 1), 0.5);
  const pdf = ops.mul(ops.exp(ops.mul(ops.mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  return [ops.mul(g!, ops.add(cdf, ops.mul(x, pdf)))];
});
registerGradient('Cast', (n, [g]) => {
  const x = ins(n, 0);
  return [
    x.dtype === 'float32' || x.dtype === 'float64' || x.dtype === 'float16' ? ops.cast(g!, x.dtype) : null,
  ];
});
registerGradient('Clip', (n, [g], need) => {
  // ONNX Runtime computes Clip as min(max(x, lo), hi) (so lo > hi gives hi everywhere); the rule is that
  // composite's, with ties passing the gradient to x: x gets it where lo <= x <= hi, lo where x < lo (and
  // lo <= hi), hi where max(x, lo) > hi. Bounds are scalars, so their gradients are sums.
  const [x, lo, hi] = [ins(n, 0), n.inputs[1], n.inputs[2]];
  let gMax = g!;
  let hiGrad: Value | null = null;
  if (hi) {
    const m = lo ? ops.maximum(x, lo) : x;
    const inside = ops.lessOrEqual(m, hi);
    gMax = ops.where(inside, g!, 0);
    if (need[2]) hiGrad = unbroadcast(ops.where(inside, 0, g!), hi);
  }
  let dx = gMax;
  let loGrad: Value | null = null;
  if (lo) {
    const above = ops.greaterOrEqual(x, lo);
    dx = ops.where(above, gMax, 0);
    if (need[1]) loGrad = unbroadcast(ops.where(above, 0, gMax), lo);
  }
  return [need[0] ? dx : null, loGrad, hiGrad];
});
for (const op of ['Max', 'Min'] as const) {
  // Ties send the whole gradient to the first operand.
  registerGradient(op, (n, [g], need) => {
    const [a, b] = [ins(n, 0), ins(n, 1)];
    const firstWins = op === 'Max' ? ops.greaterOrEqual(a, b) : ops.lessOrEqual(a, b);
    return [
      need[0] ? unbroadcast(ops.where(firstWins, g!, 0), a) : null,
      need[1] ? unbroadcast(ops.where(firstWins, 0, g!), b) : null,
    ];
  });
}
registerGradient('Where', (n, [g], need) => {
  const [c, a, b] = [ins(n, 0), ins(n, 1), ins(n, 2)];
  return [
    null,
    need[1] ? unbroadcast(ops.where(c, g!, 0), a) : null,
    need[2] ? unbroadcast(ops.where(c, 0, g!), b) : null,
  ];
});

// ---- linear algebra ----
registerGradient('MatMul', (n, [g], need) => {
  let [a, b] = [ins(n, 0), ins(n, 1)];
  let gr = g!;
  const aVec = a.rank === 1;
  const bVec = b.rank === 1;
  // Promote 1-D operands as MatMul does, and give the gradient the promoted (size-1) axes back. With both
  // operands 1-D the gradient is a scalar and gets both axes at once.
  if (aVec) a = ops.unsqueeze(a, [0]);
  if (bVec) b = ops.unsqueeze(b, [1]);
  if (aVec && bVec) gr = ops.unsqueeze(gr, [0, 1]);
  else if (aVec) gr = ops.unsqueeze(gr, [-2]);
  else if (bVec) gr = ops.unsqueeze(gr, [-1]);
  let da: Value | null = null;
  let db: Value | null = null;
  if (need[0]) {
    da = unbroadcast(ops.matmul(gr, swapLast2(b)), a);
    if (aVec) da = ops.squeeze(da, [0]);
  }
  if (need[1]) {
    const k = a.shape[a.rank - 1];
    const nOut = b.shape[b.rank - 1];
    if (b.rank === 2 && a.rank > 2 && typeof k === 'number' && typeof nOut === 'number') {
      // Weight gradient as ONE GEMM over all batch rows: (A as [rows, k])^T @ (G as [rows, n]).
      db = ops.gemm(ops.reshape(a, [-1, k]), ops.reshape(gr, [-1, nOut]), undefined, { transA: true });
    } else {
      db = unbroadcast(ops.matmul(swapLast2(a), gr), b);
    }
    if (bVec) db = ops.squeeze(db, [1]);
  }
  return [da, db];
});
registerGradient('Gemm', (n, [g], need) => {
  const [a, b, c] = [ins(n, 0), ins(n, 1), n.inputs[2]];
  const alpha = floatAttr(n, 'alpha', 1);
  const beta = floatAttr(n, 'beta', 1);
  const tA = intAttr(n, 'transA', 0) === 1;
  const tB = intAttr(n, 'transB', 0) === 1;
  const da = !need[0]
    ? null
    : tA
      ? ops.gemm(b, g!, undefined, { alpha, transA: tB, transB: true })
      : ops.gemm(g!, b, undefined, { alpha, transB: !tB });
  const db = !need[1]
    ? null
    : tB
      ? ops.gemm(g!, a, undefined, { alpha, transA: true, transB: tA })
      : ops.gemm(a, g!, undefined, { alpha, transA: !tA });
  const dc = c && need[2] ? unbroadcast(beta === 1 ? g! : ops.mul(g!, beta), c) : null;
  return [da, db, dc];
});

// ---- shape ops ----
registerGradient('Transpose', (n, [g]) => {
  const perm = intsAttr(n, 'perm') ?? ins(n, 0).shape.map((_, i) => ins(n, 0).rank - 1 - i);
  return [ops.transpose(g!, invertPerm(perm))];
});
for (const op of ['Reshape', 'Flatten']) {
  registerGradient(op, (n, [g]) => {
    const x = ins(n, 0);
    return [ops.reshape(g!, runtimeShape(x), x.shape), null];
  });
}
registerGradient('Squeeze', (n, [g]) => [ops.unsqueeze(g!, axesOf(n)!), null]);
registerGradient('Unsqueeze', (n, [g]) => [ops.squeeze(g!, axesOf(n)!), null]);
registerGradient('Expand', (n, [g]) => [unbroadcast(g!, ins(n, 0)), null]);
registerGradient('Concat', (n, [g], need) => {
  const axis = intAttr(n, 'axis', 0);
  const xs = n.inputs as Value[];
  const sizes = xs.map((x) => x.shape[axis]);
  let parts: Value[];
  if (sizes.every((s) => typeof s === 'number')) {
    parts = ops.split(g!, sizes as number[], axis);
  } else {
    const sizeV = ops.concat(
      xs.map((x) => ops.shapeOf(x, axis, axis + 1)),
      0,
    );
    parts = g!.graph.addNode(
      'Split',
      [g!, sizeV],
      xs.map((x) => ({ dtype: g!.dtype, shape: x.shape })),
      { axis: { type: 'int', value: axis } },
    );
  }
  return parts.map((p, i) => (need[i] ? p : null));
});
registerGradient('Split', (n, grads) => {
  const axis = intAttr(n, 'axis', 0);
  const parts = n.outputs.map((o, i) => grads[i] ?? zerosLike(o));
  return [ops.concat(parts, axis), null];
});
registerGradient('Slice', (n, [g]) => {
  const x = ins(n, 0);
  const starts = constInts(ins(n, 1));
  const ends = constInts(ins(n, 2));
  const axes = n.inputs[3] ? constInts(n.inputs[3]) : starts?.map((_, i) => i);
  const steps = n.inputs[4] ? constInts(n.inputs[4]) : starts?.map(() => 1);
  if (!starts || !ends || !axes || !steps)
    throw new GraphBuildError('Slice', 'gradient needs constant starts/ends/axes/steps.');
  let gr = g!;
  axes.forEach((ax0, i) => {
    const axis = ax0 < 0 ? ax0 + x.rank : ax0;
    gr = unsliceAxis(gr, x, axis, starts[i], ends[i], steps[i]);
  });
  return [gr, null, null, null, null];
});
registerGradient('Pad', (n, [g]) => {
  // Per side and axis, a positive pad added elements (slice them off the gradient) and a negative pad
  // cropped x (pad the gradient with zeros there). Only mode 'constant' is offered by the builder.
  const x = ins(n, 0);
  const r = x.rank;
  const pads = constInts(ins(n, 1));
  if (!pads) return [runtimePadGrad(g!, x, ins(n, 1)), null, null];
  let gr = g!;
  if (pads.some((p) => p < 0)) {
    const undo = pads.map((p) => Math.max(0, -p));
    const shape = gr.shape.map((d, i) => addDims(d, undo[i] + undo[i + r]));
    gr = ops.pad(gr, undo, 0, shape);
  }
  if (pads.some((p) => p > 0)) {
    const axes = x.shape.map((_, i) => i);
    const starts = axes.map((i) => Math.max(0, pads[i]));
    const ends = axes.map((i) => (pads[i + r] > 0 ? -pads[i + r] : Number.POSITIVE_INFINITY));
    gr = sliceAs(gr, starts, ends, axes, x.shape);
  }
  return [gr, null, null];
});
registerGradient('Tile', (n, [g]) => {
  const x = ins(n, 0);
  const reps = constInts(ins(n, 1));
  if (!reps) throw new GraphBuildError('Tile', 'gradient needs constant repeats.');
  // View the gradient as [r0, d0, r1, d1, ...] and sum over the repeat axes.
  const interleaved: Value[] = [];
  x.shape.forEach((_, i) => {
    interleaved.push(x.graph.int64s([reps[i]]));
    interleaved.push(ops.unsqueeze(dimOf(x, i), [0]));
  });
  const shape = isStatic(x.shape) ? x.shape.flatMap((d, i) => [reps[i], d as number]) : null;
  const view = shape
    ? ops.reshape(g!, shape)
    : ops.reshape(
        g!,
        ops.concat(interleaved, 0),
        x.shape.flatMap((d, i) => [reps[i], d]),
      );
  const summed = ops.reduceSum(
    view,
    x.shape.map((_, i) => 2 * i),
    false,
  );
  return [summed, null];
});
registerGradient('Gather', (n, [g]) => {
  const [x, idx0] = [ins(n, 0), ins(n, 1)];
  const axis = intAttr(n, 'axis', 0);
  const idx = idx0.dtype === 'int64' ? idx0 : ops.cast(idx0, 'int64');
  const q = idx.rank;
  if (axis === 0) return [ops.scatterND(zerosLike(x), ops.unsqueeze(idx, [-1]), g!, 'add'), null];
  // Move the gathered axis to the front, scatter there, move it back.
  const permX = [axis, ...x.shape.map((_, i) => i).filter((i) => i !== axis)];
  const xt = ops.transpose(x, permX);
  const gAxes = g!.shape.map((_, i) => i);
  const permG = [...gAxes.slice(axis, axis + q), ...gAxes.slice(0, axis), ...gAxes.slice(axis + q)];
  const dxt = ops.scatterND(zerosLike(xt), ops.unsqueeze(idx, [-1]), ops.transpose(g!, permG), 'add');
  return [ops.transpose(dxt, invertPerm(permX)), null];
});
registerGradient('GatherElements', (n, [g]) => {
  const [x, idx] = [ins(n, 0), ins(n, 1)];
  return [ops.scatterElements(zerosLike(x), idx, g!, intAttr(n, 'axis', 0), 'add'), null];
});
registerGradient('GatherND', (n, [g]) => [ops.scatterND(zerosLike(ins(n, 0)), ins(n, 1), g!, 'add'), null]);
registerGradient('ScatterElements', (n, [g], need) => {
  const [, idx, upd] = [ins(n, 0), ins(n, 1), ins(n, 2)];
  const axis = intAttr(n, 'axis', 0);
  const reduction = n.attrs.reduction?.type === 'string' ? n.attrs.reduction.value : 'none';
  const dData = !need[0]
    ? null
    : reduction === 'add'
      ? g
      : ops.scatterElements(g!, idx, zerosLike(upd), axis, 'none');
  return [dData, null, need[2] ? ops.gatherElements(g!, idx, axis) : null];
});
registerGradient('ScatterND', (n, [g], need) => {
  const [, idx, upd] = [ins(n, 0), ins(n, 1), ins(n, 2)];
  const reduction = n.attrs.reduction?.type === 'string' ? n.attrs.reduction.value : 'none';
  const dData = !need[0] ? null : reduction === 'add' ? g : ops.scatterND(g!, idx, zerosLike(upd), 'none');
  return [dData, null, need[2] ? ops.gatherND(g!, idx) : null];
});

// ---- reductions and normalisations ----
registerGradient('ReduceSum', (n, [g]) => {
  const x = ins(n, 0);
  const axes = normalized(axesOf(n), x.rank);
  return [unreduce(g!, x, axes, intAttr(n, 'keepdims', 1) === 1), null];
});
registerGradient('ReduceMean', (n, [g]) => {
  const x = ins(n, 0);
  const axes = normalized(axesOf(n), x.rank);
  return [ops.div(unreduce(g!, x, axes, intAttr(n, 'keepdims', 1) === 1), countOver(x, axes)), null];
});
for (const op of ['ReduceMax', 'ReduceMin']) {
  // Ties split the gradient evenly among the extreme elements.
  registerGradient(op, (n, [g]) => {
    const x = ins(n, 0);
    const axes = normalized(axesOf(n), x.rank);
    const keep = intAttr(n, 'keepdims', 1) === 1;
    const y = keep ? out(n) : ops.unsqueeze(out(n), axes);
    const mask = ops.cast(ops.equal(x, y), x.dtype);
    const count = ops.reduceSum(mask, axes, true);
    const gk = keep ? g! : ops.unsqueeze(g!, axes);
    return [ops.mul(mask, ops.div(gk, count)), null];
  });
}
registerGradient('Softmax', (n, [g]) => {
  const axis = intAttr(n, 'axis', -1);
  const y = out(n);
  return [ops.mul(y, ops.sub(g!, ops.reduceSum(ops.mul(g!, y), [axis], true)))];
});
registerGradient('LogSoftmax', (n, [g]) => {
  const axis = intAttr(n, 'axis', -1);
  return [ops.sub(g!, ops.mul(ops.exp(out(n)), ops.reduceSum(g!, [axis], true)))];
});
registerGradient('LayerNormalization', (n, [g], need) => {
  const [x, scale, bias] = [ins(n, 0), ins(n, 1), n.inputs[2]];
  const axis = intAttr(n, 'axis', -1);
  const a = axis < 0 ? axis + x.rank : axis;
  const axes = x.shape.map((_, i) => i).filter((i) => i >= a);
  let mean = out(n, 1);
  let invStd = out(n, 2);
  if (mean.dtype !== x.dtype) {
    mean = ops.cast(mean, x.dtype);
    invStd = ops.cast(invStd, x.dtype);
  }
  const xhat = ops.mul(ops.sub(x, mean), invStd);
  const dScale = need[1] ? unbroadcast(ops.mul(g!, xhat), scale) : null;
  const dBias = bias && need[2] ? unbroadcast(g!, bias) : null;
  let dx: Value | null = null;
  if (need[0]) {
    const dxhat = ops.mul(g!, scale);
    const m1 = ops.reduceMean(dxhat, axes, true);
    const m2 = ops.reduceMean(ops.mul(dxhat, xhat), axes, true);
    dx = ops.mul(invStd, ops.sub(ops.sub(dxhat, m1), ops.mul(xhat, m2)));
  }
  return [dx, dScale, dBias];
});
registerGradient('Trilu', (n, [g]) => {
  const k = n.inputs[1];
  const kk = k ? constInts(k)?.[0] : undefined;
  return [ops.trilu(g!, { upper: intAttr(n, 'upper', 1) === 1, k: kk }), null];
});
registerGradient('CumSum', (n, [g]) => {
  const axis = constInts(ins(n, 1))![0];
  return [
    ops.cumsum(g!, axis, {
      exclusive: intAttr(n, 'exclusive', 0) === 1,
      reverse: intAttr(n, 'reverse', 0) !== 1,
    }),
    null,
  ];
});
registerGradient('TopK', (n, [g]) => {
  const x = ins(n, 0);
  if (!g) return [null, null];
  return [ops.scatterElements(zerosLike(x), out(n, 1), g, intAttr(n, 'axis', -1), 'add'), null];
});

/** Undo a slice along one axis: place `g` back at its positions in a zero tensor shaped like x on that axis. */
function unsliceAxis(g: Value, x: Value, axis: number, start: number, end: number, step: number): Value {
  const d = x.shape[axis];
  const fullShape = g.shape.map((s, i) => (i === axis ? d : s));
  if (step === 1) {
    let pads: number[] | Value;
    if (typeof d === 'number') {
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      const b = clamp(start);
      const e = Math.max(b, clamp(end));
      pads = g.shape.map(() => 0).concat(g.shape.map(() => 0));
      pads[axis] = b;
      pads[axis + g.rank] = d - e;
    } else {
      // Symbolic length: compute begin/end at run time exactly as Slice clamps them.
      const gr = x.graph;
      const dim = dimOf(x, axis);
      const zero = gr.constant(0n, 'int64');
      const norm = (v: number) => {
        const big = Math.abs(v) >= 2 ** 62;
        if (big) return v > 0 ? dim : zero;
        const c = gr.constant(BigInt(v), 'int64');
        const raw = v < 0 ? ops.add(dim, c) : c;
        return ops.minimum(ops.maximum(raw, zero), dim);
      };
      const b = norm(start);
      const e = ops.maximum(norm(end), b);
      const parts: Value[] = [];
      for (let side = 0; side < 2; side++) {
        for (let i = 0; i < g.rank; i++) {
          const v = i !== axis ? zero : side === 0 ? b : ops.sub(dim, e);
          parts.push(ops.unsqueeze(v, [0]));
        }
      }
      pads = ops.concat(parts, 0);
    }
    return ops.pad(g, pads, 0, fullShape);
  }
  if (typeof d !== 'number') {
    throw new GraphBuildError(
      'Slice',
      `gradient of a strided slice (step ${step}) needs a static axis ${axis}, got ${fmtShape(x.shape)}.`,
    );
  }
  // Strided slice: scatter the gradient rows to their source positions.
  const len = g.shape[axis] as number;
  // Clamp the start exactly as Slice does (a start before the first element, e.g. -Infinity, means 0).
  const s0 = start < 0 ? start + d : start;
  const first = step > 0 ? Math.min(Math.max(s0, 0), d) : Math.min(Math.max(s0, -1), d - 1);
  const positions = Array.from({ length: len }, (_, i) => first + i * step);
  const idxShape = g.shape.map((_, i) => (i === axis ? len : 1));
  const idx = x.graph.constant(
    Tensor.fromArray(
      positions.map((p) => BigInt(p)),
      { dtype: 'int64', shape: idxShape },
    ),
  );
  const zeros = ops.constantOfShape(
    isStatic(fullShape)
      ? x.graph.int64s(fullShape as number[])
      : ops.concat(
          fullShape.map((_, i) =>
            ops.unsqueeze(i === axis ? x.graph.constant(BigInt(d), 'int64') : dimOf(g, i), [0]),
          ),
          0,
        ),
    0,
    g.dtype,
    fullShape,
  );
  return ops.scatterElements(zeros, ops.expand(idx, runtimeShape(g), g.shape), g, axis, 'add');
}

/** Slice with static bounds, typed with a known result shape (ops.slice would infer fresh dims when symbolic). */
function sliceAs(g: Value, starts: number[], ends: number[], axes: number[], shape: Shape): Value {
  const gr = g.graph;
  const big = (v: number) => (v === Number.POSITIVE_INFINITY ? 2 ** 62 : v);
  const inputs = [g, gr.int64s(starts), gr.int64s(ends.map(big)), gr.int64s(axes)];
  return gr.addNode('Slice', inputs, [{ dtype: g.dtype, shape }])[0];
}

/**
 * Gradient of Pad with run-time pads `p` ([begins..., ends...], int64): pad the gradient with max(-p, 0)
 * (undo crops), then slice off max(p, 0) on each side.
 */
function runtimePadGrad(g: Value, x: Value, p: Value): Value {
  const gr = g.graph;
  const r = x.rank;
  const zero = gr.constant(0n, 'int64');
  const crop = ops.maximum(ops.neg(p), zero);
  const added = ops.maximum(p, zero);
  const widened = ops.pad(g, crop, 0);
  const starts = ops.slice(added, [0], [r]);
  const ends = ops.sub(ops.shapeOf(widened), ops.slice(added, [r], [2 * r]));
  const axes = gr.int64s(x.shape.map((_, i) => i));
  return gr.addNode('Slice', [widened, starts, ends, axes], [{ dtype: g.dtype, shape: x.shape }])[0];
}
