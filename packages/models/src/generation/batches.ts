import { Tensor } from '@proj/runtime';

/** A padded batch of token sequences, as decoder forwards take it. */
export interface PaddedBatch {
  /** [batch, width] int64 token ids (the pad id where a row is shorter). */
  inputIds: Tensor;
  /** [batch, width] int64: 1 on real tokens. */
  attentionMask: Tensor;
  /** [batch, width] int64: 0.. on real tokens (padding counts nothing). */
  positionIds: Tensor;
  /** Longest sequence. */
  width: number;
}

/**
 * Pad token sequences into one batch; positions count real tokens only. `'left'` (default) ends every row at
 * the same position, where generation predicts the next token; `'right'` starts every row at position 0.
 * @example padBatch([[5, 6], [7]], 0).inputIds.toArray() // [[5, 6], [0, 7]]
 */
export function padBatch(
  seqs: readonly (readonly number[])[],
  padTokenId: number,
  side: 'left' | 'right' = 'left',
): PaddedBatch {
  const width = Math.max(...seqs.map((s) => s.length));
  const b = seqs.length;
  const ids = new BigInt64Array(b * width).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(b * width);
  const pos = new BigInt64Array(b * width);
  seqs.forEach((s, r) => {
    const off = r * width + (side === 'left' ? width - s.length : 0);
    for (let j = 0; j < s.length; j++) {
      ids[off + j] = BigInt(s[j]);
      mask[off + j] = 1n;
      pos[off + j] = BigInt(j);
    }
  });
  return {
    inputIds: new Tensor('int64', ids, [b, width]),
    attentionMask: new Tensor('int64', mask, [b, width]),
    positionIds: new Tensor('int64', pos, [b, width]),
    width,
  };
}

/** Each row's attention mask of a padded batch, as views of one buffer (row r: `width` values). */
export function maskRowsOf(batch: PaddedBatch): BigInt64Array[] {
  const mask = batch.attentionMask.data as BigInt64Array;
  const rows = batch.attentionMask.shape[0];
  return Array.from({ length: rows }, (_, r) => mask.subarray(r * batch.width, (r + 1) * batch.width));
}

/**
 * One decode step's batch: each row's next token at its next position, its attention mask extended by the new
 * token. Returns the forward's inputs and the extended mask rows (views of the step's mask, for the next step).
 * @example
 * ```ts
 * const step = decodeStepBatch(maskRows, [42, 7], [5, 3]);
 * await runner.forward({ ...step.batch, cache });
 * maskRows = step.maskRows;
 * ```
 */
export function decodeStepBatch(
  maskRows: readonly BigInt64Array[],
  tokens: readonly number[],
  positions: readonly number[],
): {
  /** input_ids / attention_mask / position_ids of the step. */
  batch: { inputIds: Tensor; attentionMask: Tensor; positionIds: Tensor };
  /** Each row's mask including the new token. */
  maskRows: BigInt64Array[];
} {
  const b = maskRows.length;
  const total = maskRows[0].length + 1;
  const mask = new BigInt64Array(b * total);
  const ids = new BigInt64Array(b);
  const pos = new BigInt64Array(b);
  const rows = maskRows.map((m, i) => {
    const row = mask.subarray(i * total, (i + 1) * total);
    row.set(m);
    row[total - 1] = 1n;
    ids[i] = BigInt(tokens[i]);
    pos[i] = BigInt(positions[i]);
    return row;
  });
  return {
    batch: {
      inputIds: new Tensor('int64', ids, [b, 1]),
      attentionMask: new Tensor('int64', mask, [b, total]),
      positionIds: new Tensor('int64', pos, [b, 1]),
    },
    maskRows: rows,
  };
}

/** Views of the last position's logits of each row of [B, S, V]. */
export function lastPositionRows(logits: Tensor): Float32Array[] {
  const [b, s, v] = logits.shape;
  const d = logits.data as Float32Array;
  return Array.from({ length: b }, (_, i) => d.subarray((i * s + s - 1) * v, (i * s + s) * v));
}
