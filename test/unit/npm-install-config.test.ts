/**
 * Installing needs nothing but the npm registry: onnxruntime-node's install
 * script (which fetches CUDA libraries from NuGet on Linux x64) must not run,
 * and the way we stop it must not make npm warn on every `npm`/`npx` command.
 * Real npm processes, offline.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
/** A network namespace without network: the download cannot happen, whatever the machine. */
const canIsolateNetwork = spawnSync('unshare', ['-rn', 'true']).status === 0;
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--offline'], { cwd, env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } });

/** A project with our `allowScripts` and two installed registry packages whose postinstall leaves a file. */
async function projectWithInstallScripts(names: string[]): Promise<string> {
  const dir = await tempDir();
  const version = (name: string): string =>
    packageJson.dependencies[name as keyof typeof packageJson.dependencies].replace(/^\^/, '');
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'probe',
      version: '1.0.0',
      private: true,
      dependencies: Object.fromEntries(names.map((name) => [name, version(name)])),
      allowScripts: packageJson.allowScripts,
    }),
  );
  const lockEntries: Record<string, unknown> = {};
  for (const name of names) {
    await mkdir(path.join(dir, 'node_modules', name), { recursive: true });
    const postinstall = `node -e "require('fs').writeFileSync('../../ran-${name}', '')"`;
    await writeFile(
      path.join(dir, 'node_modules', name, 'package.json'),
      JSON.stringify({ name, version: version(name), scripts: { postinstall } }),
    );
    // npm matches allowScripts entries only against packages that came from the registry.
    lockEntries[`node_modules/${name}`] = {
      version: version(name),
      resolved: `https://registry.npmjs.org/${name}/-/${name}-${version(name)}.tgz`,
      hasInstallScript: true,
    };
  }
  await writeFile(
    path.join(dir, 'node_modules', '.package-lock.json'),
    JSON.stringify({ name: 'probe', lockfileVersion: 3, packages: lockEntries }),
  );
  return dir;
}

// npm takes seconds to start on a loaded machine: a safety net, not a speed check.
describe('npm install configuration', { timeout: 60_000 }, () => {
  it('npm runs without warnings in the project', async () => {
    const { stderr } = await npm(['pkg', 'get', 'name'], process.cwd());
    expect(stderr).toBe('');
  });

  it('npm never runs onnxruntime-node’s install script, and still runs the others', async () => {
    const dir = await projectWithInstallScripts(['onnxruntime-node', 'better-sqlite3']);
    await npm(['rebuild', '--foreground-scripts'], dir);
    expect(existsSync(path.join(dir, 'ran-onnxruntime-node'))).toBe(false);
    expect(existsSync(path.join(dir, 'ran-better-sqlite3'))).toBe(true);
  });

  // onnxruntime-node 1.30 ignores `=cuda12` when run as our own script (it takes that for a
  // local install of its own repo); only the bare flag forces the platform's CUDA download.
  it.skipIf(!canIsolateNetwork)(
    '`npm run gpu:cuda` really starts the CUDA download (here cut off from the network)',
    async () => {
      const attempt = await run('unshare', ['-rn', 'npm', 'run', 'gpu:cuda']).catch(
        (error: unknown) => error as { code: number; stderr: string },
      );
      expect('code' in attempt ? attempt.code : 0).toBe(1);
      expect(attempt.stderr).toContain('api.nuget.org');
    },
  );
});
