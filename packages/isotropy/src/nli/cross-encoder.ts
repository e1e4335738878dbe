import type { Classification, ClassifierInput } from '@proj/models';
import { abortable, throwIfAborted } from '../async/pool.js';
import { EntailmentError } from '../errors.js';
import {
  checkPairs,
  type Entailment,
  type EntailmentCallOptions,
  type EntailmentPair,
} from './entailment.js';

/**
 * What {@link CrossEncoderEntailment} needs of a classifier: class names and batched classification of text
 * pairs. `LocalSequenceClassifier` from @proj/models is one (an Optimum-exported MNLI cross-encoder folder).
 */
export interface PairClassifier {
  /** An id, for reports. */
  readonly id: string;
  /** Class names in class-id order, e.g. ['contradiction', 'entailment', 'neutral']. */
  readonly labels: readonly string[];
  /** One classification per input, in order (inputs here are always [premise, hypothesis] pairs). */
  classify(inputs: readonly ClassifierInput[], options?: { signal?: AbortSignal }): Promise<Classification[]>;
}

/**
 * How class probabilities become P(entails):
 * - `'luq'`: P(entailment) / (P(entailment) + P(contradiction)), LUQ's rule (neutral mass is ignored);
 * - `'probability'`: P(entailment) over all classes;
 * - `'label'`: 1 when entailment is the most probable class, else 0 (Kuhn et al.'s semantic-entropy rule).
 */
export type CrossEncoderMode = 'luq' | 'probability' | 'label';

/** Options of {@link CrossEncoderEntailment}. */
export interface CrossEncoderEntailmentOptions {
  /** Default `'luq'`. */
  mode?: CrossEncoderMode;
  /** The entailment class's name. Default: the label that starts with "entail" (any case). */
  entailmentLabel?: string;
  /** The contradiction class's name (needed by `'luq'`). Default: the label that starts with "contradict". */
  contradictionLabel?: string;
  /** The entailment's id. Default `nli:<classifier id>`. */
  id?: string;
}

function findLabel(
  labels: readonly string[],
  named: string | undefined,
  prefix: string,
  option: string,
): number {
  if (named !== undefined) {
    const i = labels.indexOf(named);
    if (i < 0) {
      throw new EntailmentError(
        `${option} '${named}' is not one of the classifier's labels (${labels.join(', ')}).`,
      );
    }
    return i;
  }
  const found = labels.flatMap((l, i) => (l.toLowerCase().startsWith(prefix) ? [i] : []));
  if (found.length !== 1) {
    throw new EntailmentError(
      `Cannot tell which of the classifier's labels (${labels.join(', ')}) is the ${prefix}... class; pass ${option}.`,
    );
  }
  return found[0];
}

/**
 * An {@link Entailment} from an NLI cross-encoder (a sequence classifier over [premise, hypothesis] pairs, e.g.
 * an MNLI-finetuned DeBERTa / RoBERTa / MiniLM exported with Optimum), the model LUQ and semantic entropy were
 * published with. All pairs of an `entailsMany` call go to the classifier in one call (it batches them).
 *
 * @example
 * ```ts
 * const nli = new CrossEncoderEntailment(await LocalSequenceClassifier.fromFolder('models/nli-deberta-v3-small'));
 * await nli.entails('The cat sat on the mat.', 'A cat sat.'); // e.g. 0.98
 * const u = await luq(answers, nli);
 * ```
 */
export class CrossEncoderEntailment implements Entailment {
  readonly id: string;
  /** How class probabilities are read as P(entails). */
  readonly mode: CrossEncoderMode;
  private readonly entail: number;
  private readonly contradict: number | undefined;

  /** @throws {EntailmentError} when the entailment (or, for 'luq', contradiction) class cannot be found. */
  constructor(
    private readonly classifier: PairClassifier,
    options: CrossEncoderEntailmentOptions = {},
  ) {
    if (!classifier || typeof classifier.classify !== 'function' || !Array.isArray(classifier.labels)) {
      throw new EntailmentError(
        'CrossEncoderEntailment needs a pair classifier (labels and classify()), e.g. LocalSequenceClassifier.',
      );
    }
    const mode = options.mode ?? 'luq';
    if (!['luq', 'probability', 'label'].includes(mode)) {
      throw new EntailmentError(`mode must be 'luq', 'probability' or 'label', got ${JSON.stringify(mode)}.`);
    }
    this.mode = mode;
    const labels = classifier.labels;
    this.entail = findLabel(labels, options.entailmentLabel, 'entail', 'entailmentLabel');
    this.contradict =
      mode === 'luq'
        ? findLabel(labels, options.contradictionLabel, 'contradict', 'contradictionLabel')
        : undefined;
    this.id = options.id ?? `nli:${classifier.id}`;
  }

  /**
   * P(premise entails hypothesis) under {@link mode}.
   * @example
   * ```ts
   * await nli.entails('It rained all day.', 'The ground is dry.'); // close to 0
   * ```
   */
  async entails(premise: string, hypothesis: string, options: EntailmentCallOptions = {}): Promise<number> {
    return (await this.entailsMany([{ premise, hypothesis }], options))[0];
  }

  /**
   * {@link entails} for many pairs, in one classifier call.
   * @throws {EntailmentError} when the classifier returns the wrong number of results or non-probabilities.
   * @example
   * ```ts
   * await nli.entailsMany([{ premise: a, hypothesis: b }, { premise: b, hypothesis: a }]);
   * ```
   */
  async entailsMany(
    pairs: readonly EntailmentPair[],
    options: EntailmentCallOptions = {},
  ): Promise<number[]> {
    checkPairs(pairs);
    const { signal } = options;
    throwIfAborted(signal, 'entailsMany');
    if (pairs.length === 0) return [];
    const out = await abortable(
      this.classifier.classify(
        pairs.map((p) => [p.premise, p.hypothesis] as const),
        { signal },
      ),
      signal,
      'entailsMany',
    );
    if (!Array.isArray(out) || out.length !== pairs.length) {
      throw new EntailmentError(
        `classifier '${this.classifier.id}' returned ${Array.isArray(out) ? out.length : typeof out} results for ${pairs.length} pairs.`,
      );
    }
    return out.map((r) => this.read(r.probabilities));
  }

  private read(p: ArrayLike<number>): number {
    const pe = p[this.entail];
    if (!(pe >= 0 && pe <= 1)) {
      throw new EntailmentError(
        `classifier '${this.classifier.id}' returned P(entailment) = ${String(pe)}; expected a probability.`,
      );
    }
    if (this.mode === 'probability') return pe;
    if (this.mode === 'label') {
      for (let i = 0; i < p.length; i++) if (i !== this.entail && p[i] > pe) return 0;
      return 1;
    }
    const pc = p[this.contradict as number];
    // Both near zero (all mass on neutral): no evidence either way.
    return pe + pc > 0 ? pe / (pe + pc) : 0.5;
  }
}
