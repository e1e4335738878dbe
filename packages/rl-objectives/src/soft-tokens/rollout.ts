import {
  buildDecoderGraph,
  type DecoderConfig,
  headDim,
  type ParameterStore,
  rowSeed,
  type SamplingParams,
  sampleToken,
  type Tokenizer,
} from '@proj/models';
import { type CompiledGraph, compile, Rng, type SessionOptions, Tensor } from '@proj/runtime';
import { InvalidValueError } from '../core/errors.js';
import { compileWithLiveWeights } from '../trainer/sampler.js';

/**
 * How the chain of thought is fed back (arXiv 2509.19170): `'soft'` h~ = softmax(l / 0.5) E + sigma n,
 * `'fuzzy'` the same with tau = 1e-4 (the argmax embedding plus noise), `'hard'` ordinary sampling (the
 * sampled token's embedding, no noise).
 * @example
 * ```ts
 * const mode: SoftTokenMode = 'fuzzy';
 * ```
 */
export type SoftTokenMode = 'soft' | 'fuzzy' | 'hard';

/**
 * Options of {@link SoftTokenSampler.rollout}.
 * @example
 * ```ts
 * const o: SoftRolloutOptions = { mode: 'soft', n: 8, answerCue: '=', maxCotTokens: 32, maxAnswerTokens: 4, seed: 1 };
 * ```
 */
export interface SoftRolloutOptions {
  /** How the CoT is fed back: `'soft'`, `'fuzzy'` or `'hard'` (see {@link SoftTokenMode}). Required. */
  mode: SoftTokenMode;
  /** Rollouts per prompt. Default 1. */
  n?: number;
  /**
   * CoT temperature: tau of the soft mean for soft (default 0.5) / fuzzy (default 1e-4), the sampling
   * temperature for hard (default 1).
   */
  temperature?: number;
  /** Noise std as a multiple of the embeddings' RMS ({@link SoftTokenSampler.embeddingRms}). Default 0.33. */
  noiseScale?: number;
  /** Absolute noise std (overrides noiseScale). */
  sigma?: number;
  /** Longest CoT. Default 64. */
  maxCotTokens?: number;
  /**
   * Text that ends the CoT when the greedy shadow sequence (hard mode: the sampled sequence) emits it; the
   * token completing it is fed as a hard token and the answer is then sampled. Without a cue the rollout is
   * all CoT (it ends at EOS or maxCotTokens).
   */
  answerCue?: string;
  /** Longest answer. Default 16. */
  maxAnswerTokens?: number;
  /** Sampling temperature of the answer tokens. Default 1. */
  answerTemperature?: number;
  /** Stop strings of the answer (their tokens stay in the answer ids; the text is cut before them). */
  stop?: readonly string[];
  /** Seed; rollout (prompt p, sample s) draws from its own generator, as `LocalLanguageModel.generate`. */
  seed?: number;
}

/**
 * One rollout: everything needed to recompute its log-prob under a policy (the stored noisy inputs and
 * noise, the answer tokens) plus what was observed (the shadow sequence, the answer text).
 * @example
 * ```ts
 * const [[r]] = await sampler.rollout(['3+4='], { mode: 'soft', answerCue: '=' });
 * r.cotLength; r.noise; r.answerText;
 * ```
 */
