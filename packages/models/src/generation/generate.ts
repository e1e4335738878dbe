import { Rng } from '@proj/runtime';
import type { GenerateOptions, Generation, LogitsContext } from '../interfaces.js';
import { decodeStepBatch, lastPositionRows, maskRowsOf, padBatch } from './batches.js';
import type { DecoderRunner, KvCache } from './runner.js';
import { checkSampling, GenerationError, type SamplingParams, sampleToken } from './sampling.js';

/** One sequence to generate: the prompt's token ids and which prompt / sample it is. */
export interface GenerationRequest {
  /** The prompt's token ids (at least one). */
  promptIds: readonly number[];
  /** Index of the prompt in the call (for seeding and logits processors). */
  prompt: number;
  /** Which sample of that prompt. */
  sample: number;
}

/** What the loop needs besides the model. */
export interface GenerationEnv {
  /** The decoder to run. */
  runner: DecoderRunner;
  /** Token ids that always end a sequence (EOS). */
  eosTokenIds: readonly number[];
  /** Id used to left-pad prompts (masked out). */
  padTokenId: number;
  /** Decode generated ids to text (for stop strings and the result). */
  decode: (ids: readonly number[]) => string;
  /** Longest total length the model supports (prompt + new tokens). */
  maxPositions?: number;
}

/**
 * Seed of the row generator for (seed, prompt, sample): rows are reproducible whatever the batch holds. Exported
 * so other samplers (e.g. soft-token rollouts) can reproduce `generate` token for token.
 * @example new Rng(rowSeed(1, 0, 3)) // the generator of sample 3 of prompt 0 under seed 1
 */
export function rowSeed(seed: number, prompt: number, sample: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [prompt, sample]) {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  }
  return h;
}

interface Row {
  req: GenerationRequest;
  rng: Rng;
  tokens: number[];
  logprobs: number[];
  finish: 'stop' | 'length' | null;
}

/**
 * Batched autoregressive generation with a KV cache: left-padded prefill, then one token per step for every
 * live row; rows that finish (EOS, stop token, stop string, length) leave the batch. Each row samples from its
 * own seeded generator, so results do not depend on how rows were batched.
 * @throws {GenerationError} for bad options, empty prompts, or prompts that leave no room for `maxNewTokens`.
 * @example
 * ```ts
 * const requests = [{ promptIds: tokenizer.encode('Once'), prompt: 0, sample: 0 }];
 * const [g] = await runGeneration({ runner, eosTokenIds: [258], padTokenId: 256, decode: (ids) => tokenizer.decode(ids) }, requests, { seed: 1 });
 * ```
 */
