import { afterEach, describe, expect, it } from 'vitest';
import { RemoteEmbedder, type RemoteEmbedderOptions } from './embedder.js';
import { EndpointError, RemoteOptionsError } from './errors.js';
import type { RemoteProgress } from './progress.js';
import { FakeOpenAIServer, type FakeOpenAIServerOptions } from './testing/fake-openai-server.js';

const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Raw vectors whose norms are easy by hand: 3-4-5 and 5-12-13 triangles, axis vectors. */
const RAW: Record<string, number[]> = {
  a: [3, 4, 0],
  b: [0, 5, 12],
  c: [-2, 0, 0],
  d: [0, 0, 0.5],
  e: [6, 0, 8],
};

async function setup(
  serverOptions: FakeOpenAIServerOptions = {},
  options: Partial<RemoteEmbedderOptions> = {},
): Promise<{ server: FakeOpenAIServer; emb: RemoteEmbedder }> {
  const server = await FakeOpenAIServer.start({ embed: (t) => RAW[t] ?? [1, 1, 1], ...serverOptions });
  servers.push(server);
  const emb = new RemoteEmbedder({
    baseURL: server.baseURL,
    model: 'fake-embed',
    retryBaseMs: 1,
    ...options,
  });
  return { server, emb };
}

/** Float32 results against exact expectations, to float32 precision. */
function expectVectors(actual: Float32Array[], expected: number[][]): void {
  expect(actual.map((v) => v.length)).toEqual(expected.map((v) => v.length));
  for (const [i, v] of actual.entries()) {
    for (const [j, x] of v.entries()) expect(x).toBeCloseTo(expected[i][j], 6);
  }
}

describe('RemoteEmbedder', () => {
  it('batches, keeps order and re-normalises to unit length', async () => {
    const seen: RemoteProgress[] = [];
    const { server, emb } = await setup({}, { batchSize: 2, onProgress: (p) => seen.push({ ...p }) });
    const out = await emb.embed(['a', 'b', 'c', 'd', 'e']);
    expectVectors(out, [
      [0.6, 0.8, 0],
      [0, 5 / 13, 12 / 13],
      [-1, 0, 0],
      [0, 0, 1],
      [0.6, 0, 0.8],
    ]);
    expect(server.requests.map((r) => r.body?.input)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(server.requests[0].body).toMatchObject({ model: 'fake-embed', encoding_format: 'float' });
    expect(emb.dimension).toBe(3);
    expect(seen.at(-1)).toEqual({ done: 3, total: 3 });
    expect(await emb.embed([])).toEqual([]);
  });

  it('learns the dimension in create(), and says when it is not known yet', async () => {
    const { server, emb } = await setup();
    expect(() => emb.dimension).toThrow(RemoteOptionsError);
    const created = await RemoteEmbedder.create({ baseURL: server.baseURL, model: 'm' });
    expect(created.dimension).toBe(3);
    const given = await RemoteEmbedder.create({ baseURL: server.baseURL, model: 'm', dimension: 3 });
    expect(given.dimension).toBe(3);
    expect(server.requests).toHaveLength(1); // only the probe of the first create()
  });

  it('sorts answers by index', async () => {
    const { server, emb } = await setup();
    server.enqueue({
      body: {
        data: [
          { index: 1, embedding: [0, 2] },
          { index: 0, embedding: [3, 0] },
        ],
      },
    });
    expectVectors(await emb.embed(['x', 'y']), [
      [1, 0],
      [0, 1],
    ]);
  });

  it('decodes base64 float32 embeddings', async () => {
    const { server, emb } = await setup();
    const b64 = Buffer.from(new Float32Array([3, 4]).buffer).toString('base64');
    server.enqueue({ body: { data: [{ index: 0, embedding: b64 }] } });
    expectVectors(await emb.embed(['x']), [[0.6, 0.8]]);
  });

  it('rejects inconsistent dimensions, zero vectors and short answers', async () => {
    const { server, emb } = await setup(
      { embed: (t) => (t === 'long' ? [1, 2, 3, 4] : [1, 2, 2]) },
      { batchSize: 1, concurrency: 1 },
    );
    const err = (await emb.embed(['short', 'long']).catch((e: unknown) => e)) as EndpointError;
    expect(err).toBeInstanceOf(EndpointError);
    expect(err.message).toMatch(/text 1 has 4 values, expected 3/);
    const fixed = new RemoteEmbedder({ baseURL: server.baseURL, model: 'm', dimension: 5 });
    await expect(fixed.embed(['short'])).rejects.toThrow(/expected 5 \(fix options.dimension\)/);
    server.enqueue({ body: { data: [{ index: 0, embedding: [0, 0, 0] }] } });
    await expect(emb.embed(['z'])).rejects.toThrow(/all zeros/);
    server.enqueue({ body: { data: [{ index: 0, embedding: [1, 2, 3] }] } });
    const two = new RemoteEmbedder({ baseURL: server.baseURL, model: 'm', batchSize: 2 });
    await expect(two.embed(['p', 'q'])).rejects.toThrow(/2 texts were sent but 1 embeddings came back/);
    server.enqueue({ body: { data: [{ index: 0, embedding: [1, null, 3] }] } });
    await expect(emb.embed(['z'])).rejects.toThrow(/non-finite/);
  });

  it('retries and reports like the language model', async () => {
    const { server, emb } = await setup({}, { maxRetries: 1 });
    server.enqueue({ status: 503 });
    expectVectors(await emb.embed(['a']), [[0.6, 0.8, 0]]);
    server.enqueue({ status: 422, body: { detail: [{ msg: 'input too long' }] } });
    const err = (await emb.embed(['a']).catch((e: unknown) => e)) as EndpointError;
    expect(err).toMatchObject({ status: 422, retryable: false, url: `${server.baseURL}/embeddings` });
    expect(err.serverMessage).toContain('input too long');
  });

  it('validates its options and inputs', async () => {
    const { emb } = await setup();
    expect(() => new RemoteEmbedder({ baseURL: 'http://x/v1', model: 'm', batchSize: 0 })).toThrow(
      /batchSize/,
    );
    expect(() => new RemoteEmbedder({ baseURL: 'http://x/v1', model: 'm', dimension: 1.5 })).toThrow(
      /dimension/,
    );
    await expect(emb.embed([1 as unknown as string])).rejects.toThrow(/texts\[0\] is number/);
  });
});
