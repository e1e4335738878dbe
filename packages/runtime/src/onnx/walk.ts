/** Walking and rewriting the tensors of a model (used by saveModel / inlineExternalData). */
import { copyPresence } from './codec.js';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from './types.js';

/** Where a tensor sits in a model: a graph initializer or a node attribute (e.g. Constant's `value`). */
export type TensorSite = 'initializer' | 'attribute';

/** Returns the replacement for a tensor, or the same object to keep it. */
export type TensorRewrite = (tensor: TensorProto, site: TensorSite) => TensorProto;

function rewriteAttribute(a: AttributeProto, fn: TensorRewrite): AttributeProto {
  let changed = false;
  const t = a.t ? fn(a.t, 'attribute') : undefined;
  if (t !== a.t) changed = true;
  const tensors = a.tensors?.map((x) => fn(x, 'attribute'));
  if (tensors?.some((x, i) => x !== a.tensors![i])) changed = true;
  const g = a.g ? rewriteGraph(a.g, fn) : undefined;
  if (g !== a.g) changed = true;
  const graphs = a.graphs?.map((x) => rewriteGraph(x, fn));
  if (graphs?.some((x, i) => x !== a.graphs![i])) changed = true;
  if (!changed) return a;
  const out: AttributeProto = { ...a };
  if (a.t) out.t = t;
  if (a.tensors) out.tensors = tensors;
  if (a.g) out.g = g;
  if (a.graphs) out.graphs = graphs;
  return copyPresence(a, out);
}

function rewriteNode(n: NodeProto, fn: TensorRewrite): NodeProto {
  const attribute = n.attribute.map((a) => rewriteAttribute(a, fn));
  if (attribute.every((a, i) => a === n.attribute[i])) return n;
  return copyPresence(n, { ...n, attribute });
}

/**
 * Apply `fn` to every tensor of a graph and its subgraphs (If / Loop / Scan bodies), copying only the messages on
 * the way to a changed tensor; unchanged parts are shared with the input.
 * @example rewriteGraph(g, (t) => (t.name === 'w' ? { ...t, docString: 'tied' } : t));
 */
export function rewriteGraph(g: GraphProto, fn: TensorRewrite): GraphProto {
  const initializer = g.initializer.map((t) => fn(t, 'initializer'));
  const node = g.node.map((n) => rewriteNode(n, fn));
  if (initializer.every((t, i) => t === g.initializer[i]) && node.every((n, i) => n === g.node[i])) return g;
  return copyPresence(g, { ...g, initializer, node });
}

/**
 * {@link rewriteGraph} over a model's main graph.
 * @example const stripped = rewriteModel(model, (t) => (t.docString ? { ...t, docString: undefined } : t));
 */
export function rewriteModel(m: ModelProto, fn: TensorRewrite): ModelProto {
  const graph = rewriteGraph(m.graph, fn);
  return graph === m.graph ? m : copyPresence(m, { ...m, graph });
}

/**
 * Visit every tensor of a model (initializers and attribute tensors, subgraphs included).
 * @example forEachTensor(model, (t, site) => console.log(site, t.name));
 */
export function forEachTensor(m: ModelProto, fn: (tensor: TensorProto, site: TensorSite) => void): void {
  rewriteModel(m, (t, site) => {
    fn(t, site);
    return t;
  });
}
