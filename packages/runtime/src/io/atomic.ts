import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';

/**
 * Write `data` to `path` atomically: the bytes go to a temporary file in the same folder, which is then
 * renamed over `path`. Readers see the old file or the complete new one, never half of it, and a failed
 * write leaves no temporary file behind.
 *
 * @example
 * ```ts
 * await writeFileAtomic('out/config.json', JSON.stringify(config));
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  // Same folder as the target so rename() stays on one filesystem (rename across devices is not atomic).
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
