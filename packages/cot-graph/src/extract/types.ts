import type { ReasoningGraph } from '../graph/graph.js';

/** What every extractor returns. */
export interface ExtractionResult {
  /** The reasoning graph of the trace, with each step's status and (where found) its span in the trace. */
  graph: ReasoningGraph;
  /** Notes on what was guessed or repaired (empty when nothing was). */
  warnings: string[];
}

/** Per-call options of an extractor. */
export interface ExtractOptions {
  /** The problem statement; becomes the root's text (the trace usually does not repeat it verbatim). */
  problem?: string;
  /** Cancels model calls. */
  signal?: AbortSignal;
}

/**
 * Turns a chain-of-thought trace into a {@link ReasoningGraph}. Implementations: {@link HeuristicExtractor} (local,
 * deterministic) and {@link LlmExtractor} (one model call per trace, the paper's method).
 *
 * @example
 * ```ts
 * const extractor: GraphExtractor = new HeuristicExtractor();
 * const { graph } = await extractor.extract(trace, { problem });
 * ```
 */
export interface GraphExtractor {
  /**
   * Build the reasoning graph of one trace.
   *
   * @param trace the chain-of-thought text, as the model wrote it.
   * @param options the problem statement (the root's text) and a cancellation signal.
   */
  extract(trace: string, options?: ExtractOptions): Promise<ExtractionResult>;
}