export interface SoftRollout {
  /** Index of the prompt in the `rollout` call. */
  prompt: number;
  /** Index of this sample among the prompt's `n`. */
  sample: number;
  /** The mode the CoT was fed in. */
  mode: SoftTokenMode;
  /** The prompt's token ids (the BOS id alone for an empty prompt, when the tokenizer has one). */
  promptIds: number[];
  /** Number of CoT inputs fed (soft / fuzzy: noisy embeddings; hard: sampled tokens). */
  cotLength: number;
  /** The CoT inputs as fed, row-major [cotLength, dModel] (hard: the sampled tokens' embedding rows). */
  cotInputs: Float32Array;
  /** Soft / fuzzy: the N(0, I) draws, [cotLength, dModel], so h~ - p E = sigma * noise; hard: empty. */
  noise: Float64Array;
  /** Soft / fuzzy: the means p E at rollout time, [cotLength, dModel]; hard: empty. */
  cotMeans: Float64Array;
  /** Greedy (argmax) token at every CoT step, the cue-completing one included. */
  shadowIds: number[];
  /** Hard mode: the sampled CoT tokens and their log-probs (empty otherwise). */
  cotIds: number[];
  /** Hard mode: log-prob of each sampled CoT token under its sampling distribution (empty otherwise). */
  cotLogprobs: number[];
  /** The token that completed the answer cue (fed hard), or null when the cue never came. */
  cueId: number | null;
  /** Sampled answer tokens and their log-probs (a final EOS is not among them; see `finishReason`). */
  answerIds: number[];
  /** Log-prob of each answer token under the distribution it was drawn from (at `answerTemperature`). */
  answerLogprobs: number[];
  /** Decoded answer (stop string cut off). */
  answerText: string;
  /** 'stop': EOS (or a stop string); 'length': a token limit. */
  finishReason: 'stop' | 'length';
  /** The rollout ended on a sampled EOS (answer, or hard-mode CoT) whose log-prob is `eosLogprob`. */
  endedOnEos: boolean;
  /** Log-prob of the final sampled EOS, or null when the rollout did not end on one. */
  eosLogprob: number | null;
  /** Std of the Gaussian noise added to each soft / fuzzy CoT input (0 in hard mode). */
  sigma: number;
  /** CoT temperature (tau for soft / fuzzy, the sampling temperature for hard). */
  temperature: number;
  /** Sampling temperature of the answer tokens. */
  answerTemperature: number;
}

const DEFAULT_TAU: Record<SoftTokenMode, number> = { soft: 0.5, fuzzy: 1e-4, hard: 1 };

interface RowState {
  r: SoftRollout;
  rng: Rng;
  phase: 'cot' | 'answer' | 'done';
  inputs: number[];
  noise: number[];
  means: number[];
}

/**
 * Soft-token rollouts (arXiv 2509.19170) through a decoder's `inputs_embeds` entry with a KV cache: during
 * the chain of thought the next input is h~ = softmax(l / tau) E + sigma N(0, I) (soft / fuzzy) or the
 * sampled token's embedding (hard); a greedy "shadow" token sequence is kept at every step and ends the CoT
 * when it emits the answer cue; the answer is then sampled as ordinary tokens. The noise is stored so
 * {@link softTokenLogprob} can recompute the CoT log-prob with gradients.
 *
 * Weights: baked in from the policy's store, or live (`weights`, e.g. `() => trainStep.params()`) so the
 * sampler follows training without recompiling.
 *
 * @example
 * ```ts
 * const sampler = await SoftTokenSampler.create({ config, store, tokenizer });
 * const rollouts = await sampler.rollout(['3+4='], { mode: 'fuzzy', n: 4, answerCue: '=', seed: 1 });
 * ```
 */
export class SoftTokenSampler {
  private constructor(
    private readonly fn: CompiledGraph,
    /** The policy's decoder configuration (vocabulary, width, positions). */
    readonly config: DecoderConfig,
    /** The tokenizer prompts are encoded and answers decoded with. */
    readonly tokenizer: Tokenizer,
    private readonly table: () => Tensor,
  ) {}

