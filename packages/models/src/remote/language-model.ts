import type { ChatMessage, GenerateOptions, Generation, LanguageModel, Prompt } from '../interfaces.js';
import { EndpointError, RemoteOptionsError } from './errors.js';
import { EndpointClient, type EndpointOptions } from './http.js';
import { allOrAbort, ProgressCounter, type RemoteProgress } from './progress.js';

/** Options of {@link RemoteLanguageModel}. */
export interface RemoteLanguageModelOptions extends EndpointOptions {
  /**
   * `'chat'` (default) sends prompts to /chat/completions (a string becomes one user message); `'completions'`
   * sends raw text to the legacy /completions endpoint for plain continuation (vLLM, llama.cpp, OpenAI's
   * instruct models), without any chat template.
   */
  mode?: 'chat' | 'completions';
  /** Ask for per-token log-probs (Generation.logprobs). Default true; set false for servers that reject it. */
  logprobs?: boolean;
  /** Ask vLLM for the generated token ids (`return_token_ids`). Default false (other servers may reject it). */
  returnTokenIds?: boolean;
  /** More fields merged into every request body (e.g. `{ repetition_penalty: 1.1 }`). */
  extraBody?: Readonly<Record<string, unknown>>;
  /** Called after each finished request of a `generate` call. */
  onProgress?: (progress: RemoteProgress) => void;
  /** The model's `id`. Default: `model`. */
  id?: string;
}

/** {@link GenerateOptions} plus a per-call progress callback. */
export interface RemoteGenerateOptions extends GenerateOptions {
  /** Called after each finished request of this call (overrides the constructor's). */
  onProgress?: (progress: RemoteProgress) => void;
}

interface Choice {
  index: number;
  generation: Generation;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A 400/422 about `n` (or llama.cpp's "Only one completion choice is allowed"): retry with one sample per request. */
function rejectsN(err: unknown): boolean {
  if (!(err instanceof EndpointError) || (err.status !== 400 && err.status !== 422)) return false;
  // the parsed message, not the raw body: JSON escapes like "\\n" in a body would look like a standalone n
  const text = err.serverMessage ?? err.bodyExcerpt ?? '';
  return /(^|[^\w])'?n'?([^\w]|$)|\bchoices?\b|num_return_sequences/i.test(text);
}

function finishReasonOf(v: unknown): 'stop' | 'length' {
  // 'length' (OpenAI, vLLM) and 'max_tokens' (some proxies) mean the budget ran out; stop / eos / stop_sequence /
  // tool_calls / content_filter all mean the model ended on its own terms.
  return v === 'length' || v === 'max_tokens' ? 'length' : 'stop';
}

function numberArray(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x))
    ? (v as number[])
    : undefined;
}

/**
 * A {@link LanguageModel} served by an OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama, OpenAI),
 * over Node's fetch. Requests run concurrently up to `concurrency`, with timeouts and retries; `n` samples per
 * prompt are asked in one request and fanned out into single-sample requests (seeds `seed + i`) when the
 * server refuses or ignores `n`. Generations carry per-token log-probs when the server reports them.
 *
 * @example
 * ```ts
 * const model = new RemoteLanguageModel({ baseURL: 'http://localhost:8000/v1', model: 'Qwen/Qwen2.5-0.5B-Instruct' });
 * const [samples] = await model.generate(['Name a prime.'], { n: 8, temperature: 0.8, seed: 1, maxNewTokens: 32 });
 * samples.map((g) => g.text);
 * ```
 */
export class RemoteLanguageModel implements LanguageModel {
  /** `options.id`, else the model name. */
  readonly id: string;
  /** No logits or scoring over the API; log-probs when `options.logprobs` is not false. */
  readonly capabilities: {
    /** Always false: OpenAI-compatible APIs return no full logits. */
    logits: boolean;
    /** Whether generations ask for per-token log-probs. */
    logprobs: boolean;
  };
  /** Which endpoint prompts go to: /chat/completions or /completions. */
  readonly mode: 'chat' | 'completions';
  private readonly client: EndpointClient;
  private readonly options: RemoteLanguageModelOptions;
  /** Learned from the server: false once it refused or ignored n > 1 (then every sample is its own request). */
  private nWorks = true;

