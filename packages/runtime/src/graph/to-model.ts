import { tensorToProto } from '../onnx/tensor-proto.js';
import {
  type AttributeProto,
  AttributeType,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../onnx/types.js';
import { ONNX_DTYPE_CODE } from '../tensor/dtype.js';
import { GraphBuildError } from './errors.js';
import type { Graph } from './graph.js';
import type { Attr, Node } from './node.js';
import type { Shape } from './shape.js';
import type { Value } from './value.js';

/** Options of {@link toModel}. */
export interface ToModelOptions {
  /** Outputs to compute (default: the graph's declared outputs). Only nodes they need are emitted. */
  outputs?: ReadonlyMap<string, Value> | Record<string, Value>;
  /**
   * Emit parameters as graph inputs instead of initializers (training steps feed them every call from one
   * flat buffer). `true` for all, or a predicate on the parameter name.
   */
  paramsAsInputs?: boolean | ((name: string) => boolean);
  /** Also write the inferred dtype/shape of every intermediate value as value_info (debugging, tools). */
  valueInfo?: boolean;
  /** Model doc string. */
  docString?: string;
}

const IR_VERSION_FOR_OPSET: Record<number, number> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10, 23: 11 };

const encoder = new TextEncoder();

/** Metadata key holding `{ inputName: fillValue }` for optional inputs (see Graph.input's `fill`). */
export const INPUT_FILL_KEY = 'proj.input_fill';

function dimsOf(shape: Shape) {
  return shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
}

function valueInfo(name: string, v: Value): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_DTYPE_CODE[v.dtype], shape: { dim: dimsOf(v.shape) } } },
  };
}

function attrProto(name: string, a: Attr): AttributeProto {
  switch (a.type) {
    case 'int':
      return { name, type: AttributeType.INT, i: a.value };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.value };
    case 'string':
      return { name, type: AttributeType.STRING, s: encoder.encode(a.value) };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...a.value] };
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => encoder.encode(s)) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: tensorToProto('', a.value) };
  }
}

/**
 * Serialise a {@link Graph} into an ONNX ModelProto (opset `graph.opset`, the matching IR version): nodes in
 * topological order, pruned to what the outputs need; parameters and constants as initializers (or parameters as
 * inputs); typed inputs/outputs with symbolic dims as dim_param.
 * @throws {GraphBuildError} when there are no outputs.
 * @example const bytes = encodeModel(toModel(g));
 */
export function toModel(graph: Graph, options: ToModelOptions = {}): ModelProto {
  const outputs: [string, Value][] =
    options.outputs instanceof Map
      ? [...options.outputs]
      : options.outputs
        ? Object.entries(options.outputs)
        : [...graph.outputs];
  if (outputs.length === 0) {
    throw new GraphBuildError(
      'toModel',
      `graph '${graph.name}' has no outputs; call g.output(name, value) first.`,
    );
  }
  const asInput =
    typeof options.paramsAsInputs === 'function'
      ? options.paramsAsInputs
      : () => options.paramsAsInputs === true;

  // Liveness: walk back from the outputs.
  const live = new Set<Value>();
  const liveNodes = new Set<Node>();
  const stack = outputs.map(([, v]) => v);
  while (stack.length) {
    const v = stack.pop()!;
    if (live.has(v)) continue;
    live.add(v);
    const p = v.producer;
    if (p && !liveNodes.has(p)) {
      liveNodes.add(p);
      for (const i of p.inputs) if (i) stack.push(i);
    }
  }

  // Output naming: a node value is renamed to its (first) output name; inputs, parameters, constants and
  // values output twice go through an Identity.
  const rename = new Map<Value, string>();
  const identities: [Value, string][] = [];
  for (const [name, v] of outputs) {
    if (v.kind === 'node' && !rename.has(v)) rename.set(v, name);
    else identities.push([v, name]);
  }
  const nameOf = (v: Value | null) => (v ? (rename.get(v) ?? v.name) : '');

  const nodes: NodeProto[] = [];
  for (const n of graph.nodes) {
    if (!liveNodes.has(n)) continue;
    nodes.push({
      input: n.inputs.map(nameOf),
      output: n.outputs.map((o) => nameOf(o)),
      name: n.name,
      opType: n.op,
      domain: n.domain || undefined,
      attribute: Object.entries(n.attrs).map(([k, a]) => attrProto(k, a)),
    });
  }
  for (const [v, name] of identities) {
    nodes.push({
      input: [nameOf(v)],
      output: [name],
      name: `output_${name}`,
      opType: 'Identity',
      attribute: [],
    });
  }

  // Only inputs the outputs depend on: a graph grown with training-only inputs still compiles to a clean
  // inference model.
  const inputs: ValueInfoProto[] = graph.inputs.filter((v) => live.has(v)).map((v) => valueInfo(v.name, v));
  const initializers: TensorProto[] = [];

  for (const [name, p] of graph.params) {
    if (!live.has(p.value)) continue;
    if (asInput(name)) inputs.push(valueInfo(name, p.value));
    else initializers.push(tensorToProto(name, p.data));
  }
  for (const v of live) {
    if (v.kind !== 'constant') continue;
    initializers.push(tensorToProto(v.name, graph.constantValue(v)!));
  }
  const valueInfos: ValueInfoProto[] = [];
  if (options.valueInfo) {
    for (const v of live)
      if (v.kind === 'node' && !outputs.some(([, o]) => o === v)) valueInfos.push(valueInfo(nameOf(v), v));
  }
  // Optional inputs: ONNX Runtime's Node binding ignores feeds for initializer-backed inputs, so defaults are
  // recorded as metadata and filled in by compile().
  const fills: Record<string, number> = {};
  for (const v of graph.inputs) {
    const f = graph.inputFill(v);
    if (f !== undefined && live.has(v)) fills[v.name] = f;
  }
  const metadataProps = Object.keys(fills).length
    ? [{ key: INPUT_FILL_KEY, value: JSON.stringify(fills) }]
    : undefined;
  const opsetImport = [{ domain: '', version: graph.opset }];
  for (const [domain, version] of graph.extraOpsets) opsetImport.push({ domain, version });
  return {
    irVersion: IR_VERSION_FOR_OPSET[graph.opset] ?? 8,
    opsetImport,
    producerName: '@proj/runtime',
    producerVersion: '0.0.0',
    docString: options.docString,
    metadataProps,
    graph: {
      name: graph.name,
      node: nodes,
      initializer: initializers,
      input: inputs,
      output: outputs.map(([name, v]) => valueInfo(name, v)),
      valueInfo: valueInfos,
    },
  };
}
