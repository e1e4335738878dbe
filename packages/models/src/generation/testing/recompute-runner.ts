import { Tensor } from '@proj/runtime';
import type { DecoderRunner, ForwardBatch, KvCache } from '../runner.js';

/**
 * A test double: ignores the wrapped model's KV cache and reruns the whole sequence every step, which is what
 * cached steps must reproduce. Not part of the package's public API.
 */

/** Rows of an int64 matrix as numbers. */
export const rowsOf = (t: Tensor): number[][] => {
  const [b, n] = t.shape;
  const d = t.data as BigInt64Array;
  return Array.from({ length: b }, (_, r) => Array.from(d.subarray(r * n, (r + 1) * n), Number));
};

/** An int64 [rows, cols] tensor from equal-length number rows. */
export const int64 = (rows: number[][]): Tensor =>
  Tensor.fromArray(
    rows.map((r) => r.map(BigInt)),
    { dtype: 'int64' },
  );

/** Reruns the full sequence each step through `inner` (cache unused). */
export class RecomputeRunner implements DecoderRunner {
  private readonly history = new WeakMap<KvCache, { ids: number[][]; pos: number[][] }>();
  constructor(private readonly inner: DecoderRunner) {}
  get vocabSize(): number {
    return this.inner.vocabSize;
  }
  async forward(batch: ForwardBatch): Promise<{ logits: Tensor; cache: KvCache }> {
    const prev = batch.cache ? this.history.get(batch.cache)! : { ids: [], pos: [] };
    const ids = rowsOf(batch.inputIds).map((r, i) => [...(prev.ids[i] ?? []), ...r]);
    const pos = rowsOf(batch.positionIds).map((r, i) => [...(prev.pos[i] ?? []), ...r]);
    const out = await this.inner.forward({
      inputIds: int64(ids),
      positionIds: int64(pos),
      attentionMask: batch.attentionMask, // already covers the whole sequence
      cache: null,
    });
    const [b, total, v] = out.logits.shape;
    const s = batch.inputIds.shape[1];
    const last = new Float32Array(b * s * v);
    const src = out.logits.data as Float32Array;
    for (let r = 0; r < b; r++)
      last.set(src.subarray((r * total + total - s) * v, (r * total + total) * v), r * s * v);
    const cache: KvCache = [];
    this.history.set(cache, { ids, pos });
    return { logits: new Tensor('float32', last, [b, s, v]), cache };
  }
  selectRows(cache: KvCache, keep: readonly number[]): KvCache {
    const h = this.history.get(cache)!;
    const next: KvCache = [];
    this.history.set(next, { ids: keep.map((i) => h.ids[i]), pos: keep.map((i) => h.pos[i]) });
    return next;
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}
