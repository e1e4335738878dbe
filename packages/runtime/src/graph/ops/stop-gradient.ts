import type { Node } from '../node.js';
import type { Value } from '../value.js';

const stopped = new WeakSet<Node>();

/**
 * Identity in the forward pass; autodiff treats the result as a constant (no gradient flows into `x`).
 * Serialises as ONNX Identity.
 * @example const target = stopGradient(rewards.sub(baseline))
 */
export function stopGradient(x: Value): Value {
  const out = x.graph.addNode('Identity', [x], [{ dtype: x.dtype, shape: x.shape }])[0];
  stopped.add(out.producer!);
  return out;
}

/** Whether a node was created by {@link stopGradient}. */
export function isStopGradient(node: Node): boolean {
  return stopped.has(node);
}