  constructor(options: RemoteLanguageModelOptions) {
    this.client = new EndpointClient(options);
    const mode = options.mode ?? 'chat';
    if (mode !== 'chat' && mode !== 'completions') {
      throw new RemoteOptionsError(`mode must be 'chat' or 'completions', got ${JSON.stringify(mode)}.`);
    }
    this.mode = mode;
    this.options = options;
    this.id = options.id ?? options.model;
    this.capabilities = { logits: false, logprobs: options.logprobs ?? true };
  }

  /** Whether the server has been seen to honour `n` (true until shown otherwise). */
  get supportsN(): boolean {
    return this.nWorks;
  }

  /**
   * Sample `n` continuations per prompt; `result[i][j]` is sample j of prompt i.
   *
   * @throws {RemoteOptionsError} for invalid options, logits processors, or chat prompts in completions mode.
   * @throws {EndpointError} when a request fails for good (the other requests of the call are then aborted).
   * @example
   * ```ts
   * const out = await model.generate([[{ role: 'user', content: 'Hi' }]], { n: 2, seed: 3, stop: ['\n'] });
   * ```
   */
  async generate(prompts: readonly Prompt[], options: RemoteGenerateOptions = {}): Promise<Generation[][]> {
    if (!Array.isArray(prompts)) throw new RemoteOptionsError('generate() takes an array of prompts.');
    const n = options.n ?? 1;
    this.validate(options, n);
    for (const [i, p] of prompts.entries()) this.checkPrompt(p, i);
    if (options.signal?.aborted) throw options.signal.reason;
    const perPrompt = this.nWorks ? 1 : n;
    const progress = new ProgressCounter(
      prompts.length * perPrompt,
      options.onProgress ?? this.options.onProgress,
    );
    return allOrAbort(prompts, options.signal, (prompt, _i, signal) =>
      this.samplePrompt(prompt, n, perPrompt, options, progress, signal),
    );
  }

