import { type DType, ONNX_DTYPE_CODE } from '../../tensor/dtype.js';
import { defineCompositeGradient } from '../composite.js';
import { GraphBuildError } from '../errors.js';
import { attr } from '../node.js';
import { broadcastShapes, fmtShape } from '../shape.js';
import type { Value } from '../value.js';
import { firstDType, graphOf, lift, requireDType, requireFloat, sameDType, type ValueLike } from './util.js';

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
/**
 * Error function (ONNX Erf).
 *
 * float64: ONNX Runtime's CPU provider has no float64 Erf kernel, so the builder emits W. J. Cody's rational
 * Chebyshev approximations instead (Math. Comp. 1969; the netlib CALERF coefficients): erf on |x| <= 0.46875,
 * erfc = exp(-x^2) R(|x|) on (0.46875, 4] and the asymptotic form beyond, picked with Where. Each branch sees its
 * input clamped to its own interval, so unselected branches stay finite and send exact zeros backwards (no NaN
 * gradients). Relative error against scipy.special.erf is below 1e-15; autodiff differentiates the composite,
 * whose derivative matches 2/sqrt(pi) exp(-x^2) to about 1e-14.
 * @example x.erf()
 */
export function erf(x: Value): Value {
  requireFloat('Erf', x);
  if (x.dtype === 'float64') return erfFloat64(x);
  return unary('Erf', x);
}

// Cody's coefficients (netlib specfun CALERF), in his evaluation order, written as the shortest decimals of the
// same float64 values (his 18-digit literals round to exactly these).
const ERF_A = [
  3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315,
];
const ERF_B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
const ERF_C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769,
  1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8,
];
const ERF_D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
];
const ERF_P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378,
  0.016315387137302097,
];
const ERF_Q = [
  2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918,
];
const ERF_THRESH = 0.46875;
/** 1 / sqrt(pi). */
const SQRT_PI_INV = 0.5641895835477563;

/** Cody's num/den recurrence: num = ((top t + c0) t + c1) t ..., den = ((t + d0) t + d1) t ... over `steps` terms. */
function codyRatio(t: Value, num: readonly number[], den: readonly number[], steps: number): [Value, Value] {
  let xn = mul(t, num[num.length - 1]);
  let xd = t;
  for (let i = 0; i < steps; i++) {
    xn = mul(add(xn, num[i]), t);
    xd = mul(add(xd, den[i]), t);
  }
  return [add(xn, num[steps]), add(xd, den[steps])];
}

function erfFloat64(x: Value): Value {
  const y = abs(x);
  // |x| <= 0.46875: erf(x) = x P(x^2) / Q(x^2).
  const x1 = clip(x, -ERF_THRESH, ERF_THRESH);
  const [n1, d1] = codyRatio(mul(x1, x1), ERF_A, ERF_B, 3);
  const small = div(mul(x1, n1), d1);
  // 0.46875 < |x| <= 4: erfc(y) = exp(-y^2) P(y) / Q(y).
  const y2 = clip(y, ERF_THRESH, 4);
  const [n2, d2] = codyRatio(y2, ERF_C, ERF_D, 7);
  const mid = mul(exp(neg(mul(y2, y2))), div(n2, d2));
  // |x| > 4: erfc(y) = exp(-y^2) / y (1/sqrt(pi) - z P(z) / Q(z)), z = 1/y^2. Past 10, erf is 1 in float64.
  const y3 = clip(y, 4, 10);
  const z = reciprocal(mul(y3, y3));
  const [n3, d3] = codyRatio(z, ERF_P, ERF_Q, 4);
  const tail = div(mul(exp(neg(mul(y3, y3))), sub(SQRT_PI_INV, div(mul(z, n3), d3))), y3);
  const erfc = where(lessOrEqual(y, 4), mid, tail);
  const big = add(sub(0.5, erfc), 0.5);
  return where(lessOrEqual(y, ERF_THRESH), small, where(less(x, 0), neg(big), big));
}

