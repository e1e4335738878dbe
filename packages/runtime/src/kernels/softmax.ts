import { TensorError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat, fmtShape, type KernelFloat, normAxis, splitAxis } from './common.js';

/**
 * Scan one lane (n values, `stride` apart from `base`) for its max and `s = sum(exp(v - max))`, written to
 * `out[0]`, `out[1]`. Keeping the two apart (rather than `lse = max + log s`) lets log-softmax compute
 * `(v - max) - log s` without the rounding of a large `lse`. An empty or all -Infinity lane gives max -Infinity;
 * +Infinity gives max +Infinity; NaN gives max NaN (s is then meaningless).
 */
function laneMaxSum(
  v: Float32Array | Float64Array,
  base: number,
  n: number,
  stride: number,
  out: Float64Array,
): void {
  let max = Number.NEGATIVE_INFINITY;
  let nan = false;
  for (let j = 0; j < n; j++) {
    const x = v[base + j * stride];
    if (x > max) max = x;
    else if (Number.isNaN(x)) nan = true;
  }
  out[0] = nan ? Number.NaN : max;
  out[1] = 0;
  if (nan || max === Number.NEGATIVE_INFINITY || max === Number.POSITIVE_INFINITY) return;
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(v[base + j * stride] - max);
  out[1] = s;
}

function plusInfError(fn: string, x: Tensor): TensorError {
  return new TensorError(
    `${fn}: x ${fmtShape(x.shape)} holds +Infinity, where the distribution is undefined; ` +
      'clamp the logits to a finite maximum (or mask entries with -Infinity instead).',
  );
}

/**
 * Shared body of softmax / logSoftmax: per lane, compute lse once and write `exp(x - lse)` or `x - lse`.
 * An all -Infinity lane (everything masked) yields probabilities 0 and log-probabilities -Infinity, which keeps
 * `exp(logSoftmax) === softmax` and lets callers spot it (the row sums to 0, not 1).
 */
function softmaxLike<D extends KernelFloat>(fn: string, x: Tensor<D>, axis: number, log: boolean): Tensor<D> {
  assertFloat(fn, x);
  if (x.rank === 0) throw new TensorError(`${fn}: x is a scalar; give it at least one axis (reshape([1])).`);
  const ax = normAxis(fn, axis, x.shape);
  const { outer, n, inner } = splitAxis(x.shape, ax);
  const out = Tensor.zeros(x.shape, x.dtype);
  const src = x.data;
  const dst = out.data;
  const ms = new Float64Array(2);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      laneMaxSum(src, base, n, inner, ms);
      const max = ms[0];
      if (max === Number.POSITIVE_INFINITY) throw plusInfError(fn, x);
      if (max === Number.NEGATIVE_INFINITY) {
        for (let j = 0; j < n; j++) dst[base + j * inner] = log ? Number.NEGATIVE_INFINITY : 0;
        continue;
      }
      // NaN lanes fall through: max is NaN, so every output is NaN.
      const s = ms[1];
      const logS = Math.log(s);
      for (let j = 0; j < n; j++) {
        const z = src[base + j * inner] - max;
        dst[base + j * inner] = log ? z - logS : Math.exp(z) / s;
      }
    }
  }
  return out;
}

/**
 * Softmax along `axis` (default the last): `exp(x - max) / sum(exp(x - max))`, computed in float64 with max subtraction so
 * large logits do not overflow. -Infinity entries (masked logits) get probability 0. A lane that is entirely
 * -Infinity has no distribution: its output is all zeros (it sums to 0, not 1). NaN propagates to its lane.
 *
 * @throws {TensorError} for non-float or scalar input, a bad axis, or +Infinity entries.
 * @example
 * ```ts
 * softmax(Tensor.fromArray([[0, Math.log(3)]])).toArray(); // [[0.25, 0.75]]
 * softmax(Tensor.fromArray([[1, -Infinity]])).toArray();   // [[1, 0]]
 * ```
 */
export function softmax<D extends KernelFloat>(x: Tensor<D>, axis = -1): Tensor<D> {
  return softmaxLike('softmax', x, axis, false);
}

/**
 * Log-softmax along `axis` (default the last): `(x - max) - log(sum(exp(x - max)))`, accurate for large logits
 * (no log of a rounded probability, no rounding of a large logSumExp). -Infinity entries stay -Infinity; an all -Infinity lane is all -Infinity (log of the zeros that
 * {@link softmax} returns). NaN propagates to its lane.
 *
 * @throws {TensorError} for non-float or scalar input, a bad axis, or +Infinity entries.
 * @example
 * ```ts
 * logSoftmax(Tensor.fromArray([[1000, 1000]])).toArray(); // [[-0.6931..., -0.6931...]]
 * ```
 */
export function logSoftmax<D extends KernelFloat>(x: Tensor<D>, axis = -1): Tensor<D> {
  return softmaxLike('logSoftmax', x, axis, true);
}

/**
 * `log(sum(exp(x)))` along `axis` (default the last), stable by max subtraction; the axis is removed unless
 * `keepDims`. Edge cases follow the math: an all -Infinity (or empty) lane gives -Infinity (log 0), a lane holding
 * +Infinity gives +Infinity, NaN gives NaN.
 *
 * @throws {TensorError} for non-float or scalar input or a bad axis.
 * @example
 * ```ts
 * logSumExp(Tensor.fromArray([[0, 0], [-Infinity, -Infinity]])).toNumbers(); // [0.6931..., -Infinity]
 * ```
 */
export function logSumExp<D extends KernelFloat>(x: Tensor<D>, axis = -1, keepDims = false): Tensor<D> {
  assertFloat('logSumExp', x);
  if (x.rank === 0)
    throw new TensorError('logSumExp: x is a scalar; give it at least one axis (reshape([1])).');
  const ax = normAxis('logSumExp', axis, x.shape);
  const { outer, n, inner } = splitAxis(x.shape, ax);
  const shape = keepDims ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax);
  const out = Tensor.zeros(shape, x.dtype);
  const dst = out.data;
  const ms = new Float64Array(2);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      laneMaxSum(x.data, o * n * inner + i, n, inner, ms);
      // max + log(0) is -Infinity for an all -Infinity lane; +Infinity and NaN pass through as max.
      dst[o * inner + i] = Number.isFinite(ms[0]) ? ms[0] + Math.log(ms[1]) : ms[0];
    }
  }
  return out;
}
