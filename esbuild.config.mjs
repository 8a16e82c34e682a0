// @ts-check
/**
 * Bundles the Node-side entry points (the renderer is Vite's job):
 * the `yonos` CLI, Electron's main process and launcher, the preload, and the
 * engine's worker, tile helper and device probe beside the CLI and the main process.
 * Dependencies stay external: native addons (sharp, onnxruntime-node,
 * better-sqlite3) must be loaded from node_modules at run time.
 */
import { chmod } from 'node:fs/promises';
import { build } from 'esbuild';

/** Kept in step with bundledEntries in main/engine/worker-url.ts. */
const engineEntries = {
  'engine-worker': 'main/engine/worker.ts',
  'tile-worker': 'main/engine/tile-worker.ts',
  'device-probe': 'main/engine/device-probe.ts',
  'model-probe': 'main/engine/model-probe.ts',
};

/** @type {import('esbuild').BuildOptions} */
const nodeBundle = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...nodeBundle,
    entryPoints: { 'cli/yonos': 'main/cli/yonos.ts' },
    target: 'node20.19',
    banner: { js: '#!/usr/bin/env node' },
  }),
  // The inference worker, its tile helper and the device probe are files of
  // their own beside each bundle that starts them (main/engine/worker-url.ts
  // resolves them relative to import.meta.url).
  ...['cli', 'electron'].map((dir) =>
    build({
      ...nodeBundle,
      entryPoints: Object.fromEntries(
        Object.entries(engineEntries).map(([name, source]) => [`${dir}/${name}`, source]),
      ),
      target: dir === 'cli' ? 'node20.19' : 'node22',
    }),
  ),
  // `npm start` runs the launcher with the user's Node, not Electron's.
  build({
    ...nodeBundle,
    entryPoints: { 'electron/launch': 'main/electron/launch.ts' },
    target: 'node20.19',
  }),
  build({
    ...nodeBundle,
    entryPoints: { 'electron/main': 'main/electron/main.ts' },
    target: 'node22',
  }),
  // A sandboxed preload can only be a CommonJS script that requires nothing but
  // 'electron', so everything else (zod, the contract) is bundled into it.
  build({
    ...nodeBundle,
    entryPoints: { 'electron/preload': 'main/electron/preload.ts' },
    format: 'cjs',
    packages: undefined,
    external: ['electron'],
    outExtension: { '.js': '.cjs' },
    target: 'chrome140',
  }),
]);

// npm marks bins executable only when it links them; a rebuild writes a fresh
// file, and `npx yonos` would then hit "Permission denied".
await chmod('dist/cli/yonos.mjs', 0o755);
