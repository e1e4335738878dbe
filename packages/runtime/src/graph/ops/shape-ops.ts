import type { DType } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { GraphBuildError } from '../errors.js';
import { type Attr, attr } from '../node.js';
import {
  addDims,
  broadcastShapes,
  type Dim,
  divDims,
  fmtShape,
  mulDims,
  normAxes,
  normAxis,
  type Shape,
} from '../shape.js';
import { Value } from '../value.js';
import { constInts, graphOf, requireDType, sameDType } from './util.js';

const INT_MAX = 2 ** 62;

/** Permute axes (ONNX Transpose); default reverses them. @example x.transpose([0, 2, 1, 3]) */
export function transpose(x: Value, perm?: readonly number[]): Value {
  const p = perm ? [...perm] : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new GraphBuildError(
      'Transpose',
      `perm [${p.join(', ')}] is not a permutation of the ${x.rank} axes of ${fmtShape(x.shape)}.`,
    );
  }
  return x.graph.addNode('Transpose', [x], [{ dtype: x.dtype, shape: p.map((i) => x.shape[i]) }], {
    perm: attr.ints(p),
  })[0];
}

/**
 * Reshape (ONNX Reshape, allowzero=0): `0` copies the input dim at that position, one `-1` is inferred.
 * Symbolic input dims flow through `0` and `-1` (e.g. [batch, seq, 256] -> [-1, 256] gives ['batch*seq', 256]).
 * A Value target gives a run-time shape; pass `resultShape` to state what it will be.
 * @example x.reshape([0, 0, heads, headDim])
 */
export function reshape(x: Value, target: readonly number[] | Value, resultShape?: Shape): Value {
  const op = 'Reshape';
  const g = x.graph;
  if (target instanceof Value) {
    requireDType(op, target, ['int64'], 'shape');
    if (target.rank !== 1 || typeof target.shape[0] !== 'number') {
      throw new GraphBuildError(
        op,
        `shape operand must be a 1-D int64 of static length, got ${fmtShape(target.shape)}.`,
      );
    }
    const out = resultShape ?? Array.from({ length: target.shape[0] as number }, () => g.freshDim('reshape'));
    return g.addNode(op, [x, target], [{ dtype: x.dtype, shape: out }])[0];
  }
  const dims: Dim[] = [];
  let inferAt = -1;
  target.forEach((d, i) => {
    if (!Number.isInteger(d) || d < -1)
      throw new GraphBuildError(op, `invalid target dimension ${d} in [${target.join(', ')}].`);
    if (d === -1) {
      if (inferAt >= 0) throw new GraphBuildError(op, `target [${target.join(', ')}] has more than one -1.`);
      inferAt = i;
      dims.push(-1);
    } else if (d === 0) {
      if (i >= x.rank)
        throw new GraphBuildError(
          op,
          `target dim ${i} is 0 (copy) but the input ${fmtShape(x.shape)} has rank ${x.rank}.`,
        );
      dims.push(x.shape[i]);
    } else dims.push(d);
  });
  const total = mulDims(x.shape);
  if (inferAt >= 0) {
    const known = mulDims(dims.filter((_, i) => i !== inferAt));
    const q = divDims(total, known);
    dims[inferAt] = q ?? g.freshDim('reshape');
    if (q === undefined && typeof total === 'number' && typeof known === 'number') {
      throw new GraphBuildError(
        op,
        `cannot reshape ${fmtShape(x.shape)} (${total} elements) to [${target.join(', ')}].`,
      );
    }
  } else if (typeof total === 'number') {
    const t2 = mulDims(dims);
    if (typeof t2 === 'number' && t2 !== total) {
      throw new GraphBuildError(
        op,
        `cannot reshape ${fmtShape(x.shape)} (${total} elements) to [${target.join(', ')}] (${t2}).`,
      );
    }
  }
  return g.addNode(op, [x, g.int64s(target)], [{ dtype: x.dtype, shape: resultShape ?? dims }])[0];
}

