import { throwIfAborted } from '../async/pool.js';
import { EntailmentError, ResponseInputError } from '../errors.js';
import { checkResponses } from './check.js';
import { type Entailment, type EntailmentPair, entailDistinct } from './entailment.js';

/** Options of {@link semanticClusters} and {@link discreteSemanticEntropy}. */
export interface SemanticEntropyOptions {
  /**
   * A direction counts as entailment when P(entail) > threshold. Default 0.5: a yes / no judge's "yes", or an
   * MNLI model's P(entailment) above one half (which makes entailment its most likely class).
   */
  threshold?: number;
  /**
   * Prepended to every response before comparing (`${question} ${response}`), as Farquhar et al.'s code does
   * with its DeBERTa model (`condition_on_question`), so that short answers are compared in context.
   */
  question?: string;
  /** Cancels the clustering; it rejects with an AbortError and starts no further entailment call. */
  signal?: AbortSignal;
}

/** Result of {@link discreteSemanticEntropy}. */
export interface SemanticEntropyResult {
  /** Entropy of the cluster frequencies in nats, in [0, ln N]; higher = less trustworthy. */
  entropy: number;
  /** Cluster of each response (0, 1, ... in order of first appearance of the cluster's seed). */
  clusterIds: number[];
  /** Number of clusters. */
  clusters: number;
}

function checkThreshold(threshold: number): void {
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold < 1)) {
    throw new EntailmentError(
      `threshold must be a number in [0, 1) (P(entail) above it counts as entailment), got ${String(threshold)}.`,
    );
  }
}

/**
 * Group responses by meaning with bidirectional entailment, greedily, exactly as Farquhar et al.'s reference
 * code (`get_semantic_ids` with `strict_entailment`, its default): responses are visited in order; an
 * unassigned response i opens a new cluster, and every later response j that i and j entail both ways is
 * (re)assigned to that cluster, even one that an earlier cluster had taken. Only the visited responses'
 * comparisons are asked for: one `entailsMany` call per opened cluster, with both directions of its pairs.
 *
 * @throws {ResponseInputError} on fewer than 2 responses; {@link EntailmentError} on a bad threshold or bad
 *   model output; an AbortError on cancellation.
 * @example
 * ```ts
 * await semanticClusters(['Paris.', 'It is Paris.', 'Lyon.'], judge); // [0, 0, 1]
 * ```
 */
export async function semanticClusters(
  responses: readonly string[],
  entailment: Entailment,
  options: SemanticEntropyOptions = {},
): Promise<number[]> {
  checkResponses('semanticClusters', responses);
  const { threshold = 0.5, question, signal } = options;
  checkThreshold(threshold);
  if (question !== undefined && typeof question !== 'string') {
    throw new ResponseInputError(`semanticClusters: question must be a string, got ${typeof question}.`);
  }
  const texts = question === undefined ? responses : responses.map((r) => `${question} ${r}`);
  const n = texts.length;
  const ids = new Array<number>(n).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (ids[i] !== -1) continue;
    throwIfAborted(signal, 'semanticClusters');
    ids[i] = next;
    const pairs: EntailmentPair[] = [];
    for (let j = i + 1; j < n; j++) {
      pairs.push({ premise: texts[i], hypothesis: texts[j] }, { premise: texts[j], hypothesis: texts[i] });
    }
    const p = await entailDistinct(entailment, pairs, signal, 'semanticClusters');
    for (let j = i + 1, at = 0; j < n; j++, at += 2) {
      if (p[at] > threshold && p[at + 1] > threshold) ids[j] = next;
    }
    next++;
  }
  return ids;
}

/**
 * Entropy of cluster frequencies, -sum_c p_c ln p_c with p_c = |c| / N, in nats (Farquhar et al.'s
 * `cluster_assignment_entropy`).
 *
 * @throws {ResponseInputError} on an empty list or ids that are not non-negative integers.
 * @example
 * ```ts
 * clusterEntropy([0, 1, 1, 2]); // -(1/4 ln 1/4 + 1/2 ln 1/2 + 1/4 ln 1/4) = 1.0397
 * ```
 */
export function clusterEntropy(ids: readonly number[]): number {
  if (!Array.isArray(ids) || ids.length === 0) {
    throw new ResponseInputError('clusterEntropy: needs at least one cluster id.');
  }
  const counts = new Map<number, number>();
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new ResponseInputError(`clusterEntropy: cluster ids must be integers >= 0, got ${String(id)}.`);
    }
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let h = 0;
  for (const c of counts.values()) {
    const p = c / ids.length;
    h -= p * Math.log(p);
  }
  return h;
}

/**
 * Discrete semantic entropy (Farquhar et al., Nature 2024): cluster the N responses by bidirectional
 * entailment ({@link semanticClusters}) and take the entropy of the cluster frequencies
 * ({@link clusterEntropy}). 0 when every response means the same, ln N when no two do.
 *
 * @throws as {@link semanticClusters}.
 * @example
 * ```ts
 * const { entropy, clusters } = await discreteSemanticEntropy(answers, judge, { question: prompt });
 * ```
 */
export async function discreteSemanticEntropy(
  responses: readonly string[],
  entailment: Entailment,
  options: SemanticEntropyOptions = {},
): Promise<SemanticEntropyResult> {
  const clusterIds = await semanticClusters(responses, entailment, options);
  return { entropy: clusterEntropy(clusterIds), clusterIds, clusters: new Set(clusterIds).size };
}
