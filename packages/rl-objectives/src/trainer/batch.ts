import type { LogitsContext, LogitsProcessor } from '@proj/models';
import { Tensor } from '@proj/runtime';
import { ShapeError } from '../core/errors.js';

/**
 * Records, at every decoding step, each row's log-probability of one token (the EOS) under the sampling
 * distribution softmax(logits / T), computed exactly as the sampler does. Generations do not report the
 * stop token, yet a policy must learn to emit it: this gives its behaviour log-prob without another pass.
 * It reads the logits and never changes them.
 *
 * @example
 * ```ts
 * const rec = new TokenLogprobRecorder(tokenizer.eosTokenId, 1);
 * await lm.generate(prompts, { n: 8, logitsProcessors: [rec] });
 * rec.at(0, 3, gen.tokenIds.length); // log p(EOS) where sample 3 of prompt 0 stopped
 * ```
 */
export class TokenLogprobRecorder implements LogitsProcessor {
  private readonly rows = new Map<number, number[]>();

  constructor(
    /** Token whose log-prob is recorded. */
    readonly token: number,
    /** Sampling temperature (> 0). */
    readonly temperature: number,
  ) {}

  /** Forget every recorded row (call before each generate). */
  clear(): void {
    this.rows.clear();
  }

  process(logits: Float32Array, ctx: LogitsContext): void {
    const V = ctx.vocabSize;
    const inv = 1 / this.temperature;
    const rows = ctx.rows;
    for (let r = 0; r < rows.length; r++) {
      const off = r * V;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = off; i < off + V; i++) if (logits[i] > max) max = logits[i];
      let z = 0;
      for (let i = off; i < off + V; i++) z += Math.exp((logits[i] - max) * inv);
      // Same arithmetic as the sampler: log(exp((l - max) / T) / z).
      const lp = Math.log(Math.exp((logits[off + this.token] - max) * inv) / z);
      const key = rows[r].prompt * 1_000_003 + rows[r].sample;
      const list = this.rows.get(key);
      if (list) list.push(lp);
      else this.rows.set(key, [lp]);
    }
  }

  /** The recorded log-prob for (prompt, sample) at decoding step `step` (undefined if that step never ran). */
  at(prompt: number, sample: number, step: number): number | undefined {
    return this.rows.get(prompt * 1_000_003 + sample)?.[step];
  }
}

/**
 * The tensors of one RL batch: prompt + completion rows, right-padded to the longest, shifted into
 * `input_ids` / `labels`, with `loss_mask` = 1 on the positions that predict completion tokens.
 * @example
 * ```ts
 * const b = packSequences([{ prompt: [5, 6], completion: [7, 2] }], 0);
 * b.inputIds; // [[5, 6, 7]], labels [[6, 7, 2]], lossMask [[0, 1, 1]]
 * ```
 */
export interface PackedBatch {
  /** `input_ids`, int64 `[batch, seqLen]`: each row's tokens but the last, padded with `padId`. */
  inputIds: Tensor;
  /** `labels`, int64 `[batch, seqLen]`: the token that follows each position (0 in the padding). */
  labels: Tensor;
  /** `loss_mask`, float32 `[batch, seqLen]`: 1 where the label is a completion token, else 0. */
  lossMask: Tensor;
  /** Number of rows. */
  batch: number;
  /** Padded length: the longest prompt + completion, minus 1 (the last token is only a label). */
  seqLen: number;
}

/**
 * Pack prompt + completion token rows for teacher-forced training (see {@link PackedBatch}).
 *
 * @throws {ShapeError} when there are no rows, a prompt is empty or a completion is empty.
 * @example
 * ```ts
 * const { inputIds, labels, lossMask } = packSequences(rows, tokenizer.padTokenId ?? 0);
 * ```
 */
export function packSequences(
  rows: readonly { prompt: readonly number[]; completion: readonly number[] }[],
  padId: number,
): PackedBatch {
  if (rows.length === 0) throw new ShapeError('packSequences needs at least one row.');
  let S = 1;
  rows.forEach((r, i) => {
    if (r.prompt.length === 0) throw new ShapeError(`row ${i} has an empty prompt; prompts need a token.`);
    if (r.completion.length === 0) {
      throw new ShapeError(`row ${i} has an empty completion; it has no token to train on.`);
    }
    S = Math.max(S, r.prompt.length + r.completion.length - 1);
  });
  checkTokenId(padId, 'padId');
  const B = rows.length;
  const ids = new Int64Ids(B * S, padId);
  const labels = new Int64Ids(B * S, 0);
  const mask = new Float32Array(B * S);
  for (let b = 0; b < B; b++) {
    const { prompt, completion } = rows[b];
    const p = prompt.length;
    const n = p + completion.length;
    for (let t = 0; t < n; t++) {
      const id = t < p ? prompt[t] : completion[t - p];
      checkTokenId(id, `row ${b} token ${t}`);
      // Token t is the input at position t and the label at position t - 1.
      if (t < n - 1) ids.set(b * S + t, id);
      if (t > 0) labels.set(b * S + t - 1, id);
    }
    for (let t = p - 1; t < n - 1; t++) mask[b * S + t] = 1;
  }
  return {
    inputIds: new Tensor('int64', ids.data, [B, S]),
    labels: new Tensor('int64', labels.data, [B, S]),
    lossMask: new Tensor('float32', mask, [B, S]),
    batch: B,
    seqLen: S,
  };
}

function checkTokenId(id: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
    throw new ShapeError(`${what} is ${id}; token ids must be integers in [0, 2^31).`);
  }
}

/** Whether the host stores an int64's low 32-bit word first (every platform Node ships for in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * An int64 buffer of token ids written without a BigInt per element: token ids are non-negative int32s, so on
 * little-endian hosts each is the low word of its int64 (the high word stays 0). Big-endian hosts convert.
 */
class Int64Ids {
  readonly data: BigInt64Array;
  private readonly low: Int32Array | null;

  constructor(size: number, fill: number) {
    this.data = new BigInt64Array(size);
    this.low = LITTLE_ENDIAN ? new Int32Array(this.data.buffer) : null;
    if (fill !== 0) for (let i = 0; i < size; i++) this.set(i, fill);
  }

  set(i: number, id: number): void {
    if (this.low) this.low[2 * i] = id;
    else this.data[i] = BigInt(id);
  }
}
