/** Entry point of the `yonos` bin, bundled to dist/cli/yonos.mjs. */
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';

// The renderer build sits beside the CLI bundle: dist/renderer next to dist/cli.
const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));

try {
  await buildProgram({ rendererDir }).parseAsync();
} catch (error) {
  // Commander has printed the message; exit with its code (2 for usage errors).
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode;
}
