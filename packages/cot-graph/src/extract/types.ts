import type { ReasoningGraph } from '../graph/graph.js';

/** What every extractor returns. */
export interface ExtractionResult {
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
  extract(trace: string, options?: ExtractOptions): Promise<ExtractionResult>;
}
