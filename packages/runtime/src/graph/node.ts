import type { Tensor } from '../tensor/tensor.js';
import type { Value } from './value.js';

/** A typed ONNX attribute value. Build them with the {@link attr} helpers. */
export type Attr =
  | {
      /** Integer attribute (ONNX INT). */
      type: 'int';
      /** The integer. */
      value: number;
    }
  | {
      /** Float attribute (ONNX FLOAT). */
      type: 'float';
      /** The float. */
      value: number;
    }
  | {
      /** String attribute (ONNX STRING, UTF-8). */
      type: 'string';
      /** The string. */
      value: string;
    }
  | {
      /** List of integers (ONNX INTS). */
      type: 'ints';
      /** The integers. */
      value: readonly number[];
    }
  | {
      /** List of floats (ONNX FLOATS). */
      type: 'floats';
      /** The floats. */
      value: readonly number[];
    }
  | {
      /** List of strings (ONNX STRINGS). */
      type: 'strings';
      /** The strings. */
      value: readonly string[];
    }
  | {
      /** Tensor attribute (ONNX TENSOR), e.g. ConstantOfShape's value. */
      type: 'tensor';
      /** The tensor. */
      value: Tensor;
    };

/**
 * Constructors for {@link Attr} values (ONNX distinguishes ints from floats; JS numbers do not).
 * @example g.addNode('Softmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis: attr.int(-1) })
 */
export const attr = {
  /** An INT attribute (truncated to an integer). */
  int: (value: number): Attr => ({ type: 'int', value: Math.trunc(value) }),
  /** A FLOAT attribute. */
  float: (value: number): Attr => ({ type: 'float', value }),
  /** A STRING attribute. */
  string: (value: string): Attr => ({ type: 'string', value }),
  /** An INTS attribute (each truncated to an integer). */
  ints: (value: readonly number[]): Attr => ({ type: 'ints', value: value.map(Math.trunc) }),
  /** A FLOATS attribute. */
  floats: (value: readonly number[]): Attr => ({ type: 'floats', value }),
  /** A STRINGS attribute. */
  strings: (value: readonly string[]): Attr => ({ type: 'strings', value }),
  /** A TENSOR attribute. */
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
  /** The values it computes, in output order. */
  readonly outputs: readonly Value[];
  /** ONNX attributes by name. */
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
