/**
 * The house's layers (layers.config.js): every import between folders goes
 * downwards, no folders import each other in a loop, and eslint reports an
 * import that breaks the order.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { layerRules } from '../../eslint.config.js';
import { allowedImports } from '../../layers.config.js';

const root = path.resolve(import.meta.dirname, '../..');
const layers = Object.keys(allowedImports);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|svelte)$/.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.endsWith('.test.ts'));
}

/** The layer a file belongs to: the longest folder of layers.config.js that holds it. */
function layerOf(file: string): string | undefined {
  return layers
    .filter((layer) => file.startsWith(`${layer}/`))
    .sort((a, b) => b.length - a.length)[0];
}

/** Folder → the folders its files import, from the import statements themselves. */
function folderImports(): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  const importPattern = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;
  for (const file of ['common', 'main', 'renderer/src'].flatMap(sourceFiles)) {
    const from = layerOf(file);
    for (const [, specifier = ''] of readFileSync(path.join(root, file), 'utf8').matchAll(
      importPattern,
    )) {
      const target = specifier.startsWith('$common/')
        ? `common/${specifier.slice('$common/'.length)}`
        : specifier.startsWith('.')
          ? path.join(path.dirname(file), specifier)
          : null;
      const to = target === null ? undefined : layerOf(target);
      if (from === undefined || to === undefined || from === to) continue;
      const targets = edges.get(from) ?? new Map<string, string>();
      targets.set(to, `${file} imports ${specifier}`);
      edges.set(from, targets);
    }
  }
  return edges;
}

describe('the layers', () => {
  it('place every source folder', () => {
    const folders = new Set(
      ['main', 'renderer/src'].flatMap(sourceFiles).map((file) => layerOf(file) ?? file),
    );
    expect([...folders].filter((folder) => !layers.includes(folder))).toEqual([]);
  });

  it('import only downwards', () => {
    const violations = [...folderImports()].flatMap(([from, targets]) =>
      [...targets]
        .filter(([to]) => !(allowedImports[from] ?? []).includes(to))
        .map(([, example]) => example),
    );
    expect(violations).toEqual([]);
  });

  it('have no folders that import each other in a loop', () => {
    const edges = folderImports();
    const loops: string[] = [];
    const visit = (folder: string, trail: string[]): void => {
      if (trail.includes(folder)) {
        loops.push([...trail.slice(trail.indexOf(folder)), folder].join(' → '));
        return;
      }
      for (const next of edges.get(folder)?.keys() ?? []) visit(next, [...trail, folder]);
    };
    for (const folder of layers) visit(folder, []);
    expect(loops).toEqual([]);
  });

  it('keep SQL inside main/library, main/jobs and main/watch', () => {
    const sqlHomes = ['main/library/', 'main/jobs/', 'main/watch/'];
    const outside = ['common', 'main']
      .flatMap(sourceFiles)
      .filter((file) => !sqlHomes.some((home) => file.startsWith(home)))
      .filter((file) =>
        /\.prepare\(|\bdb\.exec\(/.test(readFileSync(path.join(root, file), 'utf8')),
      );
    expect(outside).toEqual([]);
  });

  it('are the ones ARCHITECTURE.md describes', () => {
    const map = readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8');
    expect(layers.filter((layer) => !map.includes(`| \`${layer}/\``))).toEqual([]);
  });

  it('are enforced by eslint: an engine module importing the library is an error', async () => {
    const eslint = new ESLint({
      cwd: root,
      overrideConfigFile: true,
      baseConfig: [{ languageOptions: { parser: tseslint.parser } }, ...layerRules()],
    });
    const lint = async (filePath: string, code: string): Promise<string[]> => {
      const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
      return (result?.messages ?? []).map(
        (message) => `${String(message.ruleId)}: ${message.message}`,
      );
    };
    expect(
      await lint('main/engine/probe.ts', "import { Library } from '../library/library.js';\n"),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*main\/engine\/ may import only/)]);
    expect(await lint('renderer/src/probe.ts', "import '../../main/app/app.js';\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*renderer\/src\/ may import only/),
    ]);
    expect(await lint('main/library/probe.ts', "import '../engine/index.js';\n")).toEqual([]);
  });
});
