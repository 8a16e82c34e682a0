// @ts-check
/**
 * Stages what `yonos` needs on a Linux x64 machine without Node or internet,
 * for scripts/gpu-check.sh: package.json, the built CLI (dist/cli, no source
 * maps), one model, the report helper, and the production dependencies from
 * node_modules with only linux-x64 native binaries (onnxruntime-node ships
 * every platform's; better-sqlite3's C sources are not needed to run).
 *
 * Usage: node scripts/gpu-check-pack.mjs <stage-dir> <model-id>
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** JSON.parse, typed as what it is: unknown until asserted. */
const parseJson = /** @type {(text: string) => unknown} */ (JSON.parse);

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const [stage, modelId] = process.argv.slice(2);
if (stage === undefined || modelId === undefined) {
  throw new Error('usage: gpu-check-pack.mjs <stage-dir> <model-id>');
}

/** Paths under a package that a linux-x64 run never loads. */
const skipped = {
  'onnxruntime-node': ['bin/napi-v6/darwin', 'bin/napi-v6/win32', 'bin/napi-v6/linux/arm64'],
  // Only build/Release/better_sqlite3.node runs.
  'better-sqlite3': [
    'deps',
    'src',
    'build/deps',
    'build/Release/obj',
    'build/Release/obj.target',
    'build/Release/.deps',
    'build/Release/sqlite3.a',
    'build/Release/test_extension.node',
  ],
};

await rm(stage, { recursive: true, force: true });
const app = path.join(stage, 'app');
await mkdir(path.join(app, 'dist'), { recursive: true });
await cp(path.join(repoRoot, 'package.json'), path.join(app, 'package.json'));
await cp(path.join(repoRoot, 'dist/cli'), path.join(app, 'dist/cli'), {
  recursive: true,
  filter: (source) => !source.endsWith('.map'),
});
await cp(path.join(repoRoot, 'native-models', modelId), path.join(app, 'native-models', modelId), {
  recursive: true,
});
await cp(
  path.join(repoRoot, 'scripts/gpu-check-report.mjs'),
  path.join(app, 'gpu-check-report.mjs'),
);

/** @typedef {{ dependencies?: Record<string, string>, optionalDependencies?: Record<string, string> }} PackageJson */

const packageJson = await readPackageJson(repoRoot);
const packages = await dependencyClosure(Object.keys(packageJson.dependencies ?? {}), repoRoot);
// node_modules may be a link (a git worktree sharing the main checkout's).
const modulesRoot = realpathSync(path.join(repoRoot, 'node_modules'));
for (const [dir, name] of packages) {
  const target = path.join(app, 'node_modules', path.relative(modulesRoot, dir));
  /** @type {Record<string, string[]>} */
  const skips = skipped;
  const skip = (skips[name] ?? []).map((sub) => path.join(dir, sub));
  await cp(dir, target, {
    recursive: true,
    dereference: true,
    filter: (source) =>
      !skip.some((prefix) => source === prefix || source.startsWith(`${prefix}/`)),
  });
}
console.log(`staged ${packages.size} packages and ${modelId} in ${app}`);

/**
 * The installed packages `names` need, transitively (optional ones only when
 * installed, as on this platform), resolved the way Node does: the nearest
 * node_modules up from the requiring package. Returns real folder → name.
 * @param {string[]} names
 * @param {string} from
 */
async function dependencyClosure(names, from) {
  /** @type {Map<string, string>} */
  const found = new Map();
  /** @type {[string, string][]} */
  const queue = names.map((name) => [name, from]);
  while (queue.length > 0) {
    const [name, requirer] = /** @type {[string, string]} */ (queue.shift());
    const dir = resolvePackage(name, requirer);
    if (dir === null || found.has(dir)) continue;
    found.set(dir, name);
    const manifest = await readPackageJson(dir);
    const needs = { ...manifest.optionalDependencies, ...manifest.dependencies };
    for (const dependency of Object.keys(needs)) queue.push([dependency, dir]);
  }
  return found;
}

/**
 * @param {string} name
 * @param {string} requirer
 */
function resolvePackage(name, requirer) {
  let dir = requirer;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * @param {string} dir
 * @returns {Promise<PackageJson>}
 */
async function readPackageJson(dir) {
  return /** @type {PackageJson} */ (
    parseJson(await readFile(path.join(dir, 'package.json'), 'utf8'))
  );
}
