import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// The renderer is one build for two hosts: the Electron window (file://) and
// `yonos serve` (http://127.0.0.1), hence relative asset URLs.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte({ configFile: false })],
  // The renderer's one way into shared code: the browser-safe common/ (eslint forbids the rest).
  resolve: { alias: { $common: fileURLToPath(new URL('./common', import.meta.url)) } },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
  },
});