  /**
   * Compile the inputs_embeds + KV-cache decoder for a policy.
   * @throws {InvalidValueError} when the tokenizer's vocabulary exceeds the model's.
   * @example
   * ```ts
   * const live = await SoftTokenSampler.create(policy, { weights: () => trainStep.params() });
   * ```
   */
  static async create(
    policy: { config: DecoderConfig; store: ParameterStore; tokenizer: Tokenizer },
    options: { weights?: () => ReadonlyMap<string, Tensor>; session?: SessionOptions } = {},
  ): Promise<SoftTokenSampler> {
    const { config, store, tokenizer } = policy;
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new InvalidValueError(
        `the tokenizer has ${tokenizer.vocabSize} tokens but the model's vocabulary is ${config.vocabSize}; they do not belong together.`,
      );
    }
    const { g } = buildDecoderGraph(config, store, { inputsEmbeds: true, kvCache: true });
    const fn = options.weights
      ? await compileWithLiveWeights(g, options.weights, options.session)
      : await compile(g, options.session);
    const shape = [config.vocabSize, config.dModel];
    const weights = options.weights;
    const table = weights
      ? () => weights().get('wte.weight') ?? store.get('wte.weight', shape)
      : () => store.get('wte.weight', shape);
    return new SoftTokenSampler(fn, config, tokenizer, table);
  }

  /**
   * Root-mean-square of the input embedding entries, sqrt(mean E_ij^2): the scale of one embedding
   * coordinate, so N(0, (0.33 rms)^2 I) noise has a norm about 0.33 times a typical embedding's. (The paper
   * sets sigma relative to the embeddings' RMS norm; per coordinate is the reading under which 0.33 is a
   * moderate perturbation in any width.)
   * @example
   * ```ts
   * const sigma = 0.33 * sampler.embeddingRms();
   * ```
   */
  embeddingRms(): number {
    const e = this.table().data as Float32Array;
    let s = 0;
    for (let i = 0; i < e.length; i++) s += e[i] * e[i];
    return Math.sqrt(s / e.length);
  }

  /**
   * Sample `n` rollouts per prompt; result[p][s] is sample s of prompt p.
   * @throws {InvalidValueError} for bad options or prompts too long for the model's positions.
   * @example
   * ```ts
   * const [[a, b]] = await sampler.rollout(['3+4='], { mode: 'soft', n: 2, answerCue: '=', seed: 1 });
   * a.answerText; a.cotLength;
   * ```
   */
  async rollout(prompts: readonly string[], options: SoftRolloutOptions): Promise<SoftRollout[][]> {
    const mode = options.mode;
    if (mode !== 'soft' && mode !== 'fuzzy' && mode !== 'hard') {
      throw new InvalidValueError(`mode must be 'soft', 'fuzzy' or 'hard', got ${String(mode)}.`);
    }
    const n = options.n ?? 1;
    const maxCot = options.maxCotTokens ?? 64;
    const maxAnswer = options.maxAnswerTokens ?? 16;
    for (const [name, v] of [
      ['n', n],
      ['maxCotTokens', maxCot],
      ['maxAnswerTokens', maxAnswer],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new InvalidValueError(`${name} must be a positive integer, got ${v}.`);
    }
    const tau = options.temperature ?? DEFAULT_TAU[mode];
    const answerT = options.answerTemperature ?? 1;
    for (const [name, v] of [
      ['temperature', tau],
      ['answerTemperature', answerT],
    ] as const) {
      if (!(v > 0) || !Number.isFinite(v))
        throw new InvalidValueError(`${name} must be a finite number > 0, got ${v}.`);
    }
    const sigma = mode === 'hard' ? 0 : (options.sigma ?? (options.noiseScale ?? 0.33) * this.embeddingRms());
    if (!(sigma >= 0) || !Number.isFinite(sigma))
      throw new InvalidValueError(`sigma must be a finite number >= 0, got ${sigma}.`);
    if (prompts.length === 0) return [];
    const { config: c, tokenizer: tok } = this;
    const d = c.dModel;
    const V = c.vocabSize;
    const E = this.table().data as Float32Array;
    const eos = tok.eosTokenId;
    const cue = options.answerCue;
    const stops = (options.stop ?? []).filter((s) => s.length > 0);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    const decode = (ids: readonly number[]) => tok.decode(ids, { skipSpecialTokens: true });

    const rows: RowState[] = [];
    prompts.forEach((text, p) => {
      let ids = tok.encode(text);
      if (ids.length === 0 && tok.bosTokenId !== undefined) ids = [tok.bosTokenId];
      if (ids.length === 0)
        throw new InvalidValueError(`prompt ${p} is empty and the tokenizer has no BOS token.`);
      const limit = ids.length + maxCot + (cue === undefined ? 0 : 1 + maxAnswer);
      if (limit > c.maxPositions) {
        throw new InvalidValueError(
          `prompt ${p} (${ids.length} tokens) + maxCotTokens + cue + maxAnswerTokens = ${limit} exceeds the model's ${c.maxPositions} positions; shorten them.`,
        );
      }
      for (let s = 0; s < n; s++) {
        rows.push({
          r: {
            prompt: p,
            sample: s,
            mode,
            promptIds: ids,
            cotLength: 0,
            cotInputs: new Float32Array(0),
            noise: new Float64Array(0),
            cotMeans: new Float64Array(0),
            shadowIds: [],
            cotIds: [],
            cotLogprobs: [],
            cueId: null,
            answerIds: [],
            answerLogprobs: [],
            answerText: '',
            finishReason: 'length',
            endedOnEos: false,
            eosLogprob: null,
            sigma,
            temperature: tau,
            answerTemperature: answerT,
          },
          rng: new Rng(rowSeed(seed, p, s)),
          phase: 'cot',
          inputs: [],
          noise: [],
          means: [],
        });
      }
    });

    // Prefill with the prompts' embedding rows, left-padded (padding is masked out).
    const B = rows.length;
    const P = Math.max(...rows.map((x) => x.r.promptIds.length));
    const embeds = new Float32Array(B * P * d);
    const mask = new BigInt64Array(B * P);
    const pos = new BigInt64Array(B * P);
    rows.forEach((row, b) => {
      const ids = row.r.promptIds;
      const off = P - ids.length;
      ids.forEach((id, j) => {
        embeds.set(E.subarray(id * d, (id + 1) * d), (b * P + off + j) * d);
        mask[b * P + off + j] = 1n;
        pos[b * P + off + j] = BigInt(j);
      });
    });
    const hd = headDim(c);
    let cache: Tensor[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      cache.push(Tensor.zeros([B, c.nKvHeads, 0, hd]), Tensor.zeros([B, c.nKvHeads, 0, hd]));
    }
    let out = await this.forward(new Tensor('float32', embeds, [B, P, d]), mask, P, pos, cache);
    let maskLen = P;
    let maskData = mask;
    const nextPos = rows.map((x) => x.r.promptIds.length);
    const scratch = { probs: new Float64Array(V), order: new Int32Array(V) };
    const cotParams: SamplingParams = { temperature: tau, topK: 0, topP: 1 };
    const answerParams: SamplingParams = { temperature: answerT, topK: 0, topP: 1 };
    const probs = new Float64Array(V);

    while (rows.some((x) => x.phase !== 'done')) {
      const logits = out.logits.data as Float32Array;
      const S = out.logits.shape[1];
      const next = new Float32Array(B * d);
      rows.forEach((row, b) => {
        if (row.phase === 'done') return;
        const l = logits.subarray((b * S + S - 1) * V, (b * S + S) * V);
        const r = row.r;
        const feed = (id: number) => next.set(E.subarray(id * d, (id + 1) * d), b * d);
        if (row.phase === 'cot') {
          const shadow = argmax(l);
          r.shadowIds.push(shadow);
          if (mode === 'hard') {
            const { token, logprob } = sampleToken(l, cotParams, row.rng, scratch);
            if (token === eos) return finish(row, 'stop', logprob);
            r.cotIds.push(token);
            r.cotLogprobs.push(logprob);
            r.cotLength++;
            feed(token);
            for (let i = 0; i < d; i++) row.inputs.push(next[b * d + i]);
            if (cue !== undefined && decode(r.cotIds).includes(cue)) {
              r.cueId = token;
              row.phase = 'answer';
            } else if (r.cotLength >= maxCot) {
              finish(row, 'length', null);
            }
            return;
          }
          if (shadow === eos) return finish(row, 'stop', null);
          if (cue !== undefined && decode(r.shadowIds).includes(cue)) {
            // The shadow completed the cue: feed that token hard and move on to the answer.
            r.cueId = shadow;
            feed(shadow);
            row.phase = 'answer';
            return;
          }
          softmaxInto(l, tau, probs);
          for (let i = 0; i < d; i++) {
            let m = 0;
            for (let v = 0; v < V; v++) m += probs[v] * E[v * d + i];
            const z = row.rng.normal();
            row.means.push(m);
            row.noise.push(z);
            next[b * d + i] = m + sigma * z;
            row.inputs.push(next[b * d + i]);
          }
          r.cotLength++;
          // A CoT used up without the cue gets no answer.
          if (r.cotLength >= maxCot) finish(row, 'length', null);
          return;
        }
        const { token, logprob } = sampleToken(l, answerParams, row.rng, scratch);
        if (token === eos) return finish(row, 'stop', logprob);
        r.answerIds.push(token);
        r.answerLogprobs.push(logprob);
        if (stops.length && stops.some((s) => decode(r.answerIds).includes(s)))
          return finish(row, 'stop', null);
        if (r.answerIds.length >= maxAnswer) return finish(row, 'length', null);
        feed(token);
      });
      if (!rows.some((x) => x.phase !== 'done')) break;
      // One decode step for every row (finished ones feed zeros and are ignored).
      const total = maskLen + 1;
      const stepMask = new BigInt64Array(B * total);
      const stepPos = new BigInt64Array(B);
      for (let b = 0; b < B; b++) {
        stepMask.set(maskData.subarray(b * maskLen, (b + 1) * maskLen), b * total);
        stepMask[b * total + maskLen] = 1n;
        stepPos[b] = BigInt(nextPos[b]++);
      }
      maskData = stepMask;
      maskLen = total;
      cache = out.cache;
      out = await this.forward(new Tensor('float32', next, [B, 1, d]), stepMask, total, stepPos, cache);
    }

    for (const row of rows) {
      const r = row.r;
      r.cotInputs = Float32Array.from(row.inputs);
      r.noise = Float64Array.from(row.noise);
      r.cotMeans = Float64Array.from(row.means);
      const text = decode(r.answerIds);
      let cut = text.length;
      for (const s of stops) {
        const i = text.indexOf(s);
        if (i >= 0 && i < cut) cut = i;
      }
      r.answerText = text.slice(0, cut);
    }
    return prompts.map((_, p) => rows.filter((x) => x.r.prompt === p).map((x) => x.r));

    function finish(row: RowState, reason: 'stop' | 'length', eosLogprob: number | null): void {
      row.phase = 'done';
      row.r.finishReason = reason;
      if (eosLogprob !== null) {
        row.r.endedOnEos = true;
        row.r.eosLogprob = eosLogprob;
      }
    }
  }

  private async forward(
    embeds: Tensor,
    mask: BigInt64Array,
    total: number,
    pos: BigInt64Array,
    cache: Tensor[],
  ): Promise<{ logits: Tensor; cache: Tensor[] }> {
    const B = embeds.shape[0];
    const feeds: Record<string, Tensor> = {
      inputs_embeds: embeds,
      attention_mask: new Tensor('int64', mask, [B, total]),
      position_ids: new Tensor('int64', pos, [B, embeds.shape[1]]),
    };
    for (let l = 0; l < this.config.nLayers; l++) {
      feeds[`past_key_values.${l}.key`] = cache[2 * l];
      feeds[`past_key_values.${l}.value`] = cache[2 * l + 1];
    }
    const out = await this.fn(feeds);
    const next: Tensor[] = [];
    for (let l = 0; l < this.config.nLayers; l++)
      next.push(out[`present.${l}.key`], out[`present.${l}.value`]);
    return { logits: out.logits, cache: next };
  }

  /** Release the ONNX Runtime session. */
  dispose(): Promise<void> {
    return this.fn.dispose();
  }
}

function argmax(l: Float32Array): number {
  let best = 0;
  for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
  return best;
}

/** softmax(l / tau) in float64 (stable for tiny tau: the max is subtracted before scaling). */
function softmaxInto(l: Float32Array, tau: number, out: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < l.length; i++) if (l[i] > max) max = l[i];
  let z = 0;
  for (let i = 0; i < l.length; i++) {
    out[i] = Math.exp((l[i] - max) / tau);
    z += out[i];
  }
  for (let i = 0; i < l.length; i++) out[i] /= z;
}
