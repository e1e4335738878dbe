/**
 * A loopback imitation of the OpenAI-compatible HTTP API (POST /v1/chat/completions, /v1/completions,
 * /v1/embeddings, GET /v1/models) for tests: deterministic or recorded replies, servers that honour, ignore or
 * reject `n`, scripted failures (status codes, Retry-After, hangs, dropped connections, bad JSON), and a record
 * of every request with the peak number in flight. Not part of the package's public API; other packages' tests
 * import it by relative path.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted answer, used once by the next incoming request (before normal handling). */
export interface ScriptedReply {
  /** HTTP status. Default 200. */
  status?: number;
  /** Object -> JSON body; string -> sent as is (e.g. broken JSON). Default `{}`-style error for non-2xx. */
  body?: unknown;
  /** Response headers (e.g. `{ 'retry-after': '1' }`). */
  headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the connection stays open until the client gives up or the server closes). */
  hang?: boolean;
  /** Drop the connection without answering (the client sees a network error). */
  destroy?: boolean;
}

/** One sampled reply: a text, or tokens with optional log-probs, token ids and finish reason. */
export type FakeReply =
  | string
  | {
      tokens: readonly string[];
      logprobs?: readonly number[];
      tokenIds?: readonly number[];
      finishReason?: string;
    };

/** What a completion request asked for, as the reply generators see it. */
export interface FakeCompletionRequest {
  /** Which API the request used. */
  endpoint: 'chat' | 'completions';
  /** Completions: the prompt; chat: the content of the last message. */
  prompt: string;
  /** Chat messages as sent (chat only). */
  messages?: readonly { role: string; content: string }[];
  /** `seed` of the request (0 when absent). */
  seed: number;
  /** Temperature, top_p, ... : the whole parsed body. */
  body: Readonly<Record<string, unknown>>;
}

/** Behaviour of a {@link FakeOpenAIServer}. */
export interface FakeOpenAIServerOptions {
  /** `'native'` honours n, `'ignore'` always returns one choice (llama.cpp, Ollama), `'reject'` answers 400. */
  nSupport?: 'native' | 'ignore' | 'reject';
  /** Body message of the 400 for `nSupport: 'reject'`. Default llama.cpp's "Only one completion choice is allowed". */
  rejectNMessage?: string;
  /** Delay before every answer, in ms (to make requests overlap). Default 0. */
  latencyMs?: number;
  /**
   * Recorded replies by prompt: sample j of a request with seed s gets `replies[prompt][(s + j) % length]`, so
   * n samples in one request equal n single requests with seeds s, s+1, ... A prompt without an entry is
   * answered with 400 (a test mistake should be loud).
   */
  replies?: Readonly<Record<string, readonly FakeReply[]>>;
  /** Generate sample j of a request (overrides `replies`). Default: `"<prompt> #<seed + j>"` style text. */
  complete?: (request: FakeCompletionRequest, sample: number) => FakeReply;
  /** Raw (unnormalised) embedding of a text. Default: a hash-derived vector of `embeddingDim` values. */
  embed?: (text: string) => readonly number[];
  /** Length of the default embeddings. Default 8. */
  embeddingDim?: number;
  /** Model ids listed by GET /v1/models. Default `['fake-model']`. */
  models?: readonly string[];
}

/** A request the server received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path without the query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Request headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined for GET or unparsable bodies). */
  body: Record<string, unknown> | undefined;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Split text into word tokens that each carry their leading whitespace, so the tokens concatenate to the text. */
export function fakeTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/**
 * Default log-prob of token t of a reply (0-based) when a reply gives none: -(t + 1) / 4, i.e. -0.25, -0.5, ...
 */
export function defaultFakeLogprob(t: number): number {
  return -(t + 1) / 4;
}

/** The default hash-derived raw embedding (not unit length). */
export function defaultFakeEmbedding(text: string, dim: number): number[] {
  const h = fnv1a(text);
  return Array.from({ length: dim }, (_, k) => ((fnv1a(`${h}:${k}`) % 2001) - 1000) / 100);
}

interface Sample {
  text: string;
  tokens: string[];
  logprobs: number[];
  tokenIds: number[];
  finishReason: string;
}

