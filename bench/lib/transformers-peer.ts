/**
 * @huggingface/transformers (transformers.js) as an optional benchmark peer: imported through a variable
 * specifier so that typecheck does not require it, skipped when BENCH_PEER=0, and pointed at a local folder of
 * model folders with remote downloads off.
 */

/** The environment object every transformers.js version exports. */
export interface TransformersEnv {
  allowRemoteModels: boolean;
  allowLocalModels: boolean;
  localModelPath: string;
}

/** The npm name of the peer. */
export const TRANSFORMERS_PEER = '@huggingface/transformers';

/**
 * Import transformers.js as `T` (the slice of its API a bench uses), serving models from `localRoot` only.
 * Returns null, with a line on stdout, when it is not installed or BENCH_PEER=0.
 * @example const peer = await loadTransformersPeer<MySlice>(root);
 */
export async function loadTransformersPeer<T extends { env: TransformersEnv }>(
  localRoot: string,
): Promise<T | null> {
  if (process.env.BENCH_PEER === '0') {
    console.log(`BENCH_PEER=0: timing ours only.`);
    return null;
  }
  let peer: T;
  try {
    const name = TRANSFORMERS_PEER; // a variable specifier: the package is optional
    peer = (await import(name)) as T;
  } catch {
    console.log(
      `${TRANSFORMERS_PEER} is not installed: timing ours only (npm install -D -w @proj/models ${TRANSFORMERS_PEER}).`,
    );
    return null;
  }
  peer.env.allowRemoteModels = false;
  peer.env.allowLocalModels = true;
  peer.env.localModelPath = localRoot;
  return peer;
}
