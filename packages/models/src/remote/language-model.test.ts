import { afterEach, describe, expect, it } from 'vitest';
import { EndpointError, RemoteOptionsError } from './errors.js';
import { RemoteLanguageModel, type RemoteLanguageModelOptions } from './language-model.js';
import type { RemoteProgress } from './progress.js';
import { FakeOpenAIServer, type FakeOpenAIServerOptions } from './testing/fake-openai-server.js';

const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(
  serverOptions: FakeOpenAIServerOptions = {},
  modelOptions: Partial<RemoteLanguageModelOptions> = {},
): Promise<{ server: FakeOpenAIServer; model: RemoteLanguageModel }> {
  const server = await FakeOpenAIServer.start(serverOptions);
  servers.push(server);
  const model = new RemoteLanguageModel({
    baseURL: server.baseURL,
    model: 'fake-model',
    retryBaseMs: 1,
    ...modelOptions,
  });
  return { server, model };
}

const texts = (gs: { text: string }[][]) => gs.map((row) => row.map((g) => g.text));

describe('RemoteLanguageModel: requests and parsing', () => {
  it('sends a string as one user message and reads text, chat log-probs and finish reason', async () => {
    const { server, model } = await setup({}, { apiKey: 'sk-test', headers: { 'x-team': 'proj' } });
    const [[g]] = await model.generate(['hello'], { seed: 5, maxNewTokens: 10 });
    // default fake reply "<prompt> #<seed>" = tokens 'hello', ' #5'; default log-probs -(t+1)/4
    expect(g).toEqual({ text: 'hello #5', tokenIds: [], logprobs: [-0.25, -0.5], finishReason: 'stop' });
    const [req] = server.requests;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.body).toEqual({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 10,
      temperature: 1,
      seed: 5,
      logprobs: true,
    });
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.headers['x-team']).toBe('proj');
    expect(model.capabilities).toEqual({ logits: false, logprobs: true });
    expect(model.id).toBe('fake-model');
  });

  it('passes chat messages through and sends sampling options only when set', async () => {
    const { server, model } = await setup({}, { logprobs: false, extraBody: { repetition_penalty: 1.1 } });
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ] as const;
    await model.generate([messages], {
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      stop: ['\n'],
      stopTokenIds: [2],
    });
    expect(server.requests[0].body).toEqual({
      model: 'fake-model',
      messages,
      max_tokens: 128,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      stop: ['\n'],
      stop_token_ids: [2],
      repetition_penalty: 1.1,
    });
    await model.generate(['x'], { topK: 0 });
    expect(server.requests[1].body).not.toHaveProperty('top_k');
  });

  it('uses /completions for raw text and reads token_logprobs', async () => {
    const { server, model } = await setup(
      { complete: () => ({ tokens: ['Hel', 'lo', '!'], logprobs: [-0.1, -2.5, -0.03] }) },
      { mode: 'completions' },
    );
    const [[g]] = await model.generate(['Say hello:'], { maxNewTokens: 5 });
    expect(g).toEqual({ text: 'Hello!', tokenIds: [], logprobs: [-0.1, -2.5, -0.03], finishReason: 'stop' });
    expect(server.requests[0].path).toBe('/v1/completions');
    expect(server.requests[0].body).toMatchObject({ prompt: 'Say hello:', logprobs: 1, max_tokens: 5 });
  });

  it('reads chat log-probs given by the server verbatim', async () => {
    const { model } = await setup({ complete: () => ({ tokens: ['a', 'b'], logprobs: [-1.5, -0.125] }) });
    const [[g]] = await model.generate(['q']);
    expect(g.logprobs).toEqual([-1.5, -0.125]);
  });

  it('maps finish reasons and applies stop strings', async () => {
    const { model } = await setup({ replies: { p: ['one two three\nfour'] } });
    const [[cut]] = await model.generate(['p'], { maxNewTokens: 2 });
    expect(cut).toMatchObject({ text: 'one two', finishReason: 'length', logprobs: [-0.25, -0.5] });
    const [[stopped]] = await model.generate(['p'], { stop: ['\n'] });
    expect(stopped).toMatchObject({ text: 'one two three', finishReason: 'stop' });
  });

  it('returns token ids when vLLM is asked for them', async () => {
    const { server, model } = await setup(
      { complete: () => ({ tokens: ['x', 'y'], tokenIds: [17, 4] }) },
      { returnTokenIds: true },
    );
    const [[g]] = await model.generate(['p']);
    expect(g.tokenIds).toEqual([17, 4]);
    expect(server.requests[0].body?.return_token_ids).toBe(true);
  });

  it('keeps prompt order and sample order', async () => {
    const { model } = await setup(
      { replies: { a: ['a0', 'a1', 'a2'], b: ['b0', 'b1', 'b2'] } },
      { concurrency: 2 },
    );
    const out = await model.generate(['b', 'a'], { n: 2, seed: 1 });
    expect(texts(out)).toEqual([
      ['b1', 'b2'],
      ['a1', 'a2'],
    ]);
  });
});

