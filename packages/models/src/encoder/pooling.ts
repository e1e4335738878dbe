/**
 * Masked mean pooling + L2 normalisation on the host, for ONNX encoders that return token states
 * (`last_hidden_state` [batch, seq, dim]): the mean over the tokens whose mask is non-zero, divided by its L2
 * norm (sentence-transformers' Pooling(mean) + Normalize, with its clamps: count >= 1e-9, norm >= 1e-12).
 * Sums run in float64. Returns one vector per row.
 *
 * @example
 * ```ts
 * const [v] = meanPoolNormalize(new Float32Array([1, 0, 3, 4]), new Int32Array([1, 1]), 1, 2, 2);
 * // mean (2, 2) -> [0.7071, 0.7071]
 * ```
 */
export function meanPoolNormalize(
  hidden: Float32Array,
  mask: ArrayLike<number | bigint>,
  batch: number,
  seq: number,
  dim: number,
): Float32Array[] {
  if (hidden.length !== batch * seq * dim) {
    throw new RangeError(
      `hidden has ${hidden.length} values, expected batch x seq x dim = ${batch} x ${seq} x ${dim}.`,
    );
  }
  if (mask.length !== batch * seq)
    throw new RangeError(`mask has ${mask.length} values, expected ${batch} x ${seq}.`);
  const acc = new Float64Array(dim);
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    acc.fill(0);
    let count = 0;
    for (let t = 0; t < seq; t++) {
      if (!Number(mask[b * seq + t])) continue;
      count++;
      const base = (b * seq + t) * dim;
      for (let j = 0; j < dim; j++) acc[j] += hidden[base + j];
    }
    out.push(normalizeRow(acc, Math.max(count, 1e-9)));
  }
  return out;
}

/**
 * `v / divisor`, then divided by its L2 norm (at least 1e-12), as float32.
 * @example normalizeRow([3, 4]) // Float32Array [0.6, 0.8]
 */
export function normalizeRow(v: ArrayLike<number>, divisor = 1): Float32Array {
  let sq = 0;
  for (let j = 0; j < v.length; j++) sq += (v[j] / divisor) ** 2;
  const scale = 1 / (divisor * Math.max(Math.sqrt(sq), 1e-12));
  const out = new Float32Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = v[j] * scale;
  return out;
}
