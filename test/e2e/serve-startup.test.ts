/**
 * `yonos serve` start-up failures, as the built bin prints them: one line
 * that says what to change, exit code 2, and nothing started.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

async function serveFails(args: string[]): Promise<{ code: number; stderr: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-data-'));
  try {
    // The timeout is a safety net for a serve that starts after all, not a speed check.
    await promisify(execFile)(
      process.execPath,
      [packageJson.bin.yonos, 'serve', '--data-dir', dataDir, ...args],
      { timeout: 60_000 },
    );
    throw new Error(`yonos serve ${args.join(' ')} started`);
  } catch (error) {
    const failed = error as { code?: unknown; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stderr: failed.stderr ?? '' };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('yonos serve start-up errors', () => {
  it('says in one line that the port is taken, and exits 2', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      expect(await serveFails(['--port', String(port)])).toEqual({
        code: 2,
        stderr: `Port ${port} on 127.0.0.1 is already in use; choose another --port, or 0 for a free one.\n`,
      });
    } finally {
      taken.close();
    }
  });

  it.each([
    ['0', 'means every interface at once'],
    ['::0', 'means every interface at once'],
    ['0:0:0:0:0:0:0:0', 'means every interface at once'],
    ['nosuch.invalid', 'is neither an address of this machine nor a name that resolves to one.'],
  ])('says in one line that --host %s will not do, and exits 2', async (host, reason) => {
    const { code, stderr } = await serveFails(['--host', host]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^[^\n]+\n$/);
    expect(stderr).toContain(`--host ${host} ${reason}`);
  });
});
