// @ts-check
/**
 * `npm run gen:integration`: writes the committed desktop-integration files
 * from their TypeScript source of truth — resources/installer.nsh
 * (main/integration/windows-verbs.ts) and the Quick Action templates in
 * resources/macos/ (main/integration/macos-quick-action.ts).
 * test/unit/windows-installer.test.ts and macos-quick-action.test.ts fail when
 * the committed files are out of step.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// Node 20 cannot import .ts: bundle both modules (they use only Node built-ins) and import that.
const bundle = await build({
  stdin: {
    contents: [
      "export * from './main/integration/windows-verbs.ts';",
      "export * from './main/integration/macos-quick-action.ts';",
    ].join('\n'),
    resolveDir: repoRoot,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'warning',
});
const code = bundle.outputFiles[0]?.text ?? '';
/** @type {unknown} */
const integration = await import(
  `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
);
if (!isIntegrationModule(integration)) throw new Error('main/integration renderers not found');

await writeFile(
  path.join(repoRoot, integration.installerNshPath),
  integration.renderInstallerNsh(),
);

// Start from an empty folder so a renamed action leaves no stale bundle behind.
const templatesDir = path.join(repoRoot, integration.quickActionTemplatesDir);
await rm(templatesDir, { recursive: true, force: true });
for (const [file, content] of integration.renderQuickActionTemplates()) {
  const target = path.join(templatesDir, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
}

/**
 * @typedef {typeof import('../main/integration/windows-verbs.js') &
 *   typeof import('../main/integration/macos-quick-action.js')} IntegrationModule
 */

/**
 * @param {unknown} value
 * @returns {value is IntegrationModule}
 */
function isIntegrationModule(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    'renderInstallerNsh' in value &&
    'renderQuickActionTemplates' in value
  );
}
