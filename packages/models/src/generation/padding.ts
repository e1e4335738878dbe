import { Tensor } from '@proj/runtime';

/** A left-padded batch of token sequences, as decoder forwards take it. */
export interface LeftPadded {
  /** [batch, width] int64 token ids (pad id in front of shorter rows). */
  inputIds: Tensor;
  /** [batch, width] int64: 1 on real tokens. */
  attentionMask: Tensor;
  /** [batch, width] int64: 0.. on real tokens (padding counts nothing). */
  positionIds: Tensor;
  /** Longest sequence. */
  width: number;
}

/**
 * Left-pad token sequences into one batch: rows end at the same position (where the next token is predicted),
 * positions count real tokens only.
 * @example leftPad([[5, 6], [7]], 0).inputIds.toArray() // [[5, 6], [0, 7]]
 */
export function leftPad(seqs: readonly (readonly number[])[], padTokenId: number): LeftPadded {
  const width = Math.max(...seqs.map((s) => s.length));
  const b = seqs.length;
  const ids = new BigInt64Array(b * width).fill(BigInt(padTokenId));
  const mask = new BigInt64Array(b * width);
  const pos = new BigInt64Array(b * width);
  seqs.forEach((s, r) => {
    const off = r * width + width - s.length;
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