  private validate(o: GenerateOptions, n: number): void {
    const int = (v: number | undefined, name: string, min: number) => {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < min)) {
        throw new RemoteOptionsError(`${name} must be an integer >= ${min}, got ${v}.`);
      }
    };
    int(n, 'n', 1);
    int(o.maxNewTokens, 'maxNewTokens', 1);
    int(o.topK, 'topK', 0);
    int(o.seed, 'seed', Number.MIN_SAFE_INTEGER);
    if (o.temperature !== undefined && !(Number.isFinite(o.temperature) && o.temperature >= 0)) {
      throw new RemoteOptionsError(`temperature must be a finite number >= 0, got ${o.temperature}.`);
    }
    if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) {
      throw new RemoteOptionsError(`topP must be in (0, 1], got ${o.topP}.`);
    }
    if (o.logitsProcessors && o.logitsProcessors.length > 0) {
      throw new RemoteOptionsError(
        'logitsProcessors cannot run on a remote endpoint (the server samples the tokens); use a local model for them.',
      );
    }
    if (o.stop !== undefined && (!Array.isArray(o.stop) || !o.stop.every((s) => typeof s === 'string'))) {
      throw new RemoteOptionsError('stop must be an array of strings.');
    }
  }

  private checkPrompt(p: Prompt, i: number): void {
    if (typeof p === 'string') return;
    if (!Array.isArray(p) || p.length === 0) {
      throw new RemoteOptionsError(`prompts[${i}] must be a string or a non-empty array of chat messages.`);
    }
    for (const m of p as readonly ChatMessage[]) {
      if (
        !isRecord(m) ||
        typeof m.content !== 'string' ||
        !['system', 'user', 'assistant'].includes(m.role as string)
      ) {
        throw new RemoteOptionsError(
          `prompts[${i}] has a message that is not { role: 'system' | 'user' | 'assistant', content: string }.`,
        );
      }
    }
    if (this.mode === 'completions') {
      throw new RemoteOptionsError(
        `prompts[${i}] is a chat conversation, but the model is in 'completions' mode (raw text); use mode: 'chat' or pass a string.`,
      );
    }
  }

  private async samplePrompt(
    prompt: Prompt,
    n: number,
    planned: number,
    options: GenerateOptions,
    progress: ProgressCounter,
    signal: AbortSignal,
  ): Promise<Generation[]> {
    const single = (from: number) =>
      Promise.all(
        Array.from({ length: n - from }, (_, k) => {
          const j = from + k;
          const seed = options.seed === undefined ? undefined : options.seed + j;
          return this.request(prompt, 1, seed, options, signal).finally(() => progress.finish());
        }),
      ).then((rs) => rs.map((r) => r[0].generation));
    if (n === 1) return single(0);
    if (!this.nWorks) {
      // another prompt of this call found out that n is not honoured after this one was planned as one request
      progress.plan(n - planned);
      return single(0);
    }
    let first: Choice[];
    try {
      first = await this.request(prompt, n, options.seed, options, signal).finally(() => progress.finish());
    } catch (err) {
      if (!rejectsN(err)) throw err;
      this.nWorks = false;
      progress.plan(n);
      return single(0);
    }
    const got = first.slice(0, n).map((c) => c.generation);
    if (got.length < n) {
      // The server ignored n (llama.cpp, Ollama): ask for the missing samples one by one.
      this.nWorks = false;
      progress.plan(n - got.length);
      return [...got, ...(await single(got.length))];
    }
    return got;
  }

  private body(
    prompt: Prompt,
    n: number,
    seed: number | undefined,
    o: GenerateOptions,
  ): Record<string, unknown> {
    const body: Record<string, unknown> = { model: this.client.model };
    if (this.mode === 'chat') {
      body.messages = typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
    } else {
      body.prompt = prompt;
    }
    body.max_tokens = o.maxNewTokens ?? 128;
    body.temperature = o.temperature ?? 1;
    // n is left out when 1: some servers reject the field altogether
    if (n > 1) body.n = n;
    if (o.topP !== undefined) body.top_p = o.topP;
    if (o.topK !== undefined && o.topK > 0) body.top_k = o.topK; // vLLM / llama.cpp extension
    if (seed !== undefined) body.seed = seed;
    if (o.stop && o.stop.length > 0) body.stop = [...o.stop];
    if (o.stopTokenIds && o.stopTokenIds.length > 0) body.stop_token_ids = [...o.stopTokenIds]; // vLLM
    if (this.capabilities.logprobs) body.logprobs = this.mode === 'chat' ? true : 1;
    if (this.options.returnTokenIds) body.return_token_ids = true;
    return { ...body, ...this.options.extraBody };
  }

  private async request(
    prompt: Prompt,
    n: number,
    seed: number | undefined,
    o: GenerateOptions,
    signal: AbortSignal,
  ): Promise<Choice[]> {
    const path = this.mode === 'chat' ? '/chat/completions' : '/completions';
    const json = await this.client.postJSON(path, this.body(prompt, n, seed, o), signal);
    const choices = isRecord(json) ? json.choices : undefined;
    if (!Array.isArray(choices) || choices.length === 0) {
      throw this.client.badResponse(path, 'the answer has no "choices" array', json);
    }
    return choices.map((c, k) => this.parseChoice(c, k, path, json)).sort((a, b) => a.index - b.index);
  }

  private parseChoice(c: unknown, k: number, path: string, json: unknown): Choice {
    if (!isRecord(c)) throw this.client.badResponse(path, `choices[${k}] is not an object`, json);
    let text: unknown;
    let logprobs: number[] = [];
    if (this.mode === 'chat') {
      const message = c.message;
      text = isRecord(message) ? (message.content ?? '') : undefined;
      const content = isRecord(c.logprobs) ? c.logprobs.content : undefined;
      if (Array.isArray(content)) {
        logprobs = content.map((t) =>
          isRecord(t) && typeof t.logprob === 'number' ? t.logprob : Number.NaN,
        );
      }
    } else {
      text = c.text;
      const lp = isRecord(c.logprobs) ? c.logprobs.token_logprobs : undefined;
      // null entries only appear for echoed prompt tokens, which are never requested here
      if (Array.isArray(lp)) logprobs = lp.map((v) => (typeof v === 'number' ? v : Number.NaN));
    }
    if (typeof text !== 'string') {
      throw this.client.badResponse(
        path,
        `choices[${k}] has no ${this.mode === 'chat' ? 'message.content' : 'text'} string`,
        json,
      );
    }
    // vLLM: token_ids (return_token_ids); llama.cpp: tokens (return_tokens)
    const tokenIds = numberArray(c.token_ids) ?? numberArray(c.tokens) ?? [];
    const index = typeof c.index === 'number' ? c.index : k;
    return {
      index,
      generation: { text, tokenIds: [...tokenIds], logprobs, finishReason: finishReasonOf(c.finish_reason) },
    };
  }
}
