import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import packageJson from '../../package.json' with { type: 'json' };

export type ServeProcess = ChildProcessByStdio<null, Readable, Readable>;

/** Starts the built `yonos serve` with these arguments; resolves once it prints its address. */
export async function startServe(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ serve: ServeProcess; url: string }> {
  const serve = spawn(process.execPath, [packageJson.bin.yonos, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  serve.stderr.pipe(process.stderr);
  return { serve, url: await waitForServeUrl(serve) };
}

export async function stopServe(serve: ServeProcess): Promise<void> {
  if (serve.exitCode !== null) return;
  serve.kill('SIGTERM');
  await once(serve, 'exit');
}

/**
 * The address `yonos serve` prints once it listens. Keeps draining stdout
 * afterwards: a closed pipe would kill the host when it logs its exit.
 */
export function waitForServeUrl(child: ServeProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let printed = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      printed += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(printed);
      if (match) resolve(match[0]);
    });
    child.once('exit', () => {
      reject(new Error(`yonos serve exited without printing its URL:\n${printed}`));
    });
  });
}
