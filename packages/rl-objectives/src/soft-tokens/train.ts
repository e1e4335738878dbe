import { buildDecoderGraph, type DecoderConfig, type ParameterStore } from '@proj/models';
import { type Graph, ops, Tensor, type Value } from '@proj/runtime';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import { sequenceSum } from '../graph-losses/aggregate.js';
import { positive } from '../graph-losses/common.js';
import { softTokenLogprob } from './logprob.js';
import type { SoftRollout } from './rollout.js';

/**
 * Rollouts replayed for teacher forcing: every position's input embedding, and what the logits at that
 * position must explain, a soft input (Gaussian term) or a sampled token (categorical term, at the
 * temperature it was sampled with). All [batch, seq(, dModel)], right-padded.
 * @example
 * ```ts
 * const packed = packSoftRollouts(rollouts.flat(), table);
 * ```
 */
export interface PackedSoftBatch {
  /** `inputs_embeds`, `[batch, seq, dModel]`: prompt rows of E, then the CoT inputs, the cue, the answer. */
  inputsEmbeds: Tensor;
  /** `next_embeds`, `[batch, seq, dModel]`: the soft input that follows each position (0 elsewhere). */
  nextEmbeds: Tensor;
  /** `soft_mask`, `[batch, seq]`: 1 where the next input is a soft (noisy) one. */
  softMask: Tensor;
  /** `labels`, `[batch, seq]` int64: the sampled token that follows each position (0 where there is none). */
  labels: Tensor;
  /** `token_mask`, `[batch, seq]` float32: 1 where `labels` holds a sampled token to train on, else 0. */
  tokenMask: Tensor;
  /** `inv_temperature`, `[batch, seq]`: 1 / the temperature each token was sampled at (1 elsewhere). */
  invTemperature: Tensor;
  /** The soft rollouts' common noise std of the CoT inputs (1 when every rollout is hard). */
  sigma: number;
  /** The soft rollouts' common CoT sampling temperature (1 when every rollout is hard). */
  temperature: number;
}

/**
 * Pack rollouts into {@link PackedSoftBatch} (the inputs of {@link buildSoftTokenTrainingGraph}). Hard
 * rollouts' CoT tokens become categorical targets; a final sampled EOS is a target too.
 *
 * @param table the input embedding matrix [vocab, dModel] the prompts and hard tokens are embedded with.
 * @throws {ShapeError} for no rollouts or a table of the wrong size; {@link InvalidValueError} when the
 *   soft rollouts disagree on sigma or temperature (one graph has one of each).
 * @example
 * ```ts
 * const packed = packSoftRollouts(rollouts.flat(), store.get('wte.weight', [V, d]));
 * ```
 */
export function packSoftRollouts(
  rollouts: readonly SoftRollout[],
  table: Tensor,
  eosTokenId?: number,
): PackedSoftBatch {
  if (rollouts.length === 0) throw new ShapeError('packSoftRollouts needs at least one rollout.');
  if (table.rank !== 2)
    throw new ShapeError(`table must be [vocab, dModel], got [${table.shape.join(', ')}].`);
  const [V, d] = table.shape;
  const E = table.data as Float32Array;
  const soft = rollouts.filter((r) => r.mode !== 'hard');
  const sigma = soft[0]?.sigma ?? 1;
  const temperature = soft[0]?.temperature ?? 1;
  for (const r of soft) {
    if (r.sigma !== sigma || r.temperature !== temperature) {
      throw new InvalidValueError(
        `soft rollouts have different sigma / temperature (${sigma} / ${temperature} vs ${r.sigma} / ${r.temperature}); pack and train them separately.`,
      );
    }
  }
  type Item = { input: Float32Array | null; soft: Float32Array | null; token: number | null; invT: number };
  const rowItems = rollouts.map((r) => {
    const items: Item[] = [];
    const row = (id: number) => {
      if (!Number.isInteger(id) || id < 0 || id >= V)
        throw new ShapeError(`token ${id} is outside the table's ${V} rows.`);
      return E.subarray(id * d, (id + 1) * d);
    };
    for (let t = 0; t < r.cotLength; t++) {
      const x = r.cotInputs.subarray(t * d, (t + 1) * d);
      if (r.mode === 'hard')
        items.push({ input: x, soft: null, token: r.cotIds[t], invT: 1 / r.temperature });
      else items.push({ input: x, soft: x, token: null, invT: 1 });
    }
    if (r.cueId !== null && r.mode !== 'hard')
      items.push({ input: row(r.cueId), soft: null, token: null, invT: 1 });
    for (const a of r.answerIds)
      items.push({ input: row(a), soft: null, token: a, invT: 1 / r.answerTemperature });
    if (r.endedOnEos) {
      if (eosTokenId === undefined) {
        throw new InvalidValueError(
          'a rollout ended on EOS: pass eosTokenId so its log-prob is trained too.',
        );
      }
      const inAnswer = r.cueId !== null || r.mode !== 'hard';
      items.push({
        input: null,
        soft: null,
        token: eosTokenId,
        invT: 1 / (inAnswer ? r.answerTemperature : r.temperature),
      });
    }
    return { prompt: r.promptIds.map(row), items };
  });
  const S = Math.max(...rowItems.map((x) => Math.max(x.prompt.length + x.items.length - 1, x.prompt.length)));
  const B = rollouts.length;
  const inputs = new Float32Array(B * S * d);
  const next = new Float32Array(B * S * d);
  const softMask = new Float32Array(B * S);
  const labels = new BigInt64Array(B * S);
  const tokenMask = new Float32Array(B * S);
  const invT = new Float32Array(B * S).fill(1);
  rowItems.forEach(({ prompt, items }, b) => {
    prompt.forEach((x, j) => inputs.set(x, (b * S + j) * d));
    const P = prompt.length;
    items.forEach((it, k) => {
      if (k < items.length - 1) inputs.set(it.input as Float32Array, (b * S + P + k) * d);
      const at = b * S + P + k - 1; // the position whose logits predict item k
      if (it.soft) {
        next.set(it.soft, at * d);
        softMask[at] = 1;
      }
      if (it.token !== null) {
        labels[at] = BigInt(it.token);
        tokenMask[at] = 1;
        invT[at] = it.invT;
      }
    });
  });
  return {
    inputsEmbeds: new Tensor('float32', inputs, [B, S, d]),
    nextEmbeds: new Tensor('float32', next, [B, S, d]),
    softMask: new Tensor('float32', softMask, [B, S]),
    labels: new Tensor('int64', labels, [B, S]),
    tokenMask: new Tensor('float32', tokenMask, [B, S]),
    invTemperature: new Tensor('float32', invT, [B, S]),
    sigma,
    temperature,
  };
}

