/**
 * @proj/isotropy: trust scores for long-form LLM answers from the spread of sampled responses. Semantic
 * isotropy (arXiv 2510.21891) with a trust scorer over any LanguageModel / Embedder, embedding, lexical and
 * NLI baselines (LUQ, discrete semantic entropy), all oriented so that higher = less trustworthy, plus an
 * evaluation harness (R^2, Spearman, AUROC with bootstrap intervals, SVG plots).
 *
 * @packageDocumentation
 */
export {
  AbortError,
  EntailmentError,
  EvaluationError,
  JsonlError,
  ResponseInputError,
  StatsInputError,
  TrustScorerError,
} from './errors.js';
export {
  meanPairwiseCosineDistance,
  meanResultantLength2,
  renyi2Entropy,
  resultantDispersion,
} from './estimators/companions.js';
export {
  type CosineGram,
  cosineGram,
  cosineGramFromMatrix,
  type EmbeddingRows,
  isCosineGram,
  MIN_RESPONSES,
  type ResponseEmbeddings,
} from './estimators/gram.js';
export {
  DEFAULT_ECCENTRICITY_THRESHOLD,
  type EccentricityDetails,
  type EccentricityOptions,
  graphDegree,
  graphEccentricity,
  graphEccentricityDetails,
  graphEigV,
  type LaplacianSpectrum,
  laplacianSpectrum,
  type SimilarityGraph,
  similarityGraph,
} from './estimators/graph.js';
export {
  DEFAULT_ISOTROPY_EPS,
  densitySpectrum,
  type IsotropyOptions,
  semanticIsotropy,
  vonNeumannEntropy,
} from './estimators/isotropy.js';
export {
  lcsLength,
  lexicalDispersion,
  meanPairwiseRougeL,
  rougeL,
  rougeTokens,
} from './estimators/lexical.js';
export {
  ESTIMATORS,
  type EstimateAllOptions,
  type EstimatorContext,
  type EstimatorDescriptor,
  type EstimatorName,
  type EstimatorNeeds,
  type EstimatorScores,
  estimateAll,
  estimateAllAsync,
  getEstimator,
  ResponseSet,
  type ScoreDirection,
  type SyncEstimatorDescriptor,
} from './estimators/registry.js';
export {
  type EstimatorEvaluation,
  type EvaluateOptions,
  type EvaluationReport,
  evaluateScores,
  formatEvaluationTable,
} from './evaluation/evaluate.js';
export {
  type EvaluationRecord,
  type ParseJsonlOptions,
  parseEvaluationJsonl,
  parseResponsesJsonl,
  type ResponsesRecord,
  readEvaluationJsonl,
} from './evaluation/jsonl.js';
export { type EvaluationPlots, writeEvaluationPlots } from './evaluation/plots.js';
export {
  type DatasetEvaluation,
  type EvaluateDatasetOptions,
  evaluateJsonl,
  evaluateRecords,
} from './evaluation/run.js';
export {
  type EmbedTexts,
  type ScoredDataset,
  type ScoreRecordsOptions,
  scoreRecords,
} from './evaluation/score.js';
export {
  CrossEncoderEntailment,
  type CrossEncoderEntailmentOptions,
  type CrossEncoderMode,
  type PairClassifier,
} from './nli/cross-encoder.js';
export {
  type Entailment,
  type EntailmentCallOptions,
  type EntailmentFromFunctionOptions,
  type EntailmentPair,
  entailmentFromFunction,
} from './nli/entailment.js';
export {
  luqEstimator,
  type NliEstimatorName,
  type NliEstimatorOptions,
  nliEstimators,
  semanticEntropyEstimator,
} from './nli/estimators.js';
export {
  defaultJudgePrompt,
  type JudgeMode,
  LlmJudgeEntailment,
  type LlmJudgeOptions,
  parseJudgement,
} from './nli/llm-judge.js';
export { type LuqOptions, type LuqResult, luq } from './nli/luq.js';
export {
  clusterEntropy,
  discreteSemanticEntropy,
  type SemanticEntropyOptions,
  type SemanticEntropyResult,
  semanticClusters,
} from './nli/semantic-entropy.js';
export { splitSentences } from './nli/sentences.js';
export {
  escapeXml,
  niceTicks,
  type PlotFrame,
  type RocSeries,
  rocPlotSvg,
  type ScatterPlotOptions,
  scatterPlotSvg,
} from './plots/svg.js';
export { writeTextFileAtomic } from './plots/write.js';
export { auroc, binarizeBelow, type RocCurve, rocCurve } from './stats/auroc.js';
export {
  type BootstrapInterval,
  type BootstrapOptions,
  bootstrapInterval,
  bootstrapIntervalFromResamples,
  percentile,
  type ResampleStatistic,
} from './stats/bootstrap.js';
export { type LinearFit, linearRegression, rSquared } from './stats/ols.js';
export { averageRanks, spearman } from './stats/rank.js';
export type { Numbers } from './stats/validate.js';
export {
  DEFAULT_EXCERPT_TEMPLATE,
  DEFAULT_MAX_ANSWER_CHARS,
  type Excerpt,
  type ExcerptOptions,
  excerptEmbedText,
  excerptText,
  topicOf,
  truncateAnswer,
} from './trust/excerpt.js';
export {
  type BatchOptions,
  type BatchProgress,
  type ResponsesRequest,
  type ScoreOptions,
  type ScoreRequest,
  type ScoreResponsesOptions,
  type TrustScore,
  type TrustScoreParts,
  TrustScorer,
  type TrustScorerOptions,
  type TrustTimings,
} from './trust/scorer.js';
