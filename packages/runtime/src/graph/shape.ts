import { GraphBuildError } from './errors.js';

/**
 * One dimension of a symbolic shape: a non-negative integer, or a name for a size known only at run time
 * (`'batch'`, `'seq'`). Products of names are written `'batch*seq'` and are simplified by the builder.
 */
export type Dim = number | string;

/** A symbolic shape. */
export type Shape = readonly Dim[];

/**
 * Render a shape for error messages: `[batch, 64, 512]`.
 * @example fmtShape(['batch', 64]) // '[batch, 64]'
 */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** True when every dim is a number. */
export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

// --- symbolic monomials: a Dim string is a product of symbol factors, e.g. 'batch*seq' ---

interface Monomial {
  coef: number;
  symbols: string[]; // sorted, with repetition
}

function parseDim(d: Dim): Monomial {
  if (typeof d === 'number') return { coef: d, symbols: [] };
  let coef = 1;
  const symbols: string[] = [];
  for (const part of d.split('*')) {
    const p = part.trim();
    if (/^\d+$/.test(p)) coef *= Number(p);
    else symbols.push(p);
  }
  symbols.sort();
  return { coef, symbols };
}

function fmtMonomial(m: Monomial): Dim {
  if (m.symbols.length === 0) return m.coef;
  const syms = m.symbols.join('*');
  return m.coef === 1 ? syms : `${m.coef}*${syms}`;
}

/**
 * Product of dims, simplified.
 * @example mulDims(['b', 's', 4]) // '4*b*s'
 */
export function mulDims(dims: readonly Dim[]): Dim {
  const out: Monomial = { coef: 1, symbols: [] };
  for (const d of dims) {
    const m = parseDim(d);
    out.coef *= m.coef;
    out.symbols.push(...m.symbols);
  }
  out.symbols.sort();
  return fmtMonomial(out);
}

/**
 * Quotient of two dims when it is exact (`divDims('4*b*s', 's')` is `'4*b'`); `undefined` when the divisor's
 * symbols are not all in the dividend or the coefficients do not divide.
 */
export function divDims(a: Dim, b: Dim): Dim | undefined {
  const ma = parseDim(a);
  const mb = parseDim(b);
  if (mb.coef === 0 || ma.coef % mb.coef !== 0) return undefined;
  const rest = [...ma.symbols];
  for (const s of mb.symbols) {
    const i = rest.indexOf(s);
    if (i < 0) return undefined;
    rest.splice(i, 1);
  }
  return fmtMonomial({ coef: ma.coef / mb.coef, symbols: rest });
}

/** Sum of two dims: numeric when both are numbers, else a symbolic name like `'(past+seq)'`. */
export function addDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return `(${a}+${b})`;
}

/** Whether two dims are known to be equal (same number, or the same simplified symbol expression). */
export function dimsEqual(a: Dim, b: Dim): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  return a === b || mulDims([a]) === mulDims([b]);
}

/**
 * Numpy-style broadcast of several shapes. A symbolic dim against a number other than 1 takes the number
 * (the run time checks it); two different symbols keep the first.
 * @throws {GraphBuildError} when two static dims differ and neither is 1.
 * @example broadcastShapes('Add', ['batch', 1, 64], [8, 64]) // ['batch', 8, 64]
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (dim === 1) {
        dim = d;
        continue;
      }
      if (typeof dim === 'number' && typeof d === 'number') {
        if (dim !== d) {
          throw new GraphBuildError(
            op,
            `cannot broadcast shapes ${shapes.map(fmtShape).join(' and ')}: dimension ${i - rank} is ${dim} vs ${d}. Reshape or expand one operand so trailing dimensions match or are 1.`,
          );
        }
      } else if (typeof dim === 'string' && typeof d === 'number') {
        dim = d;
      }
    }
    out.push(dim);
  }
  return out;
}

/** Normalise a possibly negative axis for a given rank. @throws {GraphBuildError} when out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new GraphBuildError(
      op,
      `axis ${axis} is out of range for a rank-${rank} input (valid: ${-rank}..${rank - 1}).`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalise and de-duplicate a list of axes. */
export function normAxes(op: string, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normAxis(op, a, rank));
  if (new Set(out).size !== out.length)
    throw new GraphBuildError(op, `axes [${axes.join(', ')}] repeat an axis.`);
  return out;
}
