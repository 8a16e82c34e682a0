// @ts-check
/**
 * Bundles the Node-side entry points (the renderer is Vite's job):
 * the `yonos` CLI, Electron's main process and launcher, the preload, and the
 * inference worker beside the CLI and the main process.
 * Dependencies stay external: native addons (sharp, onnxruntime-node,
 * better-sqlite3) must be loaded from node_modules at run time.
 */
import { chmod } from 'node:fs/promises';
import { build } from 'esbuild';

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
  // The inference worker is its own file beside each bundle that starts it
  // (main/engine/worker-url.ts resolves it relative to import.meta.url).
  build({
    ...nodeBundle,
    entryPoints: { 'cli/engine-worker': 'main/engine/worker.ts' },
    target: 'node20.19',
  }),
  build({
    ...nodeBundle,
    entryPoints: { 'electron/engine-worker': 'main/engine/worker.ts' },
    target: 'node22',
  }),
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