/**
 * An OpenAI-compatible fake server on 127.0.0.1 (port chosen by the OS).
 *
 * @example
 * ```ts
 * const server = await FakeOpenAIServer.start({ replies: { 'Q?': ['yes', 'no'] } });
 * const model = new RemoteLanguageModel({ baseURL: server.baseURL, model: 'fake-model' });
 * await model.generate(['Q?'], { n: 2, seed: 0 }); // [['yes', 'no']] as Generations
 * await server.close();
 * ```
 */
export class FakeOpenAIServer {
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Requests being handled right now. */
  inFlight = 0;
  /** Most requests handled at the same time so far. */
  maxInFlight = 0;
  private readonly script: ScriptedReply[] = [];

  private constructor(
    private readonly server: Server,
    /** The TCP port. */
    readonly port: number,
    private readonly options: FakeOpenAIServerOptions,
  ) {}

  /** `http://127.0.0.1:<port>/v1`, ready for `baseURL`. */
  get baseURL(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Start listening on a free loopback port. */
  static async start(options: FakeOpenAIServerOptions = {}): Promise<FakeOpenAIServer> {
    let self: FakeOpenAIServer | undefined;
    const server = createServer((req, res) => {
      void self?.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new FakeOpenAIServer(server, (server.address() as AddressInfo).port, options);
    return self;
  }

  /** Queue scripted answers; each is used by one incoming request, in order. */
  enqueue(...replies: ScriptedReply[]): void {
    this.script.push(...replies);
  }

  /** Requests received on a path (e.g. `'/v1/chat/completions'`). */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Stop the server, cutting open (e.g. hanging) connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.once('close', () => {
      this.inFlight--;
    });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0];
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });

    const scripted = this.script.shift();
    const delay = scripted?.delayMs ?? this.options.latencyMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (scripted?.hang) return;
    if (scripted?.destroy) {
      req.socket.destroy();
      return;
    }
    if (scripted) {
      const status = scripted.status ?? 200;
      const payload = scripted.body ?? (status >= 400 ? { error: { message: `scripted ${status}` } } : {});
      this.send(res, status, payload, scripted.headers);
      return;
    }
    try {
      if (req.method === 'GET' && path === '/v1/models') {
        const data = (this.options.models ?? ['fake-model']).map((id) => ({
          id,
          object: 'model',
          owned_by: 'fake',
        }));
        this.send(res, 200, { object: 'list', data });
      } else if (req.method === 'POST' && path === '/v1/chat/completions') {
        this.completion(res, 'chat', body);
      } else if (req.method === 'POST' && path === '/v1/completions') {
        this.completion(res, 'completions', body);
      } else if (req.method === 'POST' && path === '/v1/embeddings') {
        this.embeddings(res, body);
      } else {
        this.send(res, 404, { error: { message: `Not found: ${req.method} ${path}`, type: 'not_found' } });
      }
    } catch (err) {
      this.send(res, 400, { error: { message: (err as Error).message, type: 'invalid_request_error' } });
    }
  }

  private send(
    res: ServerResponse,
    status: number,
    payload: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): void {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  }

  private sample(
    request: FakeCompletionRequest,
    j: number,
    maxTokens: number,
    stop: readonly string[],
  ): Sample {
    let reply: FakeReply;
    if (this.options.complete) reply = this.options.complete(request, j);
    else if (this.options.replies) {
      const replies = this.options.replies;
      const list = Object.hasOwn(replies, request.prompt) ? replies[request.prompt] : undefined;
      if (!list || list.length === 0)
        throw new Error(
          `FakeOpenAIServer has no recorded reply for prompt ${JSON.stringify(request.prompt)}`,
        );
      reply = list[(((request.seed + j) % list.length) + list.length) % list.length];
    } else reply = `${request.prompt} #${request.seed + j}`;
    const r = typeof reply === 'string' ? { tokens: fakeTokens(reply) } : reply;
    let tokens = [...r.tokens];
    let finishReason = r.finishReason ?? 'stop';
    if (tokens.length > maxTokens) {
      tokens = tokens.slice(0, maxTokens);
      finishReason = 'length';
    }
    let text = tokens.join('');
    let cut = -1;
    for (const s of stop) {
      const at = text.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      // keep the tokens that start before the stop string, as servers do; the text ends right before it
      let pos = 0;
      let keep = 0;
      while (keep < tokens.length && pos < cut) pos += tokens[keep++].length;
      tokens = tokens.slice(0, keep);
      text = text.slice(0, cut);
      finishReason = 'stop';
    }
    const logprobs = tokens.map((_, t) => r.logprobs?.[t] ?? defaultFakeLogprob(t));
    const tokenIds = tokens.map((_, t) => r.tokenIds?.[t] ?? t);
    return { text, tokens, logprobs, tokenIds, finishReason };
  }

  private completion(
    res: ServerResponse,
    endpoint: 'chat' | 'completions',
    body: Record<string, unknown> | undefined,
  ): void {
    if (!body) throw new Error('The request body is not JSON.');
    const n = body.n === undefined ? 1 : Number(body.n);
    if (n > 1 && this.options.nSupport === 'reject') {
      this.send(res, 400, {
        error: {
          message: this.options.rejectNMessage ?? 'Only one completion choice is allowed',
          type: 'invalid_request_error',
          code: 400,
        },
      });
      return;
    }
    let prompt: string;
    let messages: { role: string; content: string }[] | undefined;
    if (endpoint === 'chat') {
      if (!Array.isArray(body.messages) || body.messages.length === 0)
        throw new Error("'messages' must be a non-empty array");
      messages = body.messages as { role: string; content: string }[];
      prompt = String(messages[messages.length - 1].content);
    } else {
      if (typeof body.prompt !== 'string') throw new Error("'prompt' must be a string");
      prompt = body.prompt;
    }
    const seed = typeof body.seed === 'number' ? body.seed : 0;
    const request: FakeCompletionRequest = { endpoint, prompt, messages, seed, body };
    const count = this.options.nSupport === 'ignore' ? 1 : n;
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 16;
    const stop = Array.isArray(body.stop)
      ? (body.stop as string[])
      : typeof body.stop === 'string'
        ? [body.stop]
        : [];
    const wantLogprobs = body.logprobs === true || typeof body.logprobs === 'number';
    let completionTokens = 0;
    const choices = Array.from({ length: count }, (_, j) => {
      const s = this.sample(request, j, maxTokens, stop);
      completionTokens += s.tokens.length;
      const ids = body.return_token_ids === true ? { token_ids: s.tokenIds } : {};
      if (endpoint === 'chat') {
        const logprobs = wantLogprobs
          ? {
              content: s.tokens.map((token, t) => ({
                token,
                logprob: s.logprobs[t],
                bytes: [...Buffer.from(token)],
                top_logprobs: [],
              })),
            }
          : null;
        return {
          index: j,
          message: { role: 'assistant', content: s.text },
          logprobs,
          finish_reason: s.finishReason,
          ...ids,
        };
      }
      let offset = prompt.length;
      const logprobs = wantLogprobs
        ? {
            tokens: s.tokens,
            token_logprobs: s.logprobs,
            top_logprobs: s.tokens.map((token, t) => ({ [token]: s.logprobs[t] })),
            text_offset: s.tokens.map((token) => {
              const o = offset;
              offset += token.length;
              return o;
            }),
          }
        : null;
      return { index: j, text: s.text, logprobs, finish_reason: s.finishReason, ...ids };
    });
    this.send(res, 200, {
      id: `fake-${this.requests.length}`,
      object: endpoint === 'chat' ? 'chat.completion' : 'text_completion',
      created: 0,
      model: body.model,
      choices,
      usage: {
        prompt_tokens: fakeTokens(prompt).length,
        completion_tokens: completionTokens,
        total_tokens: fakeTokens(prompt).length + completionTokens,
      },
    });
  }

  private embeddings(res: ServerResponse, body: Record<string, unknown> | undefined): void {
    if (!body) throw new Error('The request body is not JSON.');
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(input) || !input.every((t) => typeof t === 'string')) {
      throw new Error("'input' must be a string or an array of strings");
    }
    const dim = this.options.embeddingDim ?? 8;
    const data = input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: this.options.embed ? [...this.options.embed(text)] : defaultFakeEmbedding(text, dim),
    }));
    this.send(res, 200, {
      object: 'list',
      data,
      model: body.model,
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  }
}