/** Flatten to 2-D at `axis` (ONNX Flatten): [d0..d(axis-1)] x [d(axis)..]. */
export function flatten(x: Value, axis = 1): Value {
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a > x.rank)
    throw new GraphBuildError('Flatten', `axis ${axis} out of range for ${fmtShape(x.shape)}.`);
  const shape = [mulDims(x.shape.slice(0, a)), mulDims(x.shape.slice(a))];
  return x.graph.addNode('Flatten', [x], [{ dtype: x.dtype, shape }], { axis: attr.int(a) })[0];
}

/** Remove size-1 axes (ONNX Squeeze; axes as an input since opset 13). */
export function squeeze(x: Value, axes: readonly number[]): Value {
  const ax = normAxes('Squeeze', axes, x.rank);
  for (const a of ax) {
    if (x.shape[a] !== 1 && typeof x.shape[a] === 'number') {
      throw new GraphBuildError(
        'Squeeze',
        `axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1.`,
      );
    }
  }
  const shape = x.shape.filter((_, i) => !ax.includes(i));
  return x.graph.addNode('Squeeze', [x, x.graph.int64s(ax)], [{ dtype: x.dtype, shape }])[0];
}

/** Insert size-1 axes at the given output positions (ONNX Unsqueeze). @example x.unsqueeze([1]) */
export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const outRank = x.rank + axes.length;
  const ax = normAxes('Unsqueeze', axes, outRank);
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < outRank; i++) shape.push(ax.includes(i) ? 1 : x.shape[j++]);
  return x.graph.addNode('Unsqueeze', [x, x.graph.int64s(ax)], [{ dtype: x.dtype, shape }])[0];
}

/** Join along an axis (ONNX Concat). @example concat([past, k], 2) */
export function concat(values: readonly Value[], axis: number): Value {
  const op = 'Concat';
  if (values.length === 0) throw new GraphBuildError(op, 'needs at least one input.');
  const g = graphOf(op, ...values);
  const dt = sameDType(op, ...values);
  const rank = values[0].rank;
  const a = normAxis(op, axis, rank);
  let along: Dim = 0;
  const shape = [...values[0].shape];
  for (const v of values) {
    if (v.rank !== rank)
      throw new GraphBuildError(op, `ranks differ: ${values.map((x) => fmtShape(x.shape)).join(', ')}.`);
    v.shape.forEach((d, i) => {
      if (i === a) return;
      if (typeof d === 'number' && typeof shape[i] === 'number' && d !== shape[i]) {
        throw new GraphBuildError(
          op,
          `dimension ${i} differs: ${values.map((x) => fmtShape(x.shape)).join(', ')} (only axis ${a} may differ).`,
        );
      }
      if (typeof shape[i] === 'string' && typeof d === 'number') shape[i] = d;
    });
    along = addDims(along, v.shape[a]);
  }
  shape[a] = along;
  return g.addNode(op, values, [{ dtype: dt, shape }], { axis: attr.int(a) })[0];
}

/**
 * Split along an axis (ONNX Split, sizes as an input since opset 13): `sizes` lists each part's length, or a
 * number splits into that many equal parts.
 * @example const [q, k, v] = split(qkv, 3, -1)
 */
export function split(x: Value, sizes: readonly number[] | number, axis = 0): Value[] {
  const op = 'Split';
  const a = normAxis(op, axis, x.rank);
  const dim = x.shape[a];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (typeof dim !== 'number')
      throw new GraphBuildError(
        op,
        `equal split needs a static axis ${a} in ${fmtShape(x.shape)}; pass sizes.`,
      );
    if (dim % sizes !== 0)
      throw new GraphBuildError(op, `axis ${a} of size ${dim} does not split into ${sizes} equal parts.`);
    parts = Array.from({ length: sizes }, () => dim / sizes);
  } else {
    parts = [...sizes];
    const total = parts.reduce((s, v) => s + v, 0);
    if (typeof dim === 'number' && total !== dim) {
      throw new GraphBuildError(
        op,
        `sizes [${parts.join(', ')}] sum to ${total}, but axis ${a} of ${fmtShape(x.shape)} is ${dim}.`,
      );
    }
  }
  const outs = parts.map((p) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? p : d)) }));
  return x.graph.addNode(op, [x, x.graph.int64s(parts)], outs, { axis: attr.int(a) });
}

