/** What went wrong with an endpoint call. */
export type EndpointErrorCode =
  /** The server answered with an HTTP error status. */
  | 'http'
  /** No HTTP answer: connection refused / reset, DNS failure, ... */
  | 'network'
  /** No answer within `timeoutMs`. */
  | 'timeout'
  /** The body of a successful answer is not JSON. */
  | 'bad_json'
  /** JSON that does not have the OpenAI-compatible shape (or embeddings that are unusable). */
  | 'bad_response';

/** Fields of an {@link EndpointError}. */
export interface EndpointErrorInit {
  /** What kind of failure. */
  code: EndpointErrorCode;
  /** The URL the request went to. */
  url: string;
  /** HTTP status, when the server answered. */
  status?: number;
  /** Start of the response body (at most 500 characters). */
  bodyExcerpt?: string;
  /** The server's own error message, when the body had one. */
  serverMessage?: string;
  /** What to check to fix it. */
  hint: string;
  /** Whether trying again may succeed (network errors, timeouts, 429, 5xx). */
  retryable: boolean;
  /** Attempts made before giving up. */
  attempts: number;
  /** The underlying error (a fetch failure, a JSON parse error), if any. */
  cause?: unknown;
}

/**
 * A request to a remote OpenAI-compatible endpoint failed. `status`, `url`, `bodyExcerpt` and `hint` say what
 * happened and what to check (e.g. 401 -> the apiKey; 404 -> baseURL ending in /v1 and the model name;
 * ECONNREFUSED -> whether the server is running); `retryable` tells transient failures from permanent ones.
 *
 * @example
 * ```ts
 * try { await model.generate(['Hi']); }
 * catch (e) { if (e instanceof EndpointError && e.status === 401) console.error(e.hint); }
 * ```
 */
export class EndpointError extends Error {
  /** `'EndpointError'`. */
  override name = 'EndpointError';
  /** What kind of failure: `'http'`, `'network'`, `'timeout'`, `'bad_json'` or `'bad_response'`. */
  readonly code: EndpointErrorCode;
  /** The URL the request went to. */
  readonly url: string;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Start of the response body (at most 500 characters). */
  readonly bodyExcerpt: string | undefined;
  /** The server's own error message, when the body had one. */
  readonly serverMessage: string | undefined;
  /** What to check to fix it. */
  readonly hint: string;
  /** Whether trying again may succeed (network errors, timeouts, 429, 5xx). */
  readonly retryable: boolean;
  /** Attempts made before giving up. */
  readonly attempts: number;

  constructor(init: EndpointErrorInit) {
    const what =
      init.code === 'http'
        ? `HTTP ${init.status}${init.serverMessage ? `: ${init.serverMessage}` : ''}`
        : init.code === 'timeout'
          ? 'timed out'
          : init.code === 'network'
            ? `network error${init.serverMessage ? ` (${init.serverMessage})` : ''}`
            : init.code === 'bad_json'
              ? 'the response is not JSON'
              : `unexpected response${init.serverMessage ? `: ${init.serverMessage}` : ''}`;
    const tries = init.attempts > 1 ? ` after ${init.attempts} attempts` : '';
    super(`POST ${init.url} failed${tries}: ${what}. ${init.hint}`, { cause: init.cause });
    this.code = init.code;
    this.url = init.url;
    this.status = init.status;
    this.bodyExcerpt = init.bodyExcerpt;
    this.serverMessage = init.serverMessage;
    this.hint = init.hint;
    this.retryable = init.retryable;
    this.attempts = init.attempts;
  }
}

/**
 * Options or inputs a remote model cannot use (a malformed baseURL, n < 1, logits processors, chat prompts in
 * completions mode, ...). Thrown before any request is sent.
 *
 * @example
 * ```ts
 * new RemoteLanguageModel({ baseURL: 'localhost:8000', model: 'm' }); // throws: baseURL needs http:// or https://
 * ```
 */
export class RemoteOptionsError extends Error {
  /** `'RemoteOptionsError'`. */
  override name = 'RemoteOptionsError';
}
