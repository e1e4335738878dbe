/**
 * Raised for unusable input to the lab's isotropy reproduction (bad sizes, unknown flags, a corrupt cache).
 *
 * @example
 * ```ts
 * try { makeWorld({ entities: 1, seed: 1 }); } catch (e) { if (e instanceof LabInputError) console.error(e.message); }
 * ```
 */
export class LabInputError extends Error {
  override name = 'LabInputError';
}

/**
 * ONNX Runtime threads of the training steps. One, because with two intra-op threads the backward pass is not
 * bit-reproducible (measured here: the same seed gave different losses within the first ten steps of the full
 * run's decoder and of the embedder), while one thread is, at a cost of about 20-40% more training time.
 * Inference (sampling, scoring, embedding) was reproducible with two threads and uses two.
 *
 * @example
 * ```ts
 * await Trainer.create(g, { loss, optimizer: adamw(), intraOpNumThreads: TRAIN_THREADS });
 * ```
 */
export const TRAIN_THREADS = 1;
