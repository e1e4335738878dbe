import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Write a benchmark result to <repo>/bench/results/<name>.json (atomically), stamped with date and machine. */
export async function writeResult(name: string, data: unknown): Promise<void> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  const body = JSON.stringify(
    { date: new Date().toISOString(), node: process.version, ...(data as object) },
    null,
    2,
  );
  await writeFile(`${path}.tmp`, body);
  await rename(`${path}.tmp`, path);
  console.log(`\nwrote ${path}`);
}
