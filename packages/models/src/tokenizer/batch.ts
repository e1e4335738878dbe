/** Which end of a row padding or truncation applies to. */
export type TokenizerSide = 'left' | 'right';

function toInt64(a: Int32Array): BigInt64Array {
  const out = new BigInt64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = BigInt(a[i]);
  return out;
}

/**
 * A padded batch of token ids: `[batchSize, seqLength]` row-major buffers ready for tensors (e.g.
 * `new Tensor('int64', enc.inputIdsInt64(), enc.shape)`), with an attention mask (1 = token, 0 = padding).
 *
 * @example
 * ```ts
 * const enc = tok.encodeBatch(['hi', 'hello'], { paddingSide: 'left' });
 * enc.shape;           // [2, 5]
 * enc.attentionMask;   // Int32Array [0,0,0,1,1, 1,1,1,1,1]
 * enc.row(0);          // ids of 'hi' without padding
 * ```
 */
export class BatchEncoding {
  /**
   * @param inputIds `[batchSize, seqLength]` token ids, padding filled with the pad id.
   * @param attentionMask `[batchSize, seqLength]`, 1 on tokens and 0 on padding.
   * @param lengths Real (unpadded, post-truncation) length of each row.
   */
  constructor(
    /** `[batchSize, seqLength]` token ids, row-major, padding filled with the pad id. */
    readonly inputIds: Int32Array,
    /** `[batchSize, seqLength]`, 1 on tokens and 0 on padding. */
    readonly attentionMask: Int32Array,
    /** Number of rows. */
    readonly batchSize: number,
    /** Padded row length. */
    readonly seqLength: number,
    /** Real (unpadded, post-truncation) length of each row. */
    readonly lengths: readonly number[],
    /** Where the padding is. */
    readonly paddingSide: TokenizerSide,
  ) {}

  /** `[batchSize, seqLength]`. */
  get shape(): [number, number] {
    return [this.batchSize, this.seqLength];
  }

  /** Row `i`'s token ids without padding. */
  row(i: number): number[] {
    const start = i * this.seqLength + (this.paddingSide === 'left' ? this.seqLength - this.lengths[i] : 0);
    return Array.from(this.inputIds.subarray(start, start + this.lengths[i]));
  }

  /** `inputIds` as int64 (what ONNX language models take). */
  inputIdsInt64(): BigInt64Array {
    return toInt64(this.inputIds);
  }

  /** `attentionMask` as int64. */
  attentionMaskInt64(): BigInt64Array {
    return toInt64(this.attentionMask);
  }

  /**
   * Position of each token among the real tokens of its row (0, 1, ...), so a left-padded row starts at
   * position 0 at its first real token. Padding positions get 1, as transformers' generate() does: any
   * valid position works there since the mask hides them.
   */
  positionIds(): Int32Array {
    const out = new Int32Array(this.inputIds.length);
    for (let r = 0; r < this.batchSize; r++) {
      let p = 0;
      for (let c = 0; c < this.seqLength; c++) {
        const k = r * this.seqLength + c;
        out[k] = this.attentionMask[k] ? p++ : 1;
      }
    }
    return out;
  }
}