export async function runGeneration(
  env: GenerationEnv,
  requests: readonly GenerationRequest[],
  options: GenerateOptions = {},
): Promise<Generation[]> {
  const params: SamplingParams = {
    temperature: options.temperature ?? 1,
    topK: options.topK ?? 0,
    topP: options.topP ?? 1,
  };
  checkSampling(params);
  const maxNew = options.maxNewTokens ?? 128;
  if (!Number.isInteger(maxNew) || maxNew < 1)
    throw new GenerationError(`maxNewTokens must be a positive integer, got ${maxNew}.`);
  const stopIds = new Set([...env.eosTokenIds, ...(options.stopTokenIds ?? [])]);
  const stops = (options.stop ?? []).filter((s) => s.length > 0);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const signal = options.signal;
  const vocab = env.runner.vocabSize;
  const scratch = { probs: new Float64Array(vocab), order: new Int32Array(vocab) };
  if (requests.length === 0) return [];
  const maxPrompt = Math.max(...requests.map((r) => r.promptIds.length));
  if (maxPrompt === 0)
    throw new GenerationError('every prompt is empty; give at least one token (e.g. a BOS token).');
  if (env.maxPositions !== undefined && maxPrompt + maxNew > env.maxPositions) {
    throw new GenerationError(
      `prompt (${maxPrompt} tokens) + maxNewTokens (${maxNew}) exceeds the model's ${env.maxPositions} positions; shorten the prompt or lower maxNewTokens.`,
    );
  }

  const rows: Row[] = requests.map((req) => ({
    req,
    rng: new Rng(rowSeed(seed, req.prompt, req.sample)),
    tokens: [],
    logprobs: [],
    finish: null,
  }));

  // Prefill: left-pad prompts; positions count real tokens only.
  const prefill = padBatch(
    rows.map((r) => r.req.promptIds),
    env.padTokenId,
  );
  let live = rows.map((_, i) => i);
  let maskRows = maskRowsOf(prefill);
  let nextPos = rows.map((r) => r.req.promptIds.length);
  let cache: KvCache | null = null;
  let logitsRows: Float32Array[] = [];
  try {
    {
      throwIfAborted(signal);
      const out = await env.runner.forward({
        ...prefill,
        cache: null,
        capacity: maxPrompt + maxNew,
      });
      cache = out.cache;
      logitsRows = lastPositionRows(out.logits);
    }

    for (let step = 0; step < maxNew; step++) {
      throwIfAborted(signal);
      // Logits processors see the raw logits of all live rows at once.
      if (options.logitsProcessors?.length) {
        const flat = new Float32Array(live.length * vocab);
        logitsRows.forEach((r, i) => flat.set(r, i * vocab));
        const ctx: LogitsContext = {
          step,
          vocabSize: vocab,
          rows: live.map((i) => ({
            prompt: rows[i].req.prompt,
            sample: rows[i].req.sample,
            generated: rows[i].tokens,
          })),
        };
        for (const p of options.logitsProcessors) await p.process(flat, ctx);
        logitsRows = live.map((_, i) => flat.subarray(i * vocab, (i + 1) * vocab));
      }
      const stillLive: number[] = [];
      const keepIdx: number[] = [];
      const nextTokens: number[] = [];
      live.forEach((ri, i) => {
        const row = rows[ri];
        const { token, logprob } = sampleToken(logitsRows[i], params, row.rng, scratch);
        if (stopIds.has(token)) {
          row.finish = 'stop';
          return;
        }
        row.tokens.push(token);
        row.logprobs.push(logprob);
        if (stops.length) {
          if (firstStop(env.decode(row.tokens), stops) >= 0) {
            row.finish = 'stop';
            return;
          }
        }
        if (row.tokens.length >= maxNew) {
          row.finish = 'length';
          return;
        }
        stillLive.push(ri);
        keepIdx.push(i);
        nextTokens.push(token);
      });
      if (stillLive.length === 0) break;
      if (keepIdx.length !== live.length) cache = env.runner.selectRows(cache!, keepIdx);
      maskRows = keepIdx.map((i) => maskRows[i]);
      nextPos = keepIdx.map((i) => nextPos[i]);
      live = stillLive;
      // Decode step: one new token per live row.
      const decode = decodeStepBatch(maskRows, nextTokens, nextPos);
      maskRows = decode.maskRows;
      nextPos = nextPos.map((p) => p + 1);
      const out = await env.runner.forward({ ...decode.batch, cache });
      cache = out.cache;
      logitsRows = lastPositionRows(out.logits);
    }
  } finally {
    // Let the runner recycle the cache's buffers for the next call.
    if (cache) env.runner.release?.(cache);
  }
  return rows.map((r) => ({
    // Token ids keep everything sampled (including the tokens of a stop string); the text ends before it.
    text: stopCut(env.decode(r.tokens), stops),
    tokenIds: r.tokens,
    logprobs: r.logprobs,
    finishReason: r.finish ?? 'length',
  }));
}

function firstStop(text: string, stops: readonly string[]): number {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

function stopCut(text: string, stops: readonly string[]): string {
  const i = firstStop(text, stops);
  return i >= 0 ? text.slice(0, i) : text;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const e = new Error('generation was aborted');
    e.name = 'AbortError';
    throw e;
  }
}
