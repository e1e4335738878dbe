import type { Tensor } from '../tensor/tensor.js';
import type { Value } from './value.js';

/** A typed ONNX attribute value. Build them with the {@link attr} helpers. */
export type Attr =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: Tensor };

/** Constructors for {@link Attr} values (ONNX distinguishes ints from floats; JS numbers do not). */
export const attr = {
  int: (value: number): Attr => ({ type: 'int', value: Math.trunc(value) }),
  float: (value: number): Attr => ({ type: 'float', value }),
  string: (value: string): Attr => ({ type: 'string', value }),
  ints: (value: readonly number[]): Attr => ({ type: 'ints', value: value.map(Math.trunc) }),
  floats: (value: readonly number[]): Attr => ({ type: 'floats', value }),
  strings: (value: readonly string[]): Attr => ({ type: 'strings', value }),
  tensor: (value: Tensor): Attr => ({ type: 'tensor', value }),
};

/** One op application in a graph. Nodes are created in topological order by the builder. */
export interface Node {
  /** Unique within its graph; creation order. */
  readonly id: number;
  /** ONNX op type, e.g. 'MatMul'. */
  readonly op: string;
  /** Operator domain: '' for standard ONNX, 'com.microsoft' for ONNX Runtime contrib ops. */
  readonly domain: string;
  /** Operands; `null` marks an omitted optional input. */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, Attr>>;
  /** Unique node name in the serialised model. */
  readonly name: string;
}

/** Read an int attribute (with default). */
export function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && a.type === 'int' ? a.value : fallback;
}

/** Read an ints attribute. */
export function intsAttr(node: Node, name: string): readonly number[] | undefined {
  const a = node.attrs[name];
  return a && a.type === 'ints' ? a.value : undefined;
}

/** Read a float attribute (with default). */
export function floatAttr(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && a.type === 'float' ? a.value : fallback;
}
