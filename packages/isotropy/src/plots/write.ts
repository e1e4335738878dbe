import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write a text file atomically: the content goes to a temporary file in the same folder, which is then renamed
 * over the target, so readers never see half a file. Parent folders are created.
 *
 * @example
 * ```ts
 * await writeTextFileAtomic('out/roc.svg', rocPlotSvg(series));
 * ```
 */
export async function writeTextFileAtomic(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(
    dir,
    `.${basename(path)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  try {
    await writeFile(tmp, content, 'utf8');
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