/**
 * log(1 + e^x) (ONNX Softplus). Numerically stable in ONNX Runtime.
 *
 * float64: ONNX Runtime's CPU provider has no float64 Softplus kernel, so the builder emits
 * max(x, 0) + log1p(exp(-|x|)), with log1p(u) computed to full precision as log(w) u / (w - 1), w = 1 + u
 * (u itself once w rounds to 1; Goldberg 1991). The kinks of max and |.| are written with Where on one
 * condition, so the gradient is sigmoid(x) everywhere, 1/2 at x = 0 included.
 * @example logits.softplus()
 */
export function softplus(x: Value): Value {
  requireFloat('Softplus', x);
  if (x.dtype !== 'float64') return unary('Softplus', x);
  const pos = greater(x, 0);
  const u = exp(where(pos, neg(x), x));
  const w = add(u, 1);
  const wm1 = sub(w, 1);
  const exact = equal(wm1, 0);
  const log1p = where(exact, u, div(mul(log(w), u), where(exact, 1, wm1)));
  return add(where(pos, x, 0), log1p);
}
/** Pass-through (ONNX Identity). */
export function identity(x: Value): Value {
  return x.graph.addNode('Identity', [x], [{ dtype: x.dtype, shape: x.shape }])[0];
}

/**
 * GELU in its exact erf form: 0.5 x (1 + erf(x / sqrt 2)). Opset 17 has no Gelu op, so it is written as a
 * composite; ONNX Runtime's optimiser fuses the pattern into one Gelu kernel. From opset 20 the native Gelu op
 * is emitted, except for float64 (see {@link erf}).
 * @example h.gelu()
 */
export function gelu(x: Value): Value {
  requireFloat('Gelu', x);
  const g = x.graph;
  // ONNX Runtime runs opset-20 Gelu through its Erf kernel, which has no float64 version: float64 keeps the
  // composite (with the float64 erf composite of erf()).
  if (g.opset >= 20 && x.dtype !== 'float64')
    return g.addNode('Gelu', [x], [{ dtype: x.dtype, shape: x.shape }])[0];
  // This exact form (Div by sqrt 2) is the one ONNX Runtime fuses into its Gelu kernel in inference graphs.
  const u = div(x, g.constant(Math.SQRT2, x.dtype));
  const a = add(erf(u), g.constant(1, x.dtype));
  const y = mul(mul(x, g.constant(0.5, x.dtype)), a);
  // d/dx gelu(x) = Phi(x) + x phi(x) = a / 2 + x exp(-u^2) / sqrt(2 pi), from values the forward already has:
  // 8 elementwise ops in the backward instead of the 11 of the chain rule through the composite.
  defineCompositeGradient(y, [x], (grad) => {
    const pdf = mul(mul(x, exp(neg(mul(u, u)))), g.constant(1 / Math.sqrt(2 * Math.PI), x.dtype));
    return [mul(grad, add(mul(a, g.constant(0.5, x.dtype)), pdf))];
  });
  return y;
}

/**
 * Convert to another dtype (ONNX Cast). Float -> int truncates toward zero; anything -> bool is `!= 0`.
 * @example ids.cast('int64')
 */
export function cast(x: Value, to: DType): Value {
  return x.graph.addNode('Cast', [x], [{ dtype: to, shape: x.shape }], {
    to: attr.int(ONNX_DTYPE_CODE[to]),
  })[0];
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
    if (b && b.rank !== 0)
      throw new GraphBuildError('Clip', `bounds must be scalars, got ${fmtShape(b.shape)}.`);
    if (b && b.dtype !== x.dtype)
      throw new GraphBuildError('Clip', `bound dtype ${b.dtype} differs from ${x.dtype}.`);
  }
  const inputs = hi ? [x, lo, hi] : lo ? [x, lo] : [x];
  return g.addNode('Clip', inputs, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** Sign of x: -1, 0 or 1 (ONNX Sign). Not differentiable (zero gradient). */
export function sign(x: Value): Value {
  requireDType('Sign', x, NUMERIC);
  return unary('Sign', x, false);
}
