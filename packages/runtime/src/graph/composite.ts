import type { Node } from './node.js';
import type { Value } from './value.js';

/** A hand-written gradient for a composite of several nodes, attached to the composite's output node. */
export interface CompositeGradient {
  /** The values the composite computes from (its true inputs, possibly several nodes upstream). */
  inputs: readonly Value[];
  /** Given d loss / d output, return d loss / d input for each input (null where none flows). */
  rule: (grad: Value) => (Value | null)[];
}

const composites = new WeakMap<Node, CompositeGradient>();

/**
 * Give a multi-node composite its own gradient: autodiff then skips the chain rule through the composite's
 * internal nodes and applies `rule` instead. Useful when the composite's derivative has a cheaper closed form
 * than the chain of its parts (GELU's is one expression in values the forward already has). Internal values used
 * elsewhere still get their gradients from those other uses.
 * @example defineCompositeGradient(y, [x], (g) => [g.mul(dydx)])
 */
export function defineCompositeGradient(
  output: Value,
  inputs: readonly Value[],
  rule: CompositeGradient['rule'],
): void {
  if (!output.producer)
    throw new Error(`defineCompositeGradient: '${output.name}' is not computed by a node.`);
  composites.set(output.producer, { inputs, rule });
}

/** The composite gradient attached to a node, if any. */
export function compositeGradientOf(node: Node): CompositeGradient | undefined {
  return composites.get(node);
}
