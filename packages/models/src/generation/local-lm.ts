import { type CompileOptions, compile } from '@proj/runtime';
import type { GenerateOptions, Generation, LanguageModel, Prompt } from '../interfaces.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { padBatch } from './batches.js';
import { ChatTemplate } from './chat-template.js';
import { type GenerationRequest, runGeneration } from './generate.js';
import { type DecoderRunner, OnnxDecoderRunner } from './runner.js';
import { GenerationError, logSoftmaxRow } from './sampling.js';

/** Options of {@link LocalLanguageModel}. */
export interface LocalLanguageModelOptions {
  /** A name for errors and results (default: 'local'). */
  id?: string;
  /** Most sequences per forward call (default 32); larger requests are split. */
  maxBatch?: number;
  /** Longest prompt + completion the model supports. */
  maxPositions?: number;
  /**
   * The model's chat template (tokenizer_config.json's `chat_template`; `loadLanguageModel` passes it): chat
   * prompts are rendered with it (special token strings from the tokenizer, `add_generation_prompt` true) and
   * tokenized without adding special tokens, as transformers does.
   */
  chatTemplate?: ChatTemplate | string;
  /** Renders chat turns into text instead of the chat template; default without a template: {@link plainChatFormat}. */
  chatFormat?: (messages: readonly { role: string; content: string }[]) => string;
  /** Token ids that end a sequence (default: the tokenizer's EOS token; folders add generation_config.json's). */
  eosTokenIds?: readonly number[];
}

/**
 * The special token strings a chat template sees (`bos_token`, `eos_token`, `pad_token`, `unk_token`), from the
 * tokenizer; roles the tokenizer has no token for are left out.
 * @example specialTokenStrings(ByteTokenizer.create())   // { bos_token: '<bos>', eos_token: '<eos>', pad_token: '<pad>' }
 */
