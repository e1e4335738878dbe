import type { Tensor, Trainer } from '@proj/runtime';

/** The trained weights, copied out of the trainer (whose buffers go with it), then the trainer disposed. */
export async function keepWeightsAndDispose(trainer: Trainer): Promise<Map<string, Tensor>> {
  const weights = new Map([...trainer.params()].map(([k, v]) => [k, v.clone()]));
  await trainer.dispose();
  return weights;
}

/** The size of a tenth of `n` steps (at least 1). */
function tenthOf(n: number): number {
  return Math.max(1, Math.floor(n / 10));
}

/** Mean of each tenth of a training curve (the last part may be shorter), for reports. */
export function tenthMeans(values: readonly number[]): number[] {
  const tenth = tenthOf(values.length);
  const out: number[] = [];
  for (let i = 0; i < values.length; i += tenth) {
    const part = values.slice(i, i + tenth);
    out.push(part.reduce((a, c) => a + c, 0) / part.length);
  }
  return out;
}

/** Mean over the last tenth of a training curve. */
export function lastTenthMean(values: readonly number[]): number {
  const last = values.slice(-tenthOf(values.length));
  return last.reduce((a, c) => a + c, 0) / last.length;
}
