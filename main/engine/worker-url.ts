/**
 * Where the code of the engine's other threads and processes is: the
 * inference worker, its tile helper, the device probe and the model probe.
 *
 * Bundled (dist/cli/yonos.mjs, dist/electron/main.mjs): esbuild writes each
 * as `<name>.mjs` beside each bundle, and `import.meta.url` is the bundle (or
 * a sibling entry), so the sibling file is the one.
 *
 * From TypeScript sources (vitest, or any tool that runs main/ directly): a
 * worker thread is plain Node and cannot load .ts, so we bundle all the
 * entries with esbuild (a dev dependency, only needed here) into one folder
 * under node_modules/.cache/yonos/, where they are each other's siblings as in
 * dist/. It must live under the repository so their bare imports (sharp,
 * onnxruntime-node) resolve. The folder is named by a hash of the output and
 * written as a temp folder renamed into place, so parallel test workers never
 * read half-written files.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Each bundled entry and its source beside this file (esbuild.config.mjs lists the same). */
export const bundledEntries = {
  'engine-worker': 'worker.ts',
  'tile-worker': 'tile-worker.ts',
  'device-probe': 'device-probe.ts',
  'model-probe': 'model-probe.ts',
} as const;

export type BundledEntry = keyof typeof bundledEntries;

let devBundle: Promise<URL> | undefined;

export async function bundledEntryUrl(name: BundledEntry): Promise<URL> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL(`./${name}.mjs`, here);
  devBundle ??= bundleFromSources(fileURLToPath(new URL('.', here)));
  return new URL(`./${name}.mjs`, await devBundle);
}

/** Bundles every entry into one folder; returns the folder's URL (with a trailing slash). */
async function bundleFromSources(sourceDir: string): Promise<URL> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: Object.fromEntries(
      Object.entries(bundledEntries).map(([name, source]) => [name, path.join(sourceDir, source)]),
    ),
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    target: 'node20.19',
    outdir: 'bundle',
    outExtension: { '.js': '.mjs' },
    write: false,
    logLevel: 'silent',
  });
  const hash = createHash('sha256');
  for (const file of result.outputFiles)
    hash.update(path.basename(file.path)).update(file.contents);
  const cacheDir = path.resolve(sourceDir, '../../node_modules/.cache/yonos');
  const dir = path.join(cacheDir, `engine-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(dir)) {
    const temp = `${dir}.${String(process.pid)}.tmp`;
    await mkdir(temp, { recursive: true });
    for (const file of result.outputFiles) {
      await writeFile(path.join(temp, path.basename(file.path)), file.contents);
    }
    // Another process may have won the race; its copy is identical.
    await rename(temp, dir).catch(() => rm(temp, { recursive: true, force: true }));
  }
  return pathToFileURL(`${dir}/`);
}
