import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/**
 * The address `yonos serve` prints once it listens. Keeps draining stdout
 * afterwards: a closed pipe would kill the host when it logs its exit.
 */
export function waitForServeUrl(
  child: ChildProcessByStdio<null, Readable, Readable>,
): Promise<string> {
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
