/**
 * @proj/cot-graph: chain-of-thought traces as reasoning graphs, the Failed-Step Fraction and other structure
 * metrics, best-of-k ranking, failed-branch pruning, DOT parsing / writing and SVG rendering (arXiv 2509.19284).
 *
 * @packageDocumentation
 */

export { statusFromColor } from './dot/colors.js';
export {
  type DotAttributes,
  type DotDocument,
  type DotEdge,
  type DotNode,
  type DotSubgraph,
  type DotWarning,
  parseDot,
} from './dot/parser.js';
export { type DotGraphResult, graphFromDot } from './dot/to-graph.js';
export { type DotWriteOptions, graphToDot, quoteDot } from './dot/writer.js';
export {
  type Continuations,
  type ContinuationTemplate,
  chatPrefillTemplate,
  continueFromPrefix,
  thinkTemplate,
} from './edit/continue.js';
export {
  type BranchSummarizer,
  heuristicBranchSummary,
  llmBranchSummarizer,
  type PruneOptions,
  type PruneResult,
  type PruneTarget,
  pruneFailedBranches,
} from './edit/prune.js';
export {
  CotInputError,
  DotSyntaxError,
  ExtractionError,
  GraphError,
  type GraphIssue,
  GraphJsonError,
  JsonlError,
  LabellerError,
} from './errors.js';
export {
  type FailedMarkingScore,
  failedSpans,
  type LabelledTrace,
  type PrecisionRecall,
  parseLabelledTrace,
  scoreFailedMarking,
  sumScores,
} from './eval/labelled.js';
export { type Alignment, alignNodesToTrace } from './extract/align.js';
export {
  extractHeuristicGraph,
  HeuristicExtractor,
  type HeuristicOptions,
  type HeuristicResult,
  type RejectionSignal,
  type StepAnnotation,
} from './extract/heuristic.js';
export { type LlmExtractionResult, LlmExtractor, type LlmExtractorOptions } from './extract/llm.js';
export { COT_GRAPH_SYSTEM_PROMPT, extractionMessages } from './extract/prompt.js';
export type { ExtractionResult, ExtractOptions, GraphExtractor } from './extract/types.js';
export {
  type GraphValidation,
  type NodeKind,
  type NodeStatus,
  type ReasoningEdge,
  ReasoningGraph,
  type ReasoningGraphJSON,
  type ReasoningNode,
  type TextSpan,
} from './graph/graph.js';
export { parseTraceJsonl, type TraceRecord } from './io/jsonl.js';
export {
  type AnalyzeOptions,
  type AnalyzeSyncOptions,
  analyzeTrace,
  analyzeTraceSync,
  auroc,
  type BatchSummary,
  type MetricSummary,
  metricsFromGraph,
  summarizeMetrics,
  type TraceMetrics,
} from './metrics/analyze.js';
export { countTokens, type TokenCounter, type TraceLength, traceLength } from './metrics/length.js';
export {
  analyzeReview,
  type ChunkLabel,
  type ChunkLabeller,
  HeuristicChunkLabeller,
  type LabelOptions,
  LlmChunkLabeller,
  type LlmLabellerOptions,
  parseReviewLabel,
  REVIEW_LABEL_PROMPT,
  type ReviewAnalysis,
  reviewLabelPrompt,
  reviewRatio,
} from './metrics/review.js';
export {
  branchCount,
  type FailedBranch,
  type FirstFailure,
  type FsfOptions,
  failedBranches,
  failedStepFraction,
  firstFailure,
} from './metrics/structure.js';
export { type BootstrapOptions, bootstrapCI, type Interval, pairedBootstrap } from './rank/bootstrap.js';
export {
  type CandidateGroup,
  type EvaluateOptions,
  evaluateSelection,
  type SelectionReport,
  type StrategyResult,
} from './rank/evaluate.js';
export {
  bestCandidates,
  type CandidateMetrics,
  SELECTION_STRATEGIES,
  type SelectionStrategy,
  type SelectOptions,
  selectBestOfK,
} from './rank/select.js';
export {
  type LaidOutEdge,
  type LaidOutNode,
  type Layout,
  layoutGraph,
  renderSvg,
  type SvgOptions,
} from './render/svg.js';
export {
  type Chunk,
  DISCOURSE_CUES,
  type SegmentOptions,
  segmentTrace,
  splitParagraphs,
  splitSentences,
} from './text/segment.js';
