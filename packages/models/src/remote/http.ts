import { setTimeout as sleep } from 'node:timers/promises';
import { EndpointError, type EndpointErrorCode, RemoteOptionsError } from './errors.js';
import { abortReason, Semaphore } from './semaphore.js';

/** Connection options shared by {@link RemoteLanguageModel} and {@link RemoteEmbedder}. */
export interface EndpointOptions {
  /**
   * API root including the version, e.g. `http://localhost:8000/v1` (vLLM), `http://localhost:8080/v1`
   * (llama.cpp server), `http://localhost:11434/v1` (Ollama), `https://api.openai.com/v1`.
   */
  baseURL: string;
  /** Model name sent with every request (as the server lists it under GET /models). */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: Readonly<Record<string, string>>;
  /** Retries after a network error, timeout, 429 or 5xx (not after other 4xx). Default 3. */
  maxRetries?: number;
  /** Per-attempt timeout in milliseconds. Default 120000. */
  timeoutMs?: number;
  /** Requests this client keeps in flight at most, over all its calls. Default 4. */
  concurrency?: number;
  /** First backoff delay in ms; doubles per retry, with jitter. Default 500. */
  retryBaseMs?: number;
  /** Longest wait between attempts in ms (also caps Retry-After). Default 30000. */
  retryMaxMs?: number;
}

function checkCount(v: number | undefined, name: string, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || !Number.isInteger(v) || v < min) {
    throw new RemoteOptionsError(`${name} must be an integer >= ${min}, got ${v}.`);
  }
  return v;
}

type Attempt = { ok: true; json: unknown } | { ok: false; error: EndpointError; retryAfterMs?: number };

const BODY_EXCERPT = 500;

/** The server's own message in an error body: OpenAI `{error: {message}}`, vLLM `{message}`, FastAPI `{detail}`. */
function serverMessageOf(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const err = j?.error;
    if (typeof err === 'string') return err;
    if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
      return (err as { message: string }).message;
    }
    if (typeof j?.message === 'string') return j.message;
    if (typeof j?.detail === 'string') return j.detail;
    if (j?.detail !== undefined) return JSON.stringify(j.detail).slice(0, BODY_EXCERPT);
  } catch {
    // not JSON: the excerpt speaks for itself
  }
  const t = text.trim();
  return t.length > 0 ? t.slice(0, 200) : undefined;
}

/** Retry-After as seconds or an HTTP date, or OpenAI's retry-after-ms; undefined when absent or unreadable. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const v = headers.get('retry-after');
  if (v === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * POSTs JSON to one OpenAI-compatible API root with per-attempt timeouts, retries (exponential backoff with
 * jitter, Retry-After honoured) and a concurrency cap shared by everything the client sends.
 */
export class EndpointClient {
  /** The API root, e.g. `http://localhost:8000/v1` (no trailing slash). */
  readonly baseURL: string;
  /** Model name sent with every request. */
  readonly model: string;
  /** Retries after a transient failure. */
  readonly maxRetries: number;
  /** Per-attempt timeout in milliseconds. */
  readonly timeoutMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly headers: Record<string, string>;
  private readonly semaphore: Semaphore;

  constructor(options: EndpointOptions) {
    if (options === null || typeof options !== 'object') {
      throw new RemoteOptionsError('Endpoint options must be an object with at least baseURL and model.');
    }
    let url: URL;
    try {
      url = new URL(options.baseURL);
    } catch {
      throw new RemoteOptionsError(
        `baseURL ${JSON.stringify(options.baseURL)} is not a URL; write it in full, e.g. http://localhost:8000/v1.`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RemoteOptionsError(
        `baseURL needs http:// or https://, got ${JSON.stringify(options.baseURL)}.`,
      );
    }
    if (typeof options.model !== 'string' || options.model.length === 0) {
      throw new RemoteOptionsError('model must name the served model (see GET <baseURL>/models).');
    }
    this.baseURL = options.baseURL.replace(/\/+$/, '');
    this.model = options.model;
    this.maxRetries = checkCount(options.maxRetries, 'maxRetries', 0, 3);
    this.timeoutMs = checkCount(options.timeoutMs, 'timeoutMs', 1, 120_000);
    this.retryBaseMs = checkCount(options.retryBaseMs, 'retryBaseMs', 0, 500);
    this.retryMaxMs = checkCount(options.retryMaxMs, 'retryMaxMs', 0, 30_000);
    this.semaphore = new Semaphore(checkCount(options.concurrency, 'concurrency', 1, 4));
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      ...options.headers,
    };
  }

