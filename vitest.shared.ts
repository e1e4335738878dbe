import { defineProject } from 'vitest/config';

/** Per-package Vitest project: source condition, node environment, generous timeouts for ORT sessions. */
export function projectConfig(name: string) {
  return defineProject({
    resolve: { conditions: ['@proj/source', 'import', 'module', 'node', 'default'] },
    ssr: { resolve: { conditions: ['@proj/source', 'import', 'module', 'node', 'default'] } },
    test: {
      name,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      pool: 'forks',
      setupFiles: [new URL('./vitest.setup.ts', import.meta.url).pathname],
    },
  });
}
