/**
 * Eager CPU kernels: small, fast, dependency-free numerics on {@link Tensor}s (and raw typed arrays) for the
 * algorithm code around the ONNX graphs: matmul, transpose, row normalisation, Gram matrices, softmax family,
 * argmax / top-k, seeded categorical sampling, reductions and a symmetric eigensolver.
 *
 * @module
 */
export type { FloatTensor, KernelFloat, RowArrays } from './common.js';
export { type EighResult, type EighSymOptions, type EighSymResult, eigh, eighSym } from './eigh.js';
export { type GramOptions, gram, gramOfRows, l2NormalizeRows } from './gram.js';
export { matmul, transpose } from './matmul.js';
export { mean, type ReduceAxes, sum, type VarianceOptions, variance } from './reduce.js';
export { type SampleCategoricalOptions, sampleCategorical } from './sample.js';
export { argmax, type TopKOptions, type TopKResult, topK } from './select.js';
export { logSoftmax, logSumExp, softmax } from './softmax.js';
