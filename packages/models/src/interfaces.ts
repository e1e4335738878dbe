/**
 * The two interfaces every method package codes against. Local ONNX models and remote OpenAI-compatible
 * endpoints both implement them, so a trust scorer or a CoT extractor works the same on either.
 */

/** One chat turn, as OpenAI-compatible servers take it. */
export interface ChatMessage {
  /** Who speaks. */
  role: 'system' | 'user' | 'assistant';
  /** What they say. */
  content: string;
}

/**
 * What a model is asked to continue: raw text, or chat turns (local models render them with the
 * tokenizer's chat template when the folder has one; remote endpoints send them to chat/completions).
 */
export type Prompt = string | readonly ChatMessage[];

/** State handed to a {@link LogitsProcessor} at each decoding step. */
export interface LogitsContext {
  /** 0-based decoding step. */
  step: number;
  /** Vocabulary size (row length of the logits). */
  vocabSize: number;
  /**
   * For each live row: the token ids generated so far (prompt excluded). Row r of `logits` belongs to
   * `rows[r]`, whose `prompt` and `sample` say which prompt / which of its n samples it is.
   */
  rows: readonly {
    /** Index of the prompt in the `generate` call. */
    prompt: number;
    /** Which of that prompt's `n` samples. */
    sample: number;
    /** Token ids generated so far. */
    generated: readonly number[];
  }[];
}

/**
 * Rewrites next-token logits before sampling, for every live row of a batch at once. It may be async
 * (e.g. to run a second model in lockstep and mix its logits in, as PILAF does).
 */
export interface LogitsProcessor {
  /** Modify `logits` (rows x vocab, row-major) in place. */
  process(logits: Float32Array, ctx: LogitsContext): void | Promise<void>;
}

/** Sampling options shared by local and remote models. */
export interface GenerateOptions {
  /** Samples per prompt. Default 1. */
  n?: number;
  /** Maximum new tokens per sample. Default 128. */
  maxNewTokens?: number;
  /** Softmax temperature; 0 means greedy. Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined = off). */
  topK?: number;
  /** Nucleus sampling: keep the smallest set with cumulative probability >= topP. Default 1 (off). */
  topP?: number;
  /** Seed for reproducible sampling. */
  seed?: number;
  /** Stop when any of these strings appears in the generated text (the stop string is not returned). */
  stop?: readonly string[];
  /** Stop when any of these token ids is generated (the EOS token of the model always stops). */
  stopTokenIds?: readonly number[];
  /** Applied in order at each step, after temperature-free raw logits are produced and before sampling. */
  logitsProcessors?: readonly LogitsProcessor[];
  /** Cancels the call; the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** One sampled continuation. */
export interface Generation {
  /** Decoded text of the new tokens (stop string removed). */
  text: string;
  /** Generated token ids (without the prompt). Remote endpoints may return an empty array. */
  tokenIds: number[];
  /**
   * Log-probability of each generated token under the model's distribution after temperature (and
   * processors), i.e. the distribution it was sampled from. Empty when an endpoint does not report them.
   */
  logprobs: number[];
  /** Why generation ended. */
  finishReason: 'stop' | 'length';
}

/**
 * A text generator with optional scoring. Local ONNX models implement every member; remote endpoints
 * implement `generate` and say what else they support in `capabilities`.
 *
 * @example
 * ```ts
 * const out = await model.generate(['The capital of France is'], { n: 4, temperature: 0.7, seed: 1 });
 * out[0].map((g) => g.text);
 * ```
 */
export interface LanguageModel {
  /** A human-readable id (folder name, or endpoint model name). */
  readonly id: string;
  /** What this implementation can do beyond `generate`. */
  readonly capabilities: {
    /** `nextTokenLogits` and `scoreCompletions` are available. */
    logits: boolean;
    /** Generations carry per-token log-probs. */
    logprobs: boolean;
  };
  /** Sample `n` continuations for each prompt; result[i][j] is sample j of prompt i. */
  generate(prompts: readonly Prompt[], options?: GenerateOptions): Promise<Generation[][]>;
  /** Next-token logits after each prompt (one vocab-sized row per prompt). */
  nextTokenLogits?(prompts: readonly Prompt[]): Promise<Float32Array[]>;
  /**
   * Teacher-forced per-token log-probs of `completions[i]` given `prompts[i]` (temperature 1, no processors).
   */
  scoreCompletions?(prompts: readonly Prompt[], completions: readonly string[]): Promise<number[][]>;
}

/**
 * Maps texts to unit-length vectors (L2 norm 1), batched.
 *
 * @example
 * ```ts
 * const vecs = await embedder.embed(['a cat', 'a dog']);
 * vecs[0].length === embedder.dimension;
 * ```
 */
export interface Embedder {
  /** A human-readable id. */
  readonly id: string;
  /** Length of every returned vector. */
  readonly dimension: number;
  /** Embed texts; vectors have L2 norm 1. */
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
}
