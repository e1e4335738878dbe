import { GraphBuildError } from '../errors.js';
import { attr } from '../node.js';
import { broadcastShapes, type Dim, dimsEqual, fmtShape } from '../shape.js';
import type { Value } from '../value.js';
import { graphOf, requireDType, sameDType } from './util.js';

const MATMUL_TYPES = ['float32', 'float64', 'float16', 'int32', 'int64'] as const;

/**
 * Matrix product with numpy semantics (ONNX MatMul): [..., m, k] x [..., k, n] -> [..., m, n], batch dims
 * broadcast, 1-D operands promoted and the promoted axis removed.
 * @example x.matmul(w)   // [batch, 512] x [512, 2048]
 */
export function matmul(a: Value, b: Value): Value {
  const op = 'MatMul';
  const g = graphOf(op, a, b);
  const dt = sameDType(op, a, b);
  requireDType(op, a, MATMUL_TYPES);
  if (a.rank === 0 || b.rank === 0) {
    throw new GraphBuildError(
      op,
      `operands must have rank >= 1, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`,
    );
  }
  const sa = a.rank === 1 ? [1, a.shape[0]] : [...a.shape];
  const sb = b.rank === 1 ? [b.shape[0], 1] : [...b.shape];
  const k1 = sa[sa.length - 1];
  const k2 = sb[sb.length - 2];
  // Static dims must agree; a symbolic dim is checked at run time (but two different symbols are a bug).
  const mismatch =
    typeof k1 === 'number' && typeof k2 === 'number'
      ? k1 !== k2
      : typeof k1 === 'string' && typeof k2 === 'string' && !dimsEqual(k1, k2);
  if (mismatch) {
    throw new GraphBuildError(
      op,
      `inner dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)} (${k1} vs ${k2}). Transpose one operand or fix the weight shape.`,
    );
  }
  const batch = broadcastShapes(op, sa.slice(0, -2), sb.slice(0, -2));
  const out: Dim[] = [...batch];
  if (a.rank !== 1) out.push(sa[sa.length - 2]);
  if (b.rank !== 1) out.push(sb[sb.length - 1]);
  return g.addNode(op, [a, b], [{ dtype: dt, shape: out }])[0];
}

/** Options of {@link gemm}. */
export interface GemmOptions {
  /** Multiplier of op(A) op(B) (default 1). */
  alpha?: number;
  /** Multiplier of C (default 1). */
  beta?: number;
  /** Use A transposed (default false). */
  transA?: boolean;
  /** Use B transposed (default false). */
  transB?: boolean;
}

/**
 * General matrix multiply (ONNX Gemm): alpha * op(A) op(B) + beta * C for 2-D A, B; C broadcasts to [M, N].
 * @example gemm(x, w, b, { transB: true })
 */
export function gemm(a: Value, b: Value, c?: Value, options: GemmOptions = {}): Value {
  const op = 'Gemm';
  const g = graphOf(op, a, b, c);
  const dt = c ? sameDType(op, a, b, c) : sameDType(op, a, b);
  requireDType(op, a, ['float32', 'float64', 'float16']);
  if (a.rank !== 2 || b.rank !== 2) {
    throw new GraphBuildError(op, `A and B must be 2-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`);
  }
  const [m, ka] = options.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = options.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
    throw new GraphBuildError(
      op,
      `inner dimensions differ: op(A) is [${m}, ${ka}], op(B) is [${kb}, ${n}] (transA=${!!options.transA}, transB=${!!options.transB}).`,
    );
  }
  if (c) {
    if (c.rank > 2) throw new GraphBuildError(op, `C must have rank <= 2, got ${fmtShape(c.shape)}.`);
    broadcastShapes(op, [m, n], c.shape);
  }
  const attrs = {
    alpha: attr.float(options.alpha ?? 1),
    beta: attr.float(options.beta ?? 1),
    transA: attr.int(options.transA ? 1 : 0),
    transB: attr.int(options.transB ? 1 : 0),
  };
  return g.addNode(op, c ? [a, b, c] : [a, b], [{ dtype: dt, shape: [m, n] }], attrs)[0];
}
