import type { Rng } from '@proj/runtime';

/** Sampling parameters for one decoding step. */
export interface SamplingParams {
  /** 0 = greedy. */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
}

/**
 * Raised for invalid sampling or generation options.
 * @example
 * ```ts
 * try { await lm.generate(['Hi'], { topP: 0 }); } catch (e) { if (e instanceof GenerationError) console.error(e.message); }
 * ```
 */
export class GenerationError extends Error {
  /** `'GenerationError'`. */
  override name = 'GenerationError';
}

/**
 * Check sampling options. @throws {GenerationError} naming the option.
 * @example checkSampling({ temperature: 0.7, topK: 50, topP: 0.95 })
 */
export function checkSampling(p: SamplingParams): void {
  if (!(p.temperature >= 0) || !Number.isFinite(p.temperature)) {
    throw new GenerationError(`temperature must be a finite number >= 0, got ${p.temperature}.`);
  }
  if (!Number.isInteger(p.topK) || p.topK < 0)
    throw new GenerationError(`topK must be an integer >= 0, got ${p.topK}.`);
  if (!(p.topP > 0 && p.topP <= 1)) throw new GenerationError(`topP must be in (0, 1], got ${p.topP}.`);
}

/**
 * Pick the next token from one row of logits and return it with its log-probability under the distribution
 * it was drawn from (after temperature, top-k and top-p, renormalised). Greedy (temperature 0) returns the
 * argmax and its log-probability under the unscaled distribution. `scratch` must hold at least `logits.length`
 * entries; it avoids allocating per step.
 * @example
 * ```ts
 * const scratch = { probs: new Float64Array(vocab), order: new Int32Array(vocab) };
 * const { token, logprob } = sampleToken(row, { temperature: 0.8, topK: 0, topP: 0.95 }, new Rng(1), scratch);
 * ```
 */
export function sampleToken(
  logits: Float32Array,
  p: SamplingParams,
  rng: Rng,
  scratch: { probs: Float64Array; order: Int32Array },
): {
  /** The chosen token id. */
  token: number;
  /** Its log-probability under the distribution it was drawn from. */
  logprob: number;
} {
  const v = logits.length;
  let maxI = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v; i++) {
    if (logits[i] > max) {
      max = logits[i];
      maxI = i;
    }
  }
  if (max === Number.NEGATIVE_INFINITY || Number.isNaN(max)) {
    throw new GenerationError(
      'every token is masked (all logits are -Infinity or NaN); check the logits processors.',
    );
  }
  if (p.temperature === 0) {
    let z = 0;
    for (let i = 0; i < v; i++) z += Math.exp(logits[i] - max);
    return { token: maxI, logprob: -Math.log(z) };
  }
  const inv = 1 / p.temperature;
  const probs = scratch.probs;
  const order = scratch.order;
  if (!(p.topK > 0 && p.topK < v) && p.topP >= 1) {
    // Plain sampling from the whole vocabulary: one pass for the weights, one inverse-CDF scan (the same token and
    // log-probability as the general path below, without its candidate bookkeeping).
    let z = 0;
    for (let i = 0; i < v; i++) {
      const e = Math.exp((logits[i] - max) * inv);
      probs[i] = e;
      z += e;
    }
    let u = rng.uniform() * z;
    let chosen = v - 1;
    for (let i = 0; i < v; i++) {
      u -= probs[i];
      if (u < 0) {
        chosen = i;
        break;
      }
    }
    return { token: chosen, logprob: Math.log(probs[chosen] / z) };
  }
  // Candidate set: all tokens, or the top-k, kept in `order[0..n)`.
  let n = v;
  for (let i = 0; i < v; i++) {
    probs[i] = Math.exp((logits[i] - max) * inv);
    order[i] = i;
  }
  if (p.topK > 0 && p.topK < v) {
    selectTop(order, probs, v, p.topK);
    n = p.topK;
  }
  if (p.topP < 1) {
    // Sort the candidates by probability and keep the smallest prefix reaching topP of their mass.
    const cand = Array.from(order.subarray(0, n));
    cand.sort((a, b) => probs[b] - probs[a] || a - b);
    let total = 0;
    for (const i of cand) total += probs[i];
    let acc = 0;
    let keep = 0;
    while (keep < cand.length) {
      acc += probs[cand[keep]];
      keep++;
      if (acc >= p.topP * total) break;
    }
    for (let i = 0; i < keep; i++) order[i] = cand[i];
    n = keep;
  }
  let z = 0;
  for (let j = 0; j < n; j++) z += probs[order[j]];
  let u = rng.uniform() * z;
  let chosen = order[n - 1];
  for (let j = 0; j < n; j++) {
    u -= probs[order[j]];
    if (u < 0) {
      chosen = order[j];
      break;
    }
  }
  return { token: chosen, logprob: Math.log(probs[chosen] / z) };
}

/** Move the k largest `probs` (ties: lower index) to order[0..k) in O(v) average (quickselect). */
function selectTop(order: Int32Array, probs: Float64Array, v: number, k: number): void {
  let lo = 0;
  let hi = v - 1;
  const better = (a: number, b: number) => probs[a] > probs[b] || (probs[a] === probs[b] && a < b);
  while (lo < hi) {
    const pivot = order[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (better(order[i], pivot)) i++;
      while (better(pivot, order[j])) j--;
      if (i <= j) {
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        i++;
        j--;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else break;
  }
}

/**
 * log-softmax of one row into `out` (float64), returning it.
 * @example logSoftmaxRow([0, 0], new Float64Array(2)) // [-0.693..., -0.693...]
 */
export function logSoftmaxRow(logits: ArrayLike<number>, out: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  const lz = max + Math.log(z);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lz;
  return out;
}
