import type { DataTypeMap, DType } from '../tensor/dtype.js';
import { TensorError } from '../tensor/errors.js';
import { shapeSize, stridesOf, Tensor } from '../tensor/tensor.js';
import { assertFloat, fmtShape, type KernelFloat } from './common.js';

// Cache blocking: a 4-row x NB-column tile of C plus four NB-long rows of B stay in L1 (4*512*8*2 = 32 KiB),
// and a KB x NB panel of B (512 KiB) stays in L2 while every 4-row block of A streams past it.
const NB = 512;
const KB = 128;

/**
 * C[cOff..] += A[aOff..] (m x k) * B[bOff..] (k x n), all row-major float64. The inner loop handles 4 rows of A
 * and 4 steps of k at a time so each loaded B value feeds 4 multiply-adds and each C value is loaded/stored once
 * per 4 k-steps: V8 keeps the 16 A scalars in registers. About 4 GFLOP/s on one core in Node 20.
 */
function gemmF64(
  A: Float64Array,
  aOff: number,
  B: Float64Array,
  bOff: number,
  C: Float64Array,
  cOff: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let jj = 0; jj < n; jj += NB) {
    const je = Math.min(jj + NB, n);
    for (let kk = 0; kk < k; kk += KB) {
      const ke = Math.min(kk + KB, k);
      let i = 0;
      for (; i + 3 < m; i += 4) {
        const c0 = cOff + i * n;
        const c1 = c0 + n;
        const c2 = c1 + n;
        const c3 = c2 + n;
        const a0 = aOff + i * k;
        const a1 = a0 + k;
        const a2 = a1 + k;
        const a3 = a2 + k;
        let p = kk;
        for (; p + 3 < ke; p += 4) {
          const x0 = A[a0 + p];
          const x1 = A[a1 + p];
          const x2 = A[a2 + p];
          const x3 = A[a3 + p];
          const y0 = A[a0 + p + 1];
          const y1 = A[a1 + p + 1];
          const y2 = A[a2 + p + 1];
          const y3 = A[a3 + p + 1];
          const z0 = A[a0 + p + 2];
          const z1 = A[a1 + p + 2];
          const z2 = A[a2 + p + 2];
          const z3 = A[a3 + p + 2];
          const w0 = A[a0 + p + 3];
          const w1 = A[a1 + p + 3];
          const w2 = A[a2 + p + 3];
          const w3 = A[a3 + p + 3];
          const b0 = bOff + p * n;
          const b1 = b0 + n;
          const b2 = b1 + n;
          const b3 = b2 + n;
          for (let j = jj; j < je; j++) {
            const bx = B[b0 + j];
            const by = B[b1 + j];
            const bz = B[b2 + j];
            const bw = B[b3 + j];
            C[c0 + j] += x0 * bx + y0 * by + z0 * bz + w0 * bw;
            C[c1 + j] += x1 * bx + y1 * by + z1 * bz + w1 * bw;
            C[c2 + j] += x2 * bx + y2 * by + z2 * bz + w2 * bw;
            C[c3 + j] += x3 * bx + y3 * by + z3 * bz + w3 * bw;
          }
        }
        for (; p < ke; p++) {
          const x0 = A[a0 + p];
          const x1 = A[a1 + p];
          const x2 = A[a2 + p];
          const x3 = A[a3 + p];
          const b0 = bOff + p * n;
          for (let j = jj; j < je; j++) {
            const bx = B[b0 + j];
            C[c0 + j] += x0 * bx;
            C[c1 + j] += x1 * bx;
            C[c2 + j] += x2 * bx;
            C[c3 + j] += x3 * bx;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = cOff + i * n;
        const a0 = aOff + i * k;
        for (let p = kk; p < ke; p++) {
          const x0 = A[a0 + p];
          const b0 = bOff + p * n;
          for (let j = jj; j < je; j++) C[c0 + j] += x0 * B[b0 + j];
        }
      }
    }
  }
}

/** Broadcast two batch shapes numpy-style (right-aligned; 1 stretches); null when they do not fit. */
function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Flat offsets (in units of one matrix) of each broadcast batch entry into an operand with batch shape `own`. */
function batchOffsets(batch: readonly number[], own: readonly number[]): Int32Array {
  const total = shapeSize(batch);
  const offs = new Int32Array(total);
  const ownStrides = stridesOf(own);
  const lead = batch.length - own.length;
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < total; t++) {
    let off = 0;
    for (let d = lead; d < batch.length; d++) {
      if (own[d - lead] !== 1) off += idx[d] * ownStrides[d - lead];
    }
    offs[t] = off;
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return offs;
}

/**
 * Matrix product `a @ b` like numpy.matmul: `[m, k] x [k, n] -> [m, n]`, and batched `[..., m, k] x [..., k, n]`
 * with numpy broadcasting of the leading (batch) dimensions. Both operands must share one float dtype; the
 * result keeps it. Accumulation is in float64 (float32 results are rounded once at the end), with cache-blocked,
 * register-tiled i-k-j loops: a 256 x 256 x 256 float32 product takes about 5 ms in Node 20. NaN and Infinity
 * propagate as in IEEE arithmetic.
 *
 * @throws {TensorError} for rank < 2, mismatched inner dimensions, unbroadcastable batch dimensions or dtypes.
 * @example
 * ```ts
 * const a = Tensor.fromArray([[1, 2], [3, 4]]);
 * const b = Tensor.fromArray([[5], [6]]);
 * matmul(a, b).toArray(); // [[17], [39]]
 * ```
 */
export function matmul<D extends KernelFloat>(a: Tensor<D>, b: Tensor<D>): Tensor<D> {
  assertFloat('matmul', a, 'a');
  assertFloat('matmul', b, 'b');
  if (a.dtype !== b.dtype) {
    throw new TensorError(
      `matmul: a is ${a.dtype} ${fmtShape(a.shape)} but b is ${b.dtype} ${fmtShape(b.shape)}; ` +
        `cast one of them so both share a dtype (e.g. b.cast('${a.dtype}')).`,
    );
  }
  if (a.rank < 2 || b.rank < 2) {
    throw new TensorError(
      `matmul: needs rank >= 2 operands, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}; ` +
        'reshape vectors to [1, k] or [k, 1] first.',
    );
  }
  const m = a.shape[a.rank - 2];
  const k = a.shape[a.rank - 1];
  const k2 = b.shape[b.rank - 2];
  const n = b.shape[b.rank - 1];
  if (k !== k2) {
    throw new TensorError(
      `matmul: inner dimensions differ: a ${fmtShape(a.shape)} has ${k} columns but b ${fmtShape(b.shape)} ` +
        `has ${k2} rows; transpose or reshape so that a's last dimension equals b's second-to-last.`,
    );
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  if (batch === null) {
    throw new TensorError(
      `matmul: batch dimensions ${fmtShape(aBatch)} of a ${fmtShape(a.shape)} and ${fmtShape(bBatch)} of b ` +
        `${fmtShape(b.shape)} do not broadcast; make them equal or 1.`,
    );
  }
  const out = Tensor.zeros([...batch, m, n], a.dtype);
  if (out.size === 0 || k === 0) return out;
  const A = a.data instanceof Float64Array ? a.data : Float64Array.from(a.data);
  const B = b.data instanceof Float64Array ? b.data : Float64Array.from(b.data);
  const C = out.data instanceof Float64Array ? out.data : new Float64Array(out.size);
  const nBatch = shapeSize(batch);
  if (shapeSize(bBatch) === 1) {
    // [..., m, k] x [k, n] (b has no real batch): one tall product, the common `x @ W` case.
    gemmF64(A, 0, B, 0, C, 0, nBatch * m, k, n);
  } else {
    const aOffs = batchOffsets(batch, aBatch);
    const bOffs = batchOffsets(batch, bBatch);
    for (let t = 0; t < nBatch; t++) gemmF64(A, aOffs[t] * m * k, B, bOffs[t] * k * n, C, t * m * n, m, k, n);
  }
  if (C !== out.data) (out.data as Float32Array).set(C);
  return out;
}

/**
 * Permute the axes of a tensor (a copy), like numpy.transpose. The default permutation reverses the axes, so a
 * matrix is transposed. Works for every dtype.
 *
 * @throws {TensorError} when `perm` is not a permutation of `0..rank-1`.
 * @example
 * ```ts
 * transpose(Tensor.fromArray([[1, 2, 3], [4, 5, 6]])).toArray(); // [[1, 4], [2, 5], [3, 6]]
 * transpose(Tensor.zeros([2, 3, 4]), [1, 2, 0]).shape;           // [3, 4, 2]
 * ```
 */
export function transpose<D extends DType>(a: Tensor<D>, perm?: readonly number[]): Tensor<D> {
  if (!(a instanceof Tensor))
    throw new TensorError('transpose: a must be a Tensor; wrap data with Tensor.fromArray().');
  const rank = a.rank;
  const p = perm ? [...perm] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const seen = new Set<number>();
  for (const v of p) if (Number.isInteger(v) && v >= 0 && v < rank) seen.add(v);
  if (p.length !== rank || seen.size !== rank) {
    throw new TensorError(
      `transpose: perm [${perm?.join(', ')}] is not a permutation of the ${rank} axes of ${fmtShape(a.shape)}; ` +
        `list each of 0..${rank - 1} exactly once.`,
    );
  }
  const outShape = p.map((ax) => a.shape[ax]);
  const out = Tensor.zeros(outShape, a.dtype);
  const src = a.data as unknown as { [i: number]: number | bigint };
  const dst = out.data as unknown as { [i: number]: number | bigint };
  const size = a.size;
  if (size === 0) return out;
  if (rank === 2 && p[0] === 1) {
    transpose2d(a.data, out.data, a.shape[0], a.shape[1]);
    return out;
  }
  // Walk the output in order; keep the matching input offset with an odometer over the permuted strides.
  const inStrides = stridesOf(a.shape);
  const stepIn = p.map((ax) => inStrides[ax]);
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let o = 0; o < size; o++) {
    dst[o] = src[off];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      off += stepIn[d];
      if (idx[d] < outShape[d]) break;
      off -= stepIn[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Blocked 2-D transpose: 32 x 32 tiles keep both source rows and destination rows in cache. */
function transpose2d<T extends DataTypeMap[DType]>(src: T, dst: T, rows: number, cols: number): void {
  const s = src as unknown as { [i: number]: number | bigint };
  const d = dst as unknown as { [i: number]: number | bigint };
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(rows, i0 + T);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(cols, j0 + T);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) d[j * rows + i] = s[i * cols + j];
      }
    }
  }
}
