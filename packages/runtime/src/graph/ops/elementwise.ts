import type { DType } from '../../tensor/dtype.js';
import { GraphBuildError } from '../errors.js';
import { attr } from '../node.js';
import { broadcastShapes, fmtShape } from '../shape.js';
import type { Value } from '../value.js';
import { type ValueLike, firstDType, graphOf, lift, requireDType, requireFloat, sameDType } from './util.js';

const NUMERIC: readonly DType[] = ['float32', 'float64', 'float16', 'int8', 'int32', 'int64', 'uint8'];

function binary(op: string, a: ValueLike, b: ValueLike, out?: DType): Value {
  const g = graphOf(op, a, b);
  const dt = firstDType([a, b]);
  const va = lift(g, a, dt);
  const vb = lift(g, b, dt);
  const d = sameDType(op, va, vb);
  const shape = broadcastShapes(op, va.shape, vb.shape);
  return g.addNode(op, [va, vb], [{ dtype: out ?? d, shape }])[0];
}

function unary(op: string, x: Value, float = true): Value {
  if (float) requireFloat(op, x);
  return x.graph.addNode(op, [x], [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** Elementwise a + b with numpy broadcasting (ONNX Add). @example add(x, 1) */
export function add(a: ValueLike, b: ValueLike): Value {
  return binary('Add', a, b);
}
/** Elementwise a - b (ONNX Sub). */
export function sub(a: ValueLike, b: ValueLike): Value {
  return binary('Sub', a, b);
}
/** Elementwise a * b (ONNX Mul). */
export function mul(a: ValueLike, b: ValueLike): Value {
  return binary('Mul', a, b);
}
/** Elementwise a / b (ONNX Div; integer division truncates). */
export function div(a: ValueLike, b: ValueLike): Value {
  return binary('Div', a, b);
}
/** Elementwise a ** b (ONNX Pow). @example pow(x, 2) */
export function pow(a: ValueLike, b: ValueLike): Value {
  return binary('Pow', a, b);
}
/** Elementwise maximum of two operands (ONNX Max). Ties send the gradient to `a`. */
export function maximum(a: ValueLike, b: ValueLike): Value {
  return binary('Max', a, b);
}
/** Elementwise minimum of two operands (ONNX Min). Ties send the gradient to `a`. */
export function minimum(a: ValueLike, b: ValueLike): Value {
  return binary('Min', a, b);
}
/** a == b -> bool (ONNX Equal). */
export function equal(a: ValueLike, b: ValueLike): Value {
  return binary('Equal', a, b, 'bool');
}
/** a < b -> bool (ONNX Less). */
export function less(a: ValueLike, b: ValueLike): Value {
  return binary('Less', a, b, 'bool');
}
/** a > b -> bool (ONNX Greater). */
export function greater(a: ValueLike, b: ValueLike): Value {
  return binary('Greater', a, b, 'bool');
}
/** a <= b -> bool (ONNX LessOrEqual). */
export function lessOrEqual(a: ValueLike, b: ValueLike): Value {
  return binary('LessOrEqual', a, b, 'bool');
}
/** a >= b -> bool (ONNX GreaterOrEqual). */
export function greaterOrEqual(a: ValueLike, b: ValueLike): Value {
  return binary('GreaterOrEqual', a, b, 'bool');
}

function logical(op: string, a: Value, b: Value): Value {
  requireDType(op, a, ['bool']);
  requireDType(op, b, ['bool']);
  return binary(op, a, b, 'bool');
}
/** Logical and of two bool values (ONNX And). */
export function and(a: Value, b: Value): Value {
  return logical('And', a, b);
}
/** Logical or of two bool values (ONNX Or). */
export function or(a: Value, b: Value): Value {
  return logical('Or', a, b);
}
/** Logical not (ONNX Not). */
export function not(x: Value): Value {
  requireDType('Not', x, ['bool']);
  return x.graph.addNode('Not', [x], [{ dtype: 'bool', shape: x.shape }])[0];
}

/**
 * Elementwise select: `cond ? a : b` with broadcasting of all three (ONNX Where).
 * @example where(mask, scores, -1e9)
 */
export function where(cond: Value, a: ValueLike, b: ValueLike): Value {
  const g = graphOf('Where', cond, a, b);
  requireDType('Where', cond, ['bool'], 'condition');
  const dt = firstDType([a, b]);
  const va = lift(g, a, dt);
  const vb = lift(g, b, dt);
  const d = sameDType('Where', va, vb);
  const shape = broadcastShapes('Where', cond.shape, va.shape, vb.shape);
  return g.addNode('Where', [cond, va, vb], [{ dtype: d, shape }])[0];
}

/** -x (ONNX Neg). */
export function neg(x: Value): Value {
  requireDType('Neg', x, ['float32', 'float64', 'float16', 'int8', 'int32', 'int64']);
  return unary('Neg', x, false);
}
/** Elementwise square root (ONNX Sqrt). */
export function sqrt(x: Value): Value {
  return unary('Sqrt', x);
}
/** 1 / x (ONNX Reciprocal). */
export function reciprocal(x: Value): Value {
  return unary('Reciprocal', x);
}
/** e^x (ONNX Exp). */
export function exp(x: Value): Value {
  return unary('Exp', x);
}
/** Natural log (ONNX Log). */
export function log(x: Value): Value {
  return unary('Log', x);
}
/** |x| (ONNX Abs). Gradient at 0 is 0. */
export function abs(x: Value): Value {
  requireDType('Abs', x, NUMERIC);
  return unary('Abs', x, false);
}
/** tanh (ONNX Tanh). */
export function tanh(x: Value): Value {
  return unary('Tanh', x);
}
/** Logistic sigmoid (ONNX Sigmoid). */
export function sigmoid(x: Value): Value {
  return unary('Sigmoid', x);
}
/** max(x, 0) (ONNX Relu). */
export function relu(x: Value): Value {
  return unary('Relu', x);
}
/** Error function (ONNX Erf). */
export function erf(x: Value): Value {
  return unary('Erf', x);
}
/** log(1 + e^x) (ONNX Softplus). Numerically stable in ONNX Runtime. */
export function softplus(x: Value): Value {
  return unary('Softplus', x);
}
/** Pass-through (ONNX Identity). */
export function identity(x: Value): Value {
  return x.graph.addNode('Identity', [x], [{ dtype: x.dtype, shape: x.shape }])[0];
}

/**
 * GELU in its exact erf form: 0.5 x (1 + erf(x / sqrt 2)). Opset 17 has no Gelu op, so it is written as a
 * composite; ONNX Runtime's optimiser fuses the pattern into one Gelu kernel.
 */
export function gelu(x: Value): Value {
  requireFloat('Gelu', x);
  const g = x.graph;
  if (g.opset >= 20) return g.addNode('Gelu', [x], [{ dtype: x.dtype, shape: x.shape }])[0];
  const inner = erf(div(x, g.constant(Math.SQRT2, x.dtype)));
  return mul(mul(x, g.constant(0.5, x.dtype)), add(inner, g.constant(1, x.dtype)));
}

/**
 * Convert to another dtype (ONNX Cast). Float -> int truncates toward zero; anything -> bool is `!= 0`.
 * @example ids.cast('int64')
 */
export function cast(x: Value, to: DType): Value {
  const codes: Record<DType, number> = {
    float32: 1,
    uint8: 2,
    int8: 3,
    int32: 6,
    int64: 7,
    bool: 9,
    float16: 10,
    float64: 11,
  };
  return x.graph.addNode('Cast', [x], [{ dtype: to, shape: x.shape }], { to: attr.int(codes[to]) })[0];
}

/**
 * Clamp into [min, max]; either bound may be omitted (ONNX Clip, bounds as scalar inputs). The gradient is
 * passed where min <= x <= max.
 * @example clip(ratio, 0.8, 1.2)
 */
export function clip(x: Value, min?: ValueLike, max?: ValueLike): Value {
  requireDType('Clip', x, NUMERIC);
  const g = x.graph;
  const lo = min === undefined ? null : lift(g, min, x.dtype);
  const hi = max === undefined ? null : lift(g, max, x.dtype);
  for (const b of [lo, hi]) {
    if (b && b.rank !== 0) throw new GraphBuildError('Clip', `bounds must be scalars, got ${fmtShape(b.shape)}.`);
    if (b && b.dtype !== x.dtype) throw new GraphBuildError('Clip', `bound dtype ${b.dtype} differs from ${x.dtype}.`);
  }
  const inputs = hi ? [x, lo, hi] : lo ? [x, lo] : [x];
  return g.addNode('Clip', inputs, [{ dtype: x.dtype, shape: x.shape }])[0];
}


/** Sign of x: -1, 0 or 1 (ONNX Sign). Not differentiable (zero gradient). */
export function sign(x: Value): Value {
  requireDType('Sign', x, NUMERIC);
  return unary('Sign', x, false);
}