export function specialTokenStrings(tokenizer: Tokenizer): Record<string, string> {
  const out: Record<string, string> = {};
  const roles = {
    bos_token: tokenizer.bosTokenId,
    eos_token: tokenizer.eosTokenId,
    pad_token: tokenizer.padTokenId,
    unk_token: tokenizer.unkTokenId,
  };
  for (const [k, id] of Object.entries(roles)) {
    const s = id === undefined ? undefined : tokenizer.idToToken(id);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/**
 * Default plain-text rendering of chat turns for models without a chat template.
 * @example plainChatFormat([{ role: 'user', content: 'Hi' }]) // 'user: Hi\nassistant:'
 */
export function plainChatFormat(messages: readonly { role: string; content: string }[]): string {
  return `${messages.map((m) => `${m.role}: ${m.content}`).join('\n')}\nassistant:`;
}

/**
 * A {@link LanguageModel} running an ONNX decoder locally through ONNX Runtime: batched generation with a KV
 * cache (temperature, top-k, top-p, seeds, stop strings/tokens, logits processors), next-token logits, and
 * teacher-forced log-probs of given completions.
 *
 * @example
 * ```ts
 * const lm = await loadLanguageModel('models/tiny-gpt');
 * const [[a, b]] = await lm.generate(['Paris is'], { n: 2, temperature: 0.7, seed: 1, maxNewTokens: 20 });
 * const [lp] = await lm.scoreCompletions(['Paris is'], [a.text]);
 * ```
 */
export class LocalLanguageModel implements LanguageModel {
  /** `options.id` (loadLanguageModel: the folder path), else 'local'. */
  readonly id: string;
  /** Everything: generation with log-probs, next-token logits and teacher-forced scoring. */
  readonly capabilities = {
    /** `nextTokenLogits` and `scoreCompletions` are available. */
    logits: true,
    /** Generations carry per-token log-probs. */
    logprobs: true,
  } as const;
  private readonly maxBatch: number;
  /** The chat template chat prompts are rendered with (undefined: none, or `chatFormat` was given). */
  readonly chatTemplate: ChatTemplate | undefined;

  constructor(
    /** The decoder being run. */
    readonly runner: DecoderRunner,
    /** The tokenizer prompts are encoded and generations decoded with. */
    readonly tokenizer: Tokenizer,
    private readonly options: LocalLanguageModelOptions = {},
  ) {
    this.id = options.id ?? 'local';
    this.maxBatch = options.maxBatch ?? 32;
    if (tokenizer.vocabSize > runner.vocabSize) {
      throw new GenerationError(
        `${this.id}: the tokenizer has ${tokenizer.vocabSize} tokens but the model's vocabulary is ${runner.vocabSize}; they do not belong together.`,
      );
    }
    const t = options.chatTemplate;
    this.chatTemplate =
      options.chatFormat || t === undefined
        ? undefined
        : typeof t === 'string'
          ? new ChatTemplate(t, specialTokenStrings(tokenizer))
          : t;
  }

  /** Wrap a compiled decoder graph or ONNX bytes (Optimum IO) with a tokenizer. */
  static async fromOnnx(
    model: Parameters<typeof compile>[0],
    tokenizer: Tokenizer,
    options: LocalLanguageModelOptions & { vocabSize: number; session?: CompileOptions },
  ): Promise<LocalLanguageModel> {
    const fn = await compile(model, options.session);
    return new LocalLanguageModel(
      new OnnxDecoderRunner(fn, options.vocabSize, options.id ?? 'local'),
      tokenizer,
      options,
    );
  }

  /**
   * Token ids of a prompt. Chat turns are rendered with the chat template (then tokenized without adding special
   * tokens: the template writes them), else with `chatFormat` / {@link plainChatFormat}.
   */
  encodePrompt(prompt: Prompt): number[] {
    if (typeof prompt !== 'string' && this.chatTemplate) {
      return this.tokenizer.encode(this.chatTemplate.render(prompt), { addSpecialTokens: false });
    }
    const text = typeof prompt === 'string' ? prompt : (this.options.chatFormat ?? plainChatFormat)(prompt);
    const ids = this.tokenizer.encode(text);
    if (ids.length === 0 && this.tokenizer.bosTokenId !== undefined) return [this.tokenizer.bosTokenId];
    return ids;
  }

  private env() {
    const t = this.tokenizer;
    return {
      runner: this.runner,
      eosTokenIds: this.options.eosTokenIds ?? (t.eosTokenId === undefined ? [] : [t.eosTokenId]),
      padTokenId: t.padTokenId ?? t.eosTokenId ?? 0,
      decode: (ids: readonly number[]) => t.decode(ids, { skipSpecialTokens: true }),
      maxPositions: this.options.maxPositions,
    };
  }

  /**
   * Sample `n` continuations per prompt (see {@link GenerateOptions}); `result[i][j]` is sample j of prompt i.
   * Requests are split into batches of `maxBatch` sequences.
   * @throws {GenerationError} for bad options, or prompts too long for the model's positions.
   */
  async generate(prompts: readonly Prompt[], options: GenerateOptions = {}): Promise<Generation[][]> {
    const n = options.n ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new GenerationError(`n must be a positive integer, got ${n}.`);
    const requests: GenerationRequest[] = [];
    prompts.forEach((p, i) => {
      const promptIds = this.encodePrompt(p);
      for (let s = 0; s < n; s++) requests.push({ promptIds, prompt: i, sample: s });
    });
    const results: Generation[] = [];
    for (let i = 0; i < requests.length; i += this.maxBatch) {
      results.push(...(await runGeneration(this.env(), requests.slice(i, i + this.maxBatch), options)));
    }
    return prompts.map((_, i) => results.slice(i * n, (i + 1) * n));
  }

  /** Raw next-token logits after each prompt: one vocab-sized row per prompt. */
  async nextTokenLogits(prompts: readonly Prompt[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < prompts.length; i += this.maxBatch) {
      const chunk = prompts.slice(i, i + this.maxBatch).map((p) => this.encodePrompt(p));
      const { logits, width } = await this.forwardPadded(chunk);
      const v = logits.shape[2];
      chunk.forEach((_, r) => {
        out.push((logits.data as Float32Array).slice((r * width + width - 1) * v, (r * width + width) * v));
      });
    }
    return out;
  }

  /**
   * Teacher-forced log p of each token of `completions[i]` (encoded without special tokens) after `prompts[i]`,
   * at temperature 1. Use {@link scoreTokens} to score token ids exactly as `generate` returned them.
   */
  async scoreCompletions(prompts: readonly Prompt[], completions: readonly string[]): Promise<number[][]> {
    if (prompts.length !== completions.length) {
      throw new GenerationError(
        `scoreCompletions: ${prompts.length} prompts but ${completions.length} completions.`,
      );
    }
    return this.scoreTokens(
      prompts.map((p) => this.encodePrompt(p)),
      completions.map((c) => this.tokenizer.encode(c, { addSpecialTokens: false })),
    );
  }

  /**
   * Teacher-forced log p(completion token | prompt, previous tokens) for token id sequences (temperature 1).
   * The ids are used as given, so scoring what `generate` returned reproduces its log-probs.
   */
  async scoreTokens(
    promptIds: readonly (readonly number[])[],
    completionIds: readonly (readonly number[])[],
  ): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < promptIds.length; i += this.maxBatch) {
      const seqs = promptIds.slice(i, i + this.maxBatch).map((p, j) => {
        if (p.length === 0)
          throw new GenerationError('scoreTokens: a prompt is empty; it needs at least one token.');
        return [...p, ...completionIds[i + j]];
      });
      const { logits, width } = await this.forwardPadded(seqs);
      const v = logits.shape[2];
      const row = new Float64Array(v);
      seqs.forEach((_, r) => {
        const c = completionIds[i + r];
        const start = width - c.length; // position of the first completion token in the padded row
        const lps: number[] = [];
        for (let t = 0; t < c.length; t++) {
          const at = (r * width + start + t - 1) * v;
          logSoftmaxRow((logits.data as Float32Array).subarray(at, at + v), row);
          lps.push(row[c[t]]);
        }
        out.push(lps);
      });
    }
    return out;
  }

  /** Full forward over left-padded sequences (no cache). */
  private async forwardPadded(seqs: readonly (readonly number[])[]) {
    const width = Math.max(...seqs.map((s) => s.length));
    const max = this.options.maxPositions;
    if (max !== undefined && width > max) {
      throw new GenerationError(
        `${this.id}: a sequence of ${width} tokens exceeds the model's ${max} positions; shorten the prompt or completion.`,
      );
    }
    const batch = padBatch(seqs, this.tokenizer.padTokenId ?? this.tokenizer.eosTokenId ?? 0);
    const { logits } = await this.runner.forward({ ...batch, cache: null });
    return { logits, width };
  }

  /** Release the ONNX Runtime sessions. */
  dispose(): Promise<void> {
    return this.runner.dispose();
  }
}