function sliceDim(d: Dim, start: number, end: number, step: number, g: Value['graph']): Dim {
  if (typeof d === 'number') {
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let s = start < 0 ? start + d : start;
    let e = end < 0 ? end + d : end;
    if (step > 0) {
      s = clamp(s, 0, d);
      e = clamp(e, 0, d);
      return Math.max(0, Math.ceil((e - s) / step));
    }
    s = clamp(s, -1, d - 1);
    e = clamp(e, -1, d - 1);
    return Math.max(0, Math.ceil((s - e) / -step));
  }
  // Symbolic dim: exact for the full range; assume in-range bounds otherwise (documented on slice()).
  if (step === 1 && start === 0 && end >= INT_MAX) return d;
  if (step === 1 && start < 0 && end >= INT_MAX) return -start;
  if (step > 0 && start >= 0 && end >= 0 && end < INT_MAX) return Math.ceil((end - start) / step);
  return g.freshDim('slice');
}

/**
 * Slice along axes (ONNX Slice). Bounds follow Python: negative counts from the end, `Infinity` means "to the
 * end". On symbolic dims, static bounds are assumed to be in range (e.g. `x[:, :64]` gives 64).
 * @example slice(x, [0], [-1], [1])   // drop the last position of axis 1
 */
export function slice(
  x: Value,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): Value {
  const op = 'Slice';
  const ax = axes ? normAxes(op, axes, x.rank) : starts.map((_, i) => i);
  const st = steps ?? starts.map(() => 1);
  if (starts.length !== ends.length || starts.length !== ax.length || st.length !== ax.length) {
    throw new GraphBuildError(
      op,
      `starts, ends, axes and steps must have equal lengths (${starts.length}, ${ends.length}, ${ax.length}, ${st.length}).`,
    );
  }
  if (st.some((s) => s === 0 || !Number.isInteger(s)))
    throw new GraphBuildError(op, 'steps must be non-zero integers.');
  const clampInf = (v: number) =>
    v === Number.POSITIVE_INFINITY ? INT_MAX : v === Number.NEGATIVE_INFINITY ? -INT_MAX : v;
  const s0 = starts.map(clampInf);
  const e0 = ends.map(clampInf);
  const shape = [...x.shape];
  ax.forEach((a, i) => {
    shape[a] = sliceDim(x.shape[a], s0[i], e0[i], st[i], x.graph);
  });
  const g = x.graph;
  const inputs = [x, g.int64s(s0), g.int64s(e0), g.int64s(ax), g.int64s(st)];
  return g.addNode(op, inputs, [{ dtype: x.dtype, shape }])[0];
}

/**
 * Gather slices along `axis` at `indices` (ONNX Gather): out shape = x[:axis] + indices + x[axis+1:].
 * @example gather(embeddingTable, tokenIds, 0)
 */
export function gather(x: Value, indices: Value, axis = 0): Value {
  const op = 'Gather';
  graphOf(op, x, indices);
  requireDType(op, indices, ['int32', 'int64'], 'indices');
  const a = normAxis(op, axis, x.rank);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return x.graph.addNode(op, [x, indices], [{ dtype: x.dtype, shape }], { axis: attr.int(a) })[0];
}

