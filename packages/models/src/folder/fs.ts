import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ModelFolderError } from './errors.js';

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Read and parse a JSON file of a model folder. @throws {ModelFolderError} naming the file. */
export async function readJsonFile<T = Record<string, unknown>>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ModelFolderError(
      `${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new ModelFolderError(`${what}: ${path} is not valid JSON (${(e as Error).message}).`);
  }
}

/**
 * Build a folder atomically: `fill` writes into a fresh sibling temp folder, which then replaces `dir`
 * (an existing `dir` is swapped out and removed only after the new one is in place). A failure leaves `dir`
 * as it was and removes the temp folder.
 */
export async function writeFolderAtomic(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tag = randomBytes(4).toString('hex');
  const tmp = join(parent, `.${basename(dir)}.tmp-${tag}`);
  const old = join(parent, `.${basename(dir)}.old-${tag}`);
  await mkdir(tmp);
  try {
    await fill(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const hadOld = await exists(dir);
  if (hadOld) await rename(dir, old);
  try {
    await rename(tmp, dir);
  } catch (e) {
    if (hadOld) await rename(old, dir);
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}
