import { TensorError } from '../tensor/errors.js';
import { Rng } from '../tensor/rng.js';
import { shapeSize, Tensor } from '../tensor/tensor.js';
import { assertFloat, fmtShape, type KernelFloat } from './common.js';

/**
 * Options of {@link sampleCategorical}. Give `rng` (a stream you keep drawing from) or `seed`.
 * @example
 * ```ts
 * const opts: SampleCategoricalOptions = { seed: 7, logits: true, numSamples: 8 };
 * ```
 */
export interface SampleCategoricalOptions {
  /** Generator to draw from; it advances by exactly one `uniform()` per sample. */
  rng?: Rng;
  /** Seed for a fresh {@link Rng} when `rng` is not given. */
  seed?: number;
  /** The last axis holds logits (softmax is applied per row) instead of probabilities. Default false. */
  logits?: boolean;
  /** Samples per row, drawn with replacement. When given, the output gets a trailing axis of this size. */
  numSamples?: number;
}

/**
 * Draw category indices from each row (the last axis) of a probability or logit tensor `[..., n]`.
 *
 * Method: inverse CDF. Per row, the float64 cumulative sums `c_j` of the weights are formed once; each sample
 * draws `u = rng.uniform() * c_{n-1}` and returns the first j with `c_j > u` (binary search), so a category with
 * weight 0 is never drawn. Probabilities need not be normalised (rows are divided by their sum, like
 * torch.multinomial); with `logits: true` the weights are `exp(x - max)` (a stable softmax; -Infinity masks an
 * entry). Draw order is row-major, samples of a row consecutive, one `uniform()` each: a fixed seed gives the
 * same samples on every machine.
 *
 * Output: int32 of shape `[...]` (the rows' shape) when `numSamples` is omitted, `[..., numSamples]` when given.
 *
 * @throws {TensorError} without `rng`/`seed`; for non-float or scalar input; for negative, NaN or infinite
 * probabilities, all-zero probability rows, NaN or +Infinity logits and all -Infinity logit rows.
 * @example
 * ```ts
 * const probs = Tensor.fromArray([[0.1, 0.9], [1, 0]]);
 * sampleCategorical(probs, { seed: 1 }).toNumbers();                // e.g. [1, 0]; row 2 is always 0
 * sampleCategorical(probs, { seed: 1, numSamples: 4 }).shape;       // [2, 4]
 * sampleCategorical(Tensor.fromArray([[0, 5, -Infinity]]), { rng: new Rng(7), logits: true });
 * ```
 */
export function sampleCategorical(
  probsOrLogits: Tensor<KernelFloat>,
  options: SampleCategoricalOptions,
): Tensor<'int32'> {
  const fn = 'sampleCategorical';
  assertFloat(fn, probsOrLogits, 'probsOrLogits');
  const x = probsOrLogits;
  if (x.rank === 0) {
    throw new TensorError(`${fn}: probsOrLogits is a scalar; pass rows of category weights, shape [..., n].`);
  }
  const rng = options?.rng ?? (options?.seed !== undefined ? new Rng(options.seed) : null);
  if (rng === null) {
    throw new TensorError(`${fn}: no randomness source; pass { seed: <number> } or { rng: new Rng(seed) }.`);
  }
  const ns = options.numSamples;
  if (ns !== undefined && (!Number.isInteger(ns) || ns < 0)) {
    throw new TensorError(`${fn}: numSamples must be a non-negative integer, got ${ns}.`);
  }
  const n = x.shape[x.rank - 1];
  const rowsShape = x.shape.slice(0, -1);
  const rows = shapeSize(rowsShape);
  const perRow = ns ?? 1;
  const out = Tensor.zeros(ns === undefined ? rowsShape : [...rowsShape, ns], 'int32');
  if (rows > 0 && n === 0) {
    throw new TensorError(
      `${fn}: rows of ${fmtShape(x.shape)} have no categories; the last axis must be >= 1.`,
    );
  }
  const logits = options.logits === true;
  const cdf = new Float64Array(n);
  const src = x.data;
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let max = 0;
    if (logits) {
      max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) {
        const v = src[base + j];
        if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) {
          throw new TensorError(
            `${fn}: logit row ${r} of ${fmtShape(x.shape)} holds ${v} at ${j}; logits must be finite or -Infinity.`,
          );
        }
        if (v > max) max = v;
      }
      if (max === Number.NEGATIVE_INFINITY) {
        throw new TensorError(
          `${fn}: logit row ${r} of ${fmtShape(x.shape)} is entirely -Infinity (everything masked); ` +
            'leave at least one category unmasked.',
        );
      }
    }
    let acc = 0;
    let last = -1;
    for (let j = 0; j < n; j++) {
      let w = src[base + j];
      if (logits) w = Math.exp(w - max);
      else if (!(w >= 0) || w === Number.POSITIVE_INFINITY) {
        throw new TensorError(
          `${fn}: probability row ${r} of ${fmtShape(x.shape)} holds ${w} at ${j}; probabilities must be finite ` +
            'and >= 0 (pass { logits: true } for logits).',
        );
      }
      if (w > 0) last = j;
      acc += w;
      cdf[j] = acc;
    }
    if (!(acc > 0)) {
      throw new TensorError(
        `${fn}: probability row ${r} of ${fmtShape(x.shape)} sums to ${acc}; give at least one category weight > 0.`,
      );
    }
    for (let s = 0; s < perRow; s++) {
      const u = rng.uniform() * acc;
      // First j with cdf[j] > u; `last` guards the (rounding) case u >= cdf[n-1].
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      out.data[r * perRow + s] = cdf[lo] > u ? lo : last;
    }
  }
  return out;
}