/** Elementwise gather along an axis (ONNX GatherElements): out has the indices' shape. */
export function gatherElements(x: Value, indices: Value, axis: number): Value {
  const op = 'GatherElements';
  graphOf(op, x, indices);
  requireDType(op, indices, ['int32', 'int64'], 'indices');
  const a = normAxis(op, axis, x.rank);
  if (indices.rank !== x.rank) {
    throw new GraphBuildError(
      op,
      `indices ${fmtShape(indices.shape)} must have the rank of data ${fmtShape(x.shape)}.`,
    );
  }
  return x.graph.addNode(op, [x, indices], [{ dtype: x.dtype, shape: indices.shape }], {
    axis: attr.int(a),
  })[0];
}

/**
 * Scatter `updates` into a copy of `data` at `indices` along `axis` (ONNX ScatterElements); with
 * `reduction: 'add'` repeated indices accumulate.
 */
export function scatterElements(
  data: Value,
  indices: Value,
  updates: Value,
  axis: number,
  reduction: 'none' | 'add' = 'add',
): Value {
  const op = 'ScatterElements';
  graphOf(op, data, indices, updates);
  sameDType(op, data, updates);
  requireDType(op, indices, ['int32', 'int64'], 'indices');
  const a = normAxis(op, axis, data.rank);
  if (indices.rank !== data.rank || updates.rank !== data.rank) {
    throw new GraphBuildError(
      op,
      `data ${fmtShape(data.shape)}, indices ${fmtShape(indices.shape)} and updates ${fmtShape(updates.shape)} must share a rank.`,
    );
  }
  return data.graph.addNode(op, [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }], {
    axis: attr.int(a),
    reduction: attr.string(reduction),
  })[0];
}

/**
 * Broadcast to a shape (ONNX Expand). `target` may be static numbers or a run-time int64 Value (then pass
 * `resultShape`).
 * @example expand(bias, [4, 3])
 */
export function expand(x: Value, target: readonly number[] | Value, resultShape?: Shape): Value {
  const op = 'Expand';
  const g = x.graph;
  if (target instanceof Value) {
    requireDType(op, target, ['int64'], 'shape');
    const n = target.shape[0];
    if (target.rank !== 1 || typeof n !== 'number')
      throw new GraphBuildError(op, 'shape operand must be 1-D int64 of static length.');
    const guess: Dim[] = resultShape
      ? [...resultShape]
      : Array.from({ length: n }, () => g.freshDim('expand'));
    const out = resultShape ?? broadcastShapes(op, x.shape, guess);
    return g.addNode(op, [x, target], [{ dtype: x.dtype, shape: out }])[0];
  }
  const shape = broadcastShapes(op, x.shape, target);
  return g.addNode(op, [x, g.int64s(target)], [{ dtype: x.dtype, shape }])[0];
}

/** Repeat the tensor along each axis (ONNX Tile). @example tile(x, [1, 3]) */
export function tile(x: Value, repeats: readonly number[]): Value {
  const op = 'Tile';
  if (repeats.length !== x.rank)
    throw new GraphBuildError(
      op,
      `repeats [${repeats.join(', ')}] must have one entry per axis of ${fmtShape(x.shape)}.`,
    );
  const shape = x.shape.map((d, i) => mulDims([d, repeats[i]]));
  return x.graph.addNode(op, [x, x.graph.int64s(repeats)], [{ dtype: x.dtype, shape }])[0];
}

/** The run-time shape as a 1-D int64 (ONNX Shape), optionally the axes [start, end). */
export function shapeOf(x: Value, start?: number, end?: number): Value {
  const s = start === undefined ? 0 : start < 0 ? start + x.rank : start;
  const e = end === undefined ? x.rank : end < 0 ? end + x.rank : end;
  const attrs: Record<string, ReturnType<typeof attr.int>> = {};
  if (start !== undefined) attrs.start = attr.int(s);
  if (end !== undefined) attrs.end = attr.int(e);
  return x.graph.addNode('Shape', [x], [{ dtype: 'int64', shape: [Math.max(0, e - s)] }], attrs)[0];
}

