/**
 * Where the inference worker's code is.
 *
 * Bundled (dist/cli/yonos.mjs, dist/electron/main.mjs): esbuild writes the
 * worker as `engine-worker.mjs` beside each bundle, and `import.meta.url` is the
 * bundle, so the sibling file is the worker.
 *
 * From TypeScript sources (vitest, or any tool that runs main/ directly): a
 * worker thread is plain Node and cannot load .ts, so we bundle worker.ts with
 * esbuild (a dev dependency, only needed here) into node_modules/.cache/yonos/.
 * It must live under the repository so its bare imports (sharp,
 * onnxruntime-node) resolve. The file name carries a hash of the output, and it
 * is written through a temp file and a rename, so parallel test workers never
 * read a half-written file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let devWorker: Promise<URL> | undefined;

export function engineWorkerUrl(): Promise<URL> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return Promise.resolve(new URL('./engine-worker.mjs', here));
  devWorker ??= bundleWorkerFromSources(fileURLToPath(new URL('./worker.ts', here)));
  return devWorker;
}

async function bundleWorkerFromSources(entry: string): Promise<URL> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    target: 'node20.19',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const cacheDir = path.resolve(path.dirname(entry), '../../node_modules/.cache/yonos');
  const file = path.join(cacheDir, `engine-worker-${hash}.mjs`);
  if (!existsSync(file)) {
    await mkdir(cacheDir, { recursive: true });
    const temp = `${file}.${String(process.pid)}.tmp`;
    await writeFile(temp, code);
    await rename(temp, file);
  }
  return pathToFileURL(file);
}
