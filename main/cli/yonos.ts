/** Entry point of the `yonos` bin, bundled to dist/cli/yonos.mjs. */
import { fileURLToPath } from 'node:url';
import { buildProgram } from './program.js';

// The renderer build sits beside the CLI bundle: dist/renderer next to dist/cli.
const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));

await buildProgram({ rendererDir }).parseAsync();
