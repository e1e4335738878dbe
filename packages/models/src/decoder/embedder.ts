import { type CompiledGraph, type CompileOptions, compile } from '@proj/runtime';
import { meanPoolNormalize } from '../encoder/pooling.js';
import { padBatch } from '../generation/batches.js';
import type { Embedder } from '../interfaces.js';
import type { ParameterStore } from '../nn/params.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { DecoderConfig } from './config.js';
import { buildDecoderGraph } from './graph.js';

/** Options of {@link DecoderEmbedder.create}. */
export interface DecoderEmbedderOptions {
  /** Texts per forward call (default 32). */
  batchSize?: number;
  /** Longest text in tokens; longer ones keep their first tokens (default: the model's positions). */
  maxLength?: number;
  /** ONNX Runtime session options (threads, execution provider). */
  session?: CompileOptions;
}

/**
 * An {@link Embedder} from a decoder LM: mean of the final hidden states over the text's tokens, L2-normalised
 * (the "open embedder" recipe the semantic-isotropy paper uses with decoder models). Handy when the only model
 * at hand is the LM itself.
 *
 * @example
 * ```ts
 * const emb = await DecoderEmbedder.create(config, store, tokenizer);
 * const [a, b] = await emb.embed(['3+4=7.', '3+4=8.']);
 * ```
 */
export class DecoderEmbedder implements Embedder {
  /** `decoder-mean-pool(<family>, d=<dModel>)`. */
  readonly id: string;
  /** The model width, dModel. */
  readonly dimension: number;

  private constructor(
    private readonly fn: CompiledGraph,
    private readonly tokenizer: Tokenizer,
    private readonly config: DecoderConfig,
    private readonly options: DecoderEmbedderOptions,
  ) {
    this.id = `decoder-mean-pool(${config.family}, d=${config.dModel})`;
    this.dimension = config.dModel;
  }

  /** Compile the decoder's hidden-state graph from its config and weights. */
  static async create(
    config: DecoderConfig,
    store: ParameterStore,
    tokenizer: Tokenizer,
    options: DecoderEmbedderOptions = {},
  ): Promise<DecoderEmbedder> {
    const d = buildDecoderGraph(config, store, { hiddenStates: true });
    const fn = await compile(d.g, { ...options.session, outputs: { last_hidden_state: d.hidden } });
    return new DecoderEmbedder(fn, tokenizer, config, options);
  }

  /** Embed texts in batches of `batchSize`: one unit vector (L2 norm 1) per text, in input order. */
  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const batchSize = this.options.batchSize ?? 32;
    const maxLength = this.options.maxLength ?? this.config.maxPositions;
    for (let i = 0; i < texts.length; i += batchSize) {
      options.signal?.throwIfAborted();
      const rows = texts.slice(i, i + batchSize).map((t) => {
        const ids = this.tokenizer.encode(t).slice(0, maxLength);
        return ids.length ? ids : [this.tokenizer.bosTokenId ?? this.tokenizer.padTokenId ?? 0];
      });
      const batch = padBatch(rows, 0, 'right');
      const res = await this.fn({
        input_ids: batch.inputIds,
        attention_mask: batch.attentionMask,
        position_ids: batch.positionIds,
      });
      out.push(
        ...meanPoolNormalize(
          res.last_hidden_state.data as Float32Array,
          batch.attentionMask.data as BigInt64Array,
          rows.length,
          batch.width,
          this.dimension,
        ),
      );
    }
    return out;
  }

  /** Release the ONNX Runtime session. */
  dispose(): Promise<void> {
    return this.fn.dispose();
  }
}