/**
 * The soft-token REINFORCE graph (the paper's estimator: RLOO advantages, no ratio, clip or KL): the decoder
 * over `inputs_embeds`, log pi(rollout) = sum of the Gaussian CoT terms ({@link softTokenLogprob}, mean
 * recomputed with gradients) + the categorical log-probs of the sampled tokens, and
 * loss = -mean_b A_b log pi(rollout_b).
 *
 * Inputs: `inputs_embeds`, `next_embeds`, `soft_mask`, `labels`, `token_mask`, `inv_temperature` (see
 * {@link PackedSoftBatch}) and `advantages` [batch]. Metrics: `logprob` [batch] and its `soft_logprob` /
 * `token_logprob` parts.
 *
 * The prompt and hard-token embeddings arrive as inputs, so this graph sends no gradient into E through
 * those positions (E still learns through p E and, when tied, the output head).
 *
 * @example
 * ```ts
 * const t = buildSoftTokenTrainingGraph(config, store, { sigma: packed.sigma, temperature: packed.temperature });
 * const step = await compileTrainStep(t.g, { loss: t.loss, metrics: t.metrics, optimizer: adamw() });
 * ```
 */
export function buildSoftTokenTrainingGraph(
  config: DecoderConfig,
  store: ParameterStore,
  options: { sigma: number; temperature: number },
): {
  /** The decoder graph with the loss inputs added, ready for `compileTrainStep`. */
  g: Graph;
  /** The scalar loss, -mean_b A_b log pi(rollout_b). */
  loss: Value;
  /** `logprob`, `soft_logprob` and `token_logprob`, each `[batch]`. */
  metrics: Record<string, Value>;
} {
  const sigma = positive(options.sigma, 'sigma');
  const temperature = positive(options.temperature, 'temperature');
  const d = buildDecoderGraph(config, store, {
    batch: 'batch',
    seq: 'seq',
    inputsEmbeds: true,
    attentionMask: false,
    positionIds: false,
  });
  const { g, logits, embeddingTable } = d;
  const next = g.input('next_embeds', 'float32', ['batch', 'seq', config.dModel]);
  const softMask = g.input('soft_mask', 'float32', ['batch', 'seq']);
  const labels = g.input('labels', 'int64', ['batch', 'seq']);
  const tokenMask = g.input('token_mask', 'float32', ['batch', 'seq']);
  const invT = g.input('inv_temperature', 'float32', ['batch', 'seq']);
  const advantages = g.input('advantages', 'float32', ['batch']);
  const soft = softTokenLogprob(
    { logits, embeddingTable, noisyEmbeds: next, mask: softMask },
    { sigma, temperature },
  );
  const lp = logits.mul(invT.unsqueeze([-1])).logSoftmax(-1);
  const tok = ops.gatherElements(lp, labels.unsqueeze([-1]), -1).squeeze([-1]);
  const tokenSum = sequenceSum(tok, tokenMask);
  const logprob = soft.perSequence.add(tokenSum);
  const loss = logprob.mul(advantages).mean().neg();
  return {
    g,
    loss,
    metrics: { logprob, soft_logprob: soft.perSequence, token_logprob: tokenSum },
  };
}
