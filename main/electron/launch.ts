/**
 * `npm start`: launches the built app in Electron. The `electron` package
 * fetches its binary on first use, outside the npm registry; where that can't
 * happen we say so in one line and point to the browser host instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const unavailableMessage =
  "Electron's binary is not installed and could not be downloaded on this machine; " +
  'run Yonos in your browser instead: npx yonos serve';

const require = createRequire(import.meta.url);
const electronDir = path.dirname(require.resolve('electron/package.json'));

/** Mirrors the electron package's own lookup, without its download side effect. */
function installedElectronBinary(): string | undefined {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : undefined;
}

function ensureElectronBinary(): string | undefined {
  const installed = installedElectronBinary();
  if (installed) return installed;
  // The download's own stack trace is noise to a user; its outcome is all we report.
  spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'ignore' });
  return installedElectronBinary();
}

const electronBinary = ensureElectronBinary();
if (electronBinary === undefined) {
  console.error(unavailableMessage);
  process.exit(1);
}

const mainEntry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.mjs');
const child = spawn(electronBinary, [mainEntry], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