/**
 * A tensor of the given run-time shape filled with `value` (ONNX ConstantOfShape). Pass `resultShape` when the
 * shape Value is computed at run time.
 */
export function constantOfShape(
  shape: Value,
  value = 0,
  dtype: DType = 'float32',
  resultShape?: Shape,
): Value {
  const op = 'ConstantOfShape';
  requireDType(op, shape, ['int64'], 'shape');
  const n = shape.shape[0];
  if (shape.rank !== 1 || typeof n !== 'number')
    throw new GraphBuildError(op, 'shape operand must be 1-D int64 of static length.');
  const known = constInts(shape);
  const out: Shape = resultShape ?? known ?? Array.from({ length: n }, () => shape.graph.freshDim('cos'));
  return shape.graph.addNode(op, [shape], [{ dtype, shape: out }], {
    value: attr.tensor(Tensor.full([1], value, dtype)),
  })[0];
}

/**
 * [start, start + delta, ...) below limit (ONNX Range); operands are scalars of one numeric dtype.
 * @example range(g.constant(0n, 'int64'), seqLen, g.constant(1n, 'int64'))
 */
export function range(start: Value, limit: Value, delta: Value): Value {
  const op = 'Range';
  const g = graphOf(op, start, limit, delta);
  const dt = sameDType(op, start, limit, delta);
  for (const v of [start, limit, delta])
    if (v.rank !== 0) throw new GraphBuildError(op, `operands must be scalars, got ${fmtShape(v.shape)}.`);
  const [s, l, d] = [constInts(start), constInts(limit), constInts(delta)];
  const len: Dim = s && l && d ? Math.max(0, Math.ceil((l[0] - s[0]) / d[0])) : g.freshDim('range');
  return g.addNode(op, [start, limit, delta], [{ dtype: dt, shape: [len] }])[0];
}

/**
 * Keep the upper (or lower) triangle of the last two axes, zero elsewhere (ONNX Trilu); `k` shifts the diagonal.
 * @example trilu(ones, { upper: false })   // causal mask
 */
export function trilu(x: Value, options: { upper?: boolean; k?: number } = {}): Value {
  if (x.rank < 2) throw new GraphBuildError('Trilu', `needs rank >= 2, got ${fmtShape(x.shape)}.`);
  const g = x.graph;
  const inputs = options.k === undefined ? [x] : [x, g.constant(BigInt(options.k), 'int64')];
  return g.addNode('Trilu', inputs, [{ dtype: x.dtype, shape: x.shape }], {
    upper: attr.int(options.upper === false ? 0 : 1),
  })[0];
}

/** Cumulative sum along an axis (ONNX CumSum). */
export function cumsum(
  x: Value,
  axis: number,
  options: { exclusive?: boolean; reverse?: boolean } = {},
): Value {
  const a = normAxis('CumSum', axis, x.rank);
  const g = x.graph;
  return g.addNode('CumSum', [x, g.constant(BigInt(a), 'int64')], [{ dtype: x.dtype, shape: x.shape }], {
    exclusive: attr.int(options.exclusive ? 1 : 0),
    reverse: attr.int(options.reverse ? 1 : 0),
  })[0];
}

/**
 * One-hot encode integer `indices` with `depth` classes (ONNX OneHot); the new axis is last by default.
 * @example oneHot(labels, 10, { dtype: 'float32' })
 */
