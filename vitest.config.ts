import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Renderer modules under test import common/ as `$common/…`, as Vite builds them.
const alias = { $common: fileURLToPath(new URL('./common', import.meta.url)) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'main/electron/**/*.test.ts'],
          // A safety net, not a speed check: some unit tests open real ONNX sessions or
          // electron-builder's schema, which take seconds on a loaded 2-core machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/build-cli.ts'],
          // Generous safety nets, not speed checks: a loaded 2-core machine runs the real models slowly.
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/build-app.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // One Chromium at a time is all a 2-core CI machine can take.
          fileParallelism: false,
        },
      },
    ],
  },
});
