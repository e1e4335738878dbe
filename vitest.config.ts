import { defineConfig } from 'vitest/config';

// One Vitest project per workspace package; each resolves sibling packages through the
// "@proj/source" export condition, so tests run against src/ without a build.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
