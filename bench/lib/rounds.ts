import { median } from './torch-peer.js';

/** Throughput of ours and (optionally) a peer, measured in alternating rounds. */
export interface AlternatingThroughput {
  /** Median items per second of ours. */
  ours: number;
  /** Median items per second of the peer (null without one). */
  peer: number | null;
  /** Median of the per-round ratios ours / peer (null without a peer). */
  ratio: number | null;
  /** Items per second of every round, rounded to 0.1. */
  perRoundOurs: number[];
  perRoundPeer: number[];
}

/**
 * Time `items` units of work per call, ours then the peer, for `rounds` rounds (alternating, so drift in the
 * machine's speed hits both alike).
 * @example const t = await alternatingThroughput(5, texts.length, () => ours.embed(texts), peer && (() => run(peer)));
 */
export async function alternatingThroughput(
  rounds: number,
  items: number,
  runOurs: () => Promise<unknown>,
  runPeer: (() => Promise<unknown>) | null,
): Promise<AlternatingThroughput> {
  const time = async (f: () => Promise<unknown>) => {
    const s = performance.now();
    await f();
    return (items / (performance.now() - s)) * 1000;
  };
  const ours: number[] = [];
  const peer: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(await time(runOurs));
    if (runPeer) peer.push(await time(runPeer));
  }
  return {
    ours: median(ours),
    peer: runPeer ? median(peer) : null,
    ratio: runPeer ? median(ours.map((o, i) => o / peer[i])) : null,
    perRoundOurs: ours.map((x) => Number(x.toFixed(1))),
    perRoundPeer: peer.map((x) => Number(x.toFixed(1))),
  };
}
