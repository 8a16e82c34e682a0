/**
 * The real `yonos` binary for tests: bundled from the sources by esbuild, as
 * `npm run build` does, into a folder under node_modules/.cache (so its bare
 * imports resolve), and run as a child process with real exit codes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { bundledEntries } from '../../main/engine/worker-url.js';

let bundled: Promise<string> | undefined;

/** Bundles once per test process into a folder named by the content, so reruns reuse it. */
function bundleCli(): Promise<string> {
  bundled ??= (async () => {
    const result = await build({
      entryPoints: {
        yonos: 'main/cli/yonos.ts',
        ...Object.fromEntries(
          Object.entries(bundledEntries).map(([name, source]) => [name, `main/engine/${source}`]),
        ),
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      target: 'node20.19',
      outdir: 'bundle',
      outExtension: { '.js': '.mjs' },
      write: false,
      logLevel: 'silent',
    });
    const hash = createHash('sha256');
    for (const file of result.outputFiles) hash.update(file.path).update(file.contents);
    const dir = path.resolve(`node_modules/.cache/yonos/cli-${hash.digest('hex').slice(0, 16)}`);
    if (!existsSync(dir)) {
      const temp = `${dir}.${String(process.pid)}.tmp`;
      await mkdir(temp, { recursive: true });
      for (const file of result.outputFiles) {
        await writeFile(path.join(temp, path.basename(file.path)), file.contents);
      }
      await rename(temp, dir).catch(() => rm(temp, { recursive: true, force: true }));
    }
    return path.join(dir, 'yonos.mjs');
  })();
  return bundled;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once the process has exited (and been reaped). */
  exited: Promise<CliRun>;
}

/**
 * Starts the real `yonos` as a child process. `wrapper` runs it under another
 * command (e.g. `setpriv …` or `unshare …`), which gets node and its arguments last.
 */
export async function startYonos(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  wrapper: string[] = [],
): Promise<CliProcess> {
  const bin = await bundleCli();
  const command = [...wrapper, process.execPath, bin, ...args];
  const child = spawn(command[0] ?? process.execPath, command.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export async function runYonos(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  wrapper: string[] = [],
): Promise<CliRun> {
  return (await startYonos(args, env, wrapper)).exited;
}

/** The JSON Lines of a `--json` run. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
