/**
 * Architecture rule: only main/electron/ may import Electron, so the engine,
 * library, CLI and web host run under plain Node. ESLint's no-restricted-imports
 * guards static imports; this scan also catches require() and dynamic import().
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const glueDir = path.join(repoRoot, 'main', 'electron');
const scannedRoots = ['main', 'renderer', 'test'];
const sourceExtensions = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.svelte']);

const electronImport =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s*)(['"`])electron(?:\/[^'"`]*)?\1/m;

function importsElectron(source: string): boolean {
  return electronImport.test(source);
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && sourceExtensions.has(path.extname(entry.name)))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

// Built from parts so this file does not itself look like an Electron import.
const quoted = (specifier: string): string => `'${specifier}'`;
const electron = quoted('electron');

describe('the Electron import scanner', () => {
  it.each([
    `import { app } from ${electron};`,
    `import type { App } from ${electron};`,
    `export * from ${quoted('electron/main')};`,
    `const { ipcMain } = require(${electron});`,
    `const module = await import(${electron});`,
    `import ${electron};`,
  ])('flags %s', (source) => {
    expect(importsElectron(source)).toBe(true);
  });

  it.each([
    `import { build } from ${quoted('electron-builder')};`,
    `const name = ${electron};`,
    '// electron is only imported by the glue',
  ])('ignores %s', (source) => {
    expect(importsElectron(source)).toBe(false);
  });
});

describe('the Electron boundary', () => {
  it('keeps every Electron import inside main/electron/', async () => {
    const files = (
      await Promise.all(scannedRoots.map((root) => sourceFiles(path.join(repoRoot, root))))
    ).flat();
    const outsideGlue = files.filter((file) => !file.startsWith(glueDir + path.sep));
    const offenders: string[] = [];
    for (const file of outsideGlue) {
      if (importsElectron(await readFile(file, 'utf8'))) {
        offenders.push(path.relative(repoRoot, file));
      }
    }

    // The scan must see the tree, or it would pass vacuously.
    expect(outsideGlue.length).toBeGreaterThan(10);
    expect(files.length).toBeGreaterThan(outsideGlue.length);
    expect(offenders).toEqual([]);
  });
});
