/**
 * `npm run bench:cluster` (scripts/bench-cluster.mjs) on its smallest batch:
 * a real redis-server and one real worker; the report's shape, not its speed.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';

describe('the cluster benchmark', () => {
  it('reports output MP/s, transfer MB/s and Redis commands per job with the CPU count, and leaves nothing behind', async () => {
    const out = path.join(await tempDir('yonos-cluster-bench-out-'), 'cluster.json');
    // Its own temp root, to see that the bench's folder (Redis's data, the photos) is removed.
    const tmp = await tempDir('yonos-cluster-bench-tmp-');
    await promisify(execFile)(
      process.execPath,
      [
        'scripts/bench-cluster.mjs',
        '--photos',
        '2',
        '--size',
        '48x40',
        '--workers',
        '1',
        '--out',
        out,
      ],
      { env: { ...process.env, TMPDIR: tmp } },
    );

    const report = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({
      schema: 'yonos-cluster-bench/1',
      machine: { cpus: expect.any(Number) as number },
      batch: { photos: 2, width: 48, height: 40, scale: 2 },
    });
    expect(report.results).toEqual([
      {
        workers: 1,
        seconds: expect.any(Number) as number,
        wallSeconds: expect.any(Number) as number,
        outputMegapixels: (2 * 96 * 80) / 1e6,
        outputMegapixelsPerSecond: expect.any(Number) as number,
        transferMegabytes: expect.any(Number) as number,
        transferMegabytesPerSecond: expect.any(Number) as number,
        redisCommandsPerJob: expect.any(Number) as number,
      },
    ]);
    const markdown = await readFile(out.replace(/\.json$/, '.md'), 'utf8');
    expect(markdown).toContain('| workers | batch s | command s | output MP/s |');
    // (Other libraries leave their own logs there; the bench's folder must be gone.)
    expect((await readdir(tmp)).filter((name) => name.startsWith('yonos-'))).toEqual([]);
  });
});
