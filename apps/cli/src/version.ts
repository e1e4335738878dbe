import { createRequire } from 'node:module';

/**
 * The CLI package's version, read from its package.json (works from src and from dist).
 * @example cliVersion() // '0.0.0'
 */
export function cliVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}