export function oneHot(
  indices: Value,
  depth: number,
  options: { axis?: number; dtype?: DType; on?: number; off?: number } = {},
): Value {
  const op = 'OneHot';
  requireDType(op, indices, ['int32', 'int64'], 'indices');
  if (!Number.isInteger(depth) || depth <= 0)
    throw new GraphBuildError(op, `depth must be a positive integer, got ${depth}.`);
  const dt = options.dtype ?? 'float32';
  const g = indices.graph;
  const outRank = indices.rank + 1;
  const a = normAxis(op, options.axis ?? -1, outRank);
  const shape = [...indices.shape];
  shape.splice(a, 0, depth);
  const values = g.constant(Tensor.fromArray([options.off ?? 0, options.on ?? 1], { dtype: dt }));
  return g.addNode(op, [indices, g.constant(BigInt(depth), 'int64'), values], [{ dtype: dt, shape }], {
    axis: attr.int(a),
  })[0];
}

/**
 * Pad with a constant (ONNX Pad, mode 'constant'): `pads` is [begin_0, ..., begin_n, end_0, ..., end_n],
 * static numbers or a run-time 1-D int64 Value (then pass `resultShape`).
 * @example pad(x, [0, 1, 0, 2])   // 2-D x: one column before, two columns after (rows unchanged)
 */
export function pad(x: Value, pads: readonly number[] | Value, value = 0, resultShape?: Shape): Value {
  const op = 'Pad';
  const g = x.graph;
  const padValue = g.constant(value, x.dtype);
  if (pads instanceof Value) {
    requireDType(op, pads, ['int64'], 'pads');
    const out = resultShape ?? x.shape.map(() => g.freshDim('pad'));
    return g.addNode(op, [x, pads, padValue], [{ dtype: x.dtype, shape: out }], {
      mode: attr.string('constant'),
    })[0];
  }
  if (pads.length !== 2 * x.rank) {
    throw new GraphBuildError(
      op,
      `pads must have 2 * rank = ${2 * x.rank} entries for ${fmtShape(x.shape)}, got ${pads.length}.`,
    );
  }
  const shape = x.shape.map((d, i) => {
    const extra = pads[i] + pads[i + x.rank];
    return extra === 0 ? d : typeof d === 'number' ? d + extra : addDims(d, extra);
  });
  return g.addNode(op, [x, g.int64s(pads), padValue], [{ dtype: x.dtype, shape }], {
    mode: attr.string('constant'),
  })[0];
}

/**
 * Scatter slices of `updates` into a copy of `data` at the index tuples in the last axis of `indices`
 * (ONNX ScatterND, opset 16+ reductions); with 'add', repeated indices accumulate.
 * @example scatterND(zeros, ids.unsqueeze([-1]), grads, 'add')   // embedding gradient
 */
export function scatterND(
  data: Value,
  indices: Value,
  updates: Value,
  reduction: 'none' | 'add' = 'add',
): Value {
  const op = 'ScatterND';
  graphOf(op, data, indices, updates);
  sameDType(op, data, updates);
  requireDType(op, indices, ['int64'], 'indices');
  const attrs: Record<string, Attr> = reduction === 'none' ? {} : { reduction: attr.string(reduction) };
  return data.graph.addNode(
    op,
    [data, indices, updates],
    [{ dtype: data.dtype, shape: data.shape }],
    attrs,
  )[0];
}

/**
 * Gather slices at the index tuples in the last axis of `indices` (ONNX GatherND, batch_dims 0).
 * @example gatherND(table, ids.unsqueeze([-1]))
 */
export function gatherND(data: Value, indices: Value): Value {
  const op = 'GatherND';
  graphOf(op, data, indices);
  requireDType(op, indices, ['int64'], 'indices');
  const q = indices.shape[indices.rank - 1];
  if (typeof q !== 'number')
    throw new GraphBuildError(op, `the last axis of indices ${fmtShape(indices.shape)} must be static.`);
  if (q > data.rank)
    throw new GraphBuildError(
      op,
      `index tuples of length ${q} exceed the rank of data ${fmtShape(data.shape)}.`,
    );
  const shape = [...indices.shape.slice(0, -1), ...data.shape.slice(q)];
  return data.graph.addNode(op, [data, indices], [{ dtype: data.dtype, shape }])[0];
}
