/** Temporary folders and backends for tests: real files, real SQLite, removed afterwards. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { YonosApp, type AppOptions } from '../../main/app/app.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh folder, removed after the current test. */
export async function tempDir(prefix = 'yonos-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A backend on its own data directory, closed after the current test. */
export async function tempApp(options: AppOptions = {}): Promise<YonosApp> {
  const app = YonosApp.open({ dataDir: await tempDir('yonos-data-'), ...options });
  cleanups.push(() => app.close());
  return app;
}

/** Registers extra cleanup for the current test (run before the folders are removed). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(async () => {
    await cleanup();
  });
}

export const fixtureModelsDir = path.resolve('test/fixtures/models');