  /**
   * POST `body` as JSON to `baseURL + path` and return the parsed JSON answer.
   * @throws {EndpointError} once retries are spent or on a non-retryable failure.
   * @throws the signal's reason (an AbortError) when `signal` aborts.
   */
  async postJSON(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.baseURL}${path}`;
    const payload = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortReason(signal);
      const release = await this.semaphore.acquire(signal);
      let result: Attempt;
      try {
        result = await this.attempt(url, payload, attempt, signal);
      } finally {
        release(); // the slot is not held while backing off, so other requests can use it
      }
      if (result.ok) return result.json;
      if (!result.error.retryable || attempt > this.maxRetries) throw result.error;
      // Full-jitter-ish backoff: 50-100% of base * 2^(attempt-1); a server's Retry-After wins.
      const backoff =
        Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1)) * (0.5 + 0.5 * Math.random());
      const delay = Math.min(this.retryMaxMs, result.retryAfterMs ?? backoff);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw abortReason(signal as AbortSignal);
      }
    }
  }

  private async attempt(
    url: string,
    payload: string,
    attempt: number,
    signal?: AbortSignal,
  ): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const fail = (
      code: EndpointErrorCode,
      retryable: boolean,
      extra: Partial<ConstructorParameters<typeof EndpointError>[0]> = {},
    ) =>
      new EndpointError({
        code,
        url,
        retryable,
        attempts: attempt,
        hint: this.hint(code, extra.status, extra.serverMessage),
        ...extra,
      });
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method: 'POST', headers: this.headers, body: payload, signal: combined });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      if (timeout.aborted) return { ok: false, error: fail('timeout', true, { cause: err }) };
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (err as Error).message;
      return { ok: false, error: fail('network', true, { serverMessage: detail, cause: err }) };
    }
    if (!res.ok) {
      const retryable = res.status === 429 || res.status >= 500;
      const error = fail('http', retryable, {
        status: res.status,
        bodyExcerpt: text.slice(0, BODY_EXCERPT),
        serverMessage: serverMessageOf(text),
      });
      return { ok: false, error, retryAfterMs: retryable ? parseRetryAfter(res.headers) : undefined };
    }
    try {
      return { ok: true, json: JSON.parse(text) };
    } catch (err) {
      return {
        ok: false,
        error: fail('bad_json', false, {
          status: res.status,
          bodyExcerpt: text.slice(0, BODY_EXCERPT),
          cause: err,
        }),
      };
    }
  }

  /** A failure of a well-formed answer (e.g. no `choices`), as an EndpointError with the same hints. */
  badResponse(path: string, problem: string, json: unknown): EndpointError {
    let excerpt: string;
    try {
      excerpt = JSON.stringify(json).slice(0, BODY_EXCERPT);
    } catch {
      excerpt = String(json).slice(0, BODY_EXCERPT);
    }
    return new EndpointError({
      code: 'bad_response',
      url: `${this.baseURL}${path}`,
      status: 200,
      bodyExcerpt: excerpt,
      serverMessage: problem,
      retryable: false,
      attempts: 1,
      hint: this.hint('bad_response'),
    });
  }

  private hint(code: EndpointErrorCode, status?: number, message?: string): string {
    const origin = new URL(this.baseURL).origin;
    switch (code) {
      case 'network':
        if (message === 'ECONNREFUSED')
          return `Is the server running at ${origin}? Nothing accepted the connection.`;
        if (message === 'ENOTFOUND' || message === 'EAI_AGAIN')
          return `Host of ${origin} not found: check baseURL.`;
        return `Check that ${origin} is reachable (server running, network, proxy).`;
      case 'timeout':
        return `No answer within ${this.timeoutMs} ms: raise timeoutMs, or lower maxNewTokens / concurrency.`;
      case 'bad_json':
      case 'bad_response':
        return `Is baseURL (${this.baseURL}) an OpenAI-compatible API root ending in /v1?`;
      default:
        break;
    }
    if (status === 401 || status === 403) {
      return `Check apiKey (sent as Authorization: Bearer ...) and that it may use model '${this.model}'.`;
    }
    if (status === 404) {
      return `Check that baseURL ends with /v1 (got ${this.baseURL}) and that model '${this.model}' is served (GET ${this.baseURL}/models).`;
    }
    if (status === 413)
      return 'The request is too large: send fewer or shorter inputs (e.g. a smaller batchSize).';
    if (status === 429) return 'Rate limited: lower concurrency, or raise maxRetries / retryMaxMs.';
    if (status !== undefined && status >= 500) return `Server error at ${origin}: see the server's log.`;
    if (message && /logprob/i.test(message))
      return 'The server rejects log-probs: create the model with logprobs: false.';
    return 'The server rejected the request body; see its message above.';
  }
}