describe('RemoteLanguageModel: n fan-out', () => {
  const replies = { p: ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'], q: ['q0', 'q1', 'q2', 'q3', 'q4', 'q5'] };

  it('asks for n samples in one request when the server honours n', async () => {
    const { server, model } = await setup({ replies });
    const out = await model.generate(['p'], { n: 3, seed: 2 });
    expect(texts(out)).toEqual([['r2', 'r3', 'r4']]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body?.n).toBe(3);
  });

  it('fans out with seeds seed+i when the server ignores n, and remembers it', async () => {
    const { server, model } = await setup({ replies, nSupport: 'ignore' }, { concurrency: 1 });
    const out = await model.generate(['p'], { n: 3, seed: 2 });
    expect(texts(out)).toEqual([['r2', 'r3', 'r4']]);
    expect(server.requests.map((r) => [r.body?.n, r.body?.seed])).toEqual([
      [3, 2],
      [undefined, 3],
      [undefined, 4],
    ]);
    expect(model.supportsN).toBe(false);
    const again = await model.generate(['q'], { n: 2, seed: 0 });
    expect(texts(again)).toEqual([['q0', 'q1']]);
    expect(server.requests.slice(3).map((r) => [r.body?.n, r.body?.seed])).toEqual([
      [undefined, 0],
      [undefined, 1],
    ]);
  });

  it('fans out after a 400 about n (llama.cpp wording)', async () => {
    const { server, model } = await setup({ replies, nSupport: 'reject' }, { concurrency: 1 });
    const out = await model.generate(['p', 'q'], { n: 2, seed: 4 });
    expect(texts(out)).toEqual([
      ['r4', 'r5'],
      ['q4', 'q5'],
    ]);
    expect(server.requests[0].body?.n).toBe(2);
    expect(server.requests.filter((r) => r.body?.n === undefined)).toHaveLength(4);
  });

  it('recognises OpenAI-style n errors but not unrelated 400s', async () => {
    const { model } = await setup({
      replies,
      nSupport: 'reject',
      rejectNMessage: "Unsupported value: 'n' must be 1.",
    });
    expect(texts(await model.generate(['p'], { n: 2, seed: 0 }))).toEqual([['r0', 'r1']]);
    const { server, model: other } = await setup({ replies });
    server.enqueue({ status: 400, body: { error: { message: 'max_tokens is too large' } } });
    await expect(other.generate(['p'], { n: 2 })).rejects.toMatchObject({ status: 400 });
    expect(other.supportsN).toBe(true);
  });

  it('reports progress, growing the total when it has to fan out', async () => {
    const seen: RemoteProgress[] = [];
    const { model } = await setup({ replies, nSupport: 'ignore' }, { concurrency: 1 });
    await model.generate(['p', 'q'], { n: 3, onProgress: (p) => seen.push({ ...p }) });
    expect(seen.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.at(-1)).toEqual({ done: 6, total: 6 });
    expect(seen.every((p) => p.done <= p.total)).toBe(true);
  });
});

describe('RemoteLanguageModel: robustness', () => {
  it('retries 503 twice, then succeeds', async () => {
    const { server, model } = await setup();
    server.enqueue({ status: 503 }, { status: 503 });
    const [[g]] = await model.generate(['x'], { seed: 1 });
    expect(g.text).toBe('x #1');
    expect(server.requests).toHaveLength(3);
  });

  it('honours Retry-After on 429', async () => {
    const { server, model } = await setup();
    server.enqueue({ status: 429, headers: { 'retry-after': '1' } });
    const t0 = performance.now();
    await model.generate(['x']);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a 400 and reports the server message', async () => {
    const { server, model } = await setup();
    server.enqueue({ status: 400, body: { error: { message: 'temperature is too high' } } });
    const err = (await model.generate(['x']).catch((e: unknown) => e)) as EndpointError;
    expect(err).toBeInstanceOf(EndpointError);
    expect(err).toMatchObject({ status: 400, retryable: false, attempts: 1, code: 'http' });
    expect(err.serverMessage).toBe('temperature is too high');
    expect(err.message).toContain('temperature is too high');
    expect(err.url).toBe(`${server.baseURL}/chat/completions`);
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after maxRetries with a retryable error', async () => {
    const { server, model } = await setup({}, { maxRetries: 2 });
    server.enqueue({ status: 500 }, { status: 502 }, { status: 500, body: 'upstream exploded' });
    const err = (await model.generate(['x']).catch((e: unknown) => e)) as EndpointError;
    expect(err).toMatchObject({
      status: 500,
      retryable: true,
      attempts: 3,
      bodyExcerpt: 'upstream exploded',
    });
    expect(err.hint).toMatch(/server's log/);
  });

  it('times out a hanging request, and retries it', async () => {
    const { server, model } = await setup({}, { timeoutMs: 100, maxRetries: 0 });
    server.enqueue({ hang: true });
    const err = (await model.generate(['x']).catch((e: unknown) => e)) as EndpointError;
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(err.hint).toMatch(/timeoutMs/);
    // generous: the retried request must answer within the timeout even on a loaded machine
    const { server: s2, model: m2 } = await setup({}, { timeoutMs: 400, maxRetries: 1 });
    s2.enqueue({ hang: true });
    expect(texts(await m2.generate(['y'], { seed: 0 }))).toEqual([['y #0']]);
    expect(s2.requests).toHaveLength(2);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const { server, model } = await setup({ latencyMs: 60 }, { concurrency: 3 });
    const out = await model.generate(
      Array.from({ length: 10 }, (_, i) => `p${i}`),
      { seed: 0 },
    );
    expect(out.map((r) => r[0].text)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i} #0`));
    expect(server.maxInFlight).toBe(3);
  });

  it('explains an unreachable port', async () => {
    const dead = await FakeOpenAIServer.start();
    const baseURL = dead.baseURL;
    await dead.close();
    const model = new RemoteLanguageModel({ baseURL, model: 'm', maxRetries: 1, retryBaseMs: 1 });
    const err = (await model.generate(['x']).catch((e: unknown) => e)) as EndpointError;
    expect(err).toMatchObject({ code: 'network', retryable: true, attempts: 2, status: undefined });
    expect(err.hint).toContain(`Is the server running at ${new URL(baseURL).origin}?`);
  });

  it('reports a dropped connection as a network error', async () => {
    const { server, model } = await setup({}, { maxRetries: 0 });
    server.enqueue({ destroy: true });
    await expect(model.generate(['x'])).rejects.toMatchObject({ code: 'network' });
  });

  it('rejects bad JSON and JSON without choices, without retrying', async () => {
    const { server, model } = await setup();
    server.enqueue({ status: 200, body: 'not json{' }, { status: 200, body: { object: 'list' } });
    await expect(model.generate(['x'])).rejects.toMatchObject({
      code: 'bad_json',
      retryable: false,
      bodyExcerpt: 'not json{',
    });
    const err = (await model.generate(['x']).catch((e: unknown) => e)) as EndpointError;
    expect(err).toMatchObject({ code: 'bad_response' });
    expect(err.message).toMatch(/no "choices" array.*ending in \/v1/);
    expect(server.requests).toHaveLength(2);
  });

  it('hints at the apiKey on 401 and at baseURL / model on 404', async () => {
    const { server, model } = await setup();
    server.enqueue({ status: 401 });
    await expect(model.generate(['x'])).rejects.toThrow(/Check apiKey/);
    const wrong = new RemoteLanguageModel({
      baseURL: server.baseURL.replace('/v1', ''),
      model: 'fake-model',
      maxRetries: 0,
    });
    const err = (await wrong.generate(['x']).catch((e: unknown) => e)) as EndpointError;
    expect(err.status).toBe(404);
    expect(err.hint).toMatch(/ends with \/v1.*'fake-model'/);
  });

  it('rejects with the AbortError of the caller’s signal', async () => {
    const { server, model } = await setup();
    server.enqueue({ hang: true });
    const ctrl = new AbortController();
    const p = model.generate(['x'], { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 30);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('stops sending the rest of a call after a permanent failure', async () => {
    const { server, model } = await setup({}, { concurrency: 1 });
    server.enqueue({ status: 400 });
    await expect(model.generate(['a', 'b', 'c'])).rejects.toMatchObject({ status: 400 });
    await new Promise((r) => setTimeout(r, 20));
    expect(server.requests).toHaveLength(1);
  });
});

describe('RemoteLanguageModel: bad options', () => {
  it('refuses what it cannot do before sending anything', async () => {
    const { server, model } = await setup();
    const proc = { process: () => undefined };
    await expect(model.generate(['x'], { logitsProcessors: [proc] })).rejects.toThrow(
      /logitsProcessors cannot run/,
    );
    await expect(model.generate(['x'], { n: 0 })).rejects.toThrow(RemoteOptionsError);
    await expect(model.generate(['x'], { topP: 0 })).rejects.toThrow(/topP/);
    await expect(model.generate(['x'], { temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(model.generate([[{ role: 'robot', content: 'x' }]] as never)).rejects.toThrow(/role/);
    const raw = new RemoteLanguageModel({ baseURL: server.baseURL, model: 'm', mode: 'completions' });
    await expect(raw.generate([[{ role: 'user', content: 'x' }]])).rejects.toThrow(/'completions' mode/);
    expect(server.requests).toHaveLength(0);
    expect(() => new RemoteLanguageModel({ baseURL: 'localhost:8000/v1', model: 'm' })).toThrow(
      /http:\/\/ or https:\/\//,
    );
    expect(() => new RemoteLanguageModel({ baseURL: 'not a url', model: 'm' })).toThrow(/not a URL/);
    expect(() => new RemoteLanguageModel({ baseURL: server.baseURL, model: '' })).toThrow(/model must name/);
    expect(() => new RemoteLanguageModel({ baseURL: server.baseURL, model: 'm', concurrency: 0 })).toThrow(
      /concurrency/,
    );
  });
});
