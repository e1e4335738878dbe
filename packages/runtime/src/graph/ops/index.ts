/**
 * One function per ONNX op the builder offers (opset 17 forms), each with dtype and shape inference.
 * Import as a namespace: `import { ops } from '@proj/runtime'; ops.concat([a, b], 1)`.
 */
export * from './elementwise.js';
export * from './linalg.js';
export * from './reduce.js';
export * from './shape-ops.js';
export { stopGradient } from './stop-gradient.js';
export type { ValueLike } from './util.js';
