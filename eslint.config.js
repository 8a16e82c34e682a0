// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { allowedImports } from './layers.config.js';

const electronOnlyInGlue = {
  message: 'Only main/electron/ may import Electron; keep this module framework-free.',
};

export default defineConfig(
  {
    ignores: ['dist/', 'out/', 'release/', 'test-results/', 'bench-results/', 'trainer/'],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  svelte.configs.recommended,
  prettier,
  svelte.configs.prettier,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: globals.browser },
  },
  ...layerRules(),
);

/** The import rules of every layer (exported for test/unit/layers.test.ts). */
export function layerRules() {
  return Object.keys(allowedImports).map(layerRule);
}

/**
 * One layer's import rule: relative imports of the folders above it are
 * errors, and only main/electron/ may import Electron (the architecture
 * boundary; test/unit/electron-boundary.test.ts enforces it too).
 * @param {string} folder
 * @returns {import('eslint').Linter.Config}
 */
function layerRule(folder) {
  const allowed = new Set([folder, ...(allowedImports[folder] ?? [])]);
  const forbidden = Object.keys(allowedImports).filter((other) => !allowed.has(other));
  const electron = folder === 'main/electron' ? [] : [{ name: 'electron', ...electronOnlyInGlue }];
  const patterns = forbidden.map((other) => ({
    group: [`**/${other.split('/').at(-1) ?? other}/*`],
    message: `${folder}/ may import only ${[...allowed].join(', ')} (layers.config.js, ARCHITECTURE.md).`,
  }));
  if (folder === 'renderer/src') {
    patterns.push({
      group: ['**/common/*'],
      message: 'The renderer imports common/ as `$common/…`.',
    });
  }
  if (folder !== 'main/electron') {
    patterns.push({ group: ['electron/*'], ...electronOnlyInGlue });
  }
  return {
    files: [`${folder}/**/*.{ts,js,svelte}`],
    rules: { 'no-restricted-imports': ['error', { paths: electron, patterns }] },
  };
}
