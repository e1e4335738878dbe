import type { LogitsContext, LogitsProcessor, Prompt } from '../interfaces.js';
import { decodeStepBatch, lastPositionRows, maskRowsOf, padBatch } from './batches.js';
import type { LocalLanguageModel } from './local-lm.js';
import type { KvCache } from './runner.js';
import { GenerationError } from './sampling.js';

/** Combines one row of policy logits (modified in place) with the reference model's logits for the same prefix. */
export type LogitsCombiner = (policy: Float32Array, reference: Float32Array) => void;

/**
 * A {@link LogitsProcessor} that runs a second (reference) model in lockstep with generation, on its own KV cache,
 * and lets `combine` mix its next-token logits into the policy's at every step: the hook policy + reference
 * sampling needs (e.g. PILAF's interpolated sampler: (1 + beta) l_policy - beta l_ref).
 *
 * Pass the same prompts, in the same order, as to `generate`; rows are matched by (prompt, sample), so batching and
 * rows finishing early are handled. Both models must share the vocabulary.
 *
 * @example
 * ```ts
 * const beta = 0.1;
 * const mix = new ReferenceLogitsProcessor(reference, prompts, (p, r) => {
 *   for (let i = 0; i < p.length; i++) p[i] = (1 + beta) * p[i] - beta * r[i];
 * });
 * const out = await policy.generate(prompts, { n: 2, seed: 1, logitsProcessors: [mix] });
 * ```
 */
export class ReferenceLogitsProcessor implements LogitsProcessor {
  private cache: KvCache | null = null;
  private keys: string[] = [];
  private masks: BigInt64Array[] = [];
  private nextPos: number[] = [];
  private logits: Float32Array[] = [];

  constructor(
    private readonly reference: LocalLanguageModel,
    private readonly prompts: readonly Prompt[],
    private readonly combine: LogitsCombiner,
  ) {}

  async process(logits: Float32Array, ctx: LogitsContext): Promise<void> {
    const v = ctx.vocabSize;
    if (this.reference.runner.vocabSize !== v) {
      throw new GenerationError(
        `ReferenceLogitsProcessor: the reference model has ${this.reference.runner.vocabSize} tokens, the policy ${v}; they must share a vocabulary.`,
      );
    }
    if (ctx.step === 0 || this.cache === null) await this.prefill(ctx);
    else await this.advance(ctx);
    ctx.rows.forEach((_, r) => this.combine(logits.subarray(r * v, (r + 1) * v), this.logits[r]));
  }

  private async prefill(ctx: LogitsContext): Promise<void> {
    if (this.cache) this.reference.runner.release?.(this.cache);
    const ids = ctx.rows.map((row) => {
      const p = this.prompts[row.prompt];
      if (p === undefined) {
        throw new GenerationError(
          `ReferenceLogitsProcessor: no prompt ${row.prompt}; pass the prompts given to generate().`,
        );
      }
      return [...this.reference.encodePrompt(p), ...row.generated];
    });
    const batch = padBatch(
      ids,
      this.reference.tokenizer.padTokenId ?? this.reference.tokenizer.eosTokenId ?? 0,
    );
    const out = await this.reference.runner.forward({ ...batch, cache: null });
    this.cache = out.cache;
    this.keys = ctx.rows.map((row) => `${row.prompt}:${row.sample}`);
    this.masks = maskRowsOf(batch);
    this.nextPos = ids.map((s) => s.length);
    this.logits = lastPositionRows(out.logits);
  }

  private async advance(ctx: LogitsContext): Promise<void> {
    // Rows that finished since the last step leave the reference batch too.
    const index = new Map(this.keys.map((k, i) => [k, i]));
    const keep = ctx.rows.map((row) => {
      const i = index.get(`${row.prompt}:${row.sample}`);
      if (i === undefined)
        throw new GenerationError('ReferenceLogitsProcessor: a new row appeared mid-generation.');
      return i;
    });
    if (keep.length !== this.keys.length) {
      this.cache = this.reference.runner.selectRows(this.cache!, keep);
      this.keys = keep.map((i) => this.keys[i]);
      this.masks = keep.map((i) => this.masks[i]);
      this.nextPos = keep.map((i) => this.nextPos[i]);
    }
    const step = decodeStepBatch(
      this.masks,
      ctx.rows.map((row) => row.generated[row.generated.length - 1]),
      this.nextPos,
    );
    this.masks = step.maskRows;
    this.nextPos = this.nextPos.map((p) => p + 1);
    const out = await this.reference.runner.forward({ ...step.batch, cache: this.cache });
    this.cache = out.cache;
    this.logits = lastPositionRows(out.logits);
  }
}
