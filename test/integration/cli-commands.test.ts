/** The `yonos library`, `jobs` and `watch` commands, run as the built bin in a child process. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod/mini';
import {
  enqueueResultSchema,
  importReportSchema,
  jobSchema,
  libraryPageSchema,
  queueStatusSchema,
} from '../../common/contract.js';
import packageJson from '../../package.json' with { type: 'json' };
import { writePhoto } from '../support/images.js';
import { fixtureModelsDir, onCleanup, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const bin = path.resolve(packageJson.bin.yonos);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function yonos(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function json(args: string[]): Promise<unknown> {
  const run = await yonos([...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe('yonos library', () => {
  it('imports, lists, pages and searches with --json', async () => {
    const dataDir = await tempDir();
    const photos = await tempDir();
    for (let index = 0; index < 3; index++) {
      await writePhoto(path.join(photos, `shot-${index}.jpg`), { seed: index });
    }
    const report = importReportSchema.parse(
      await json(['library', 'import', photos, '--data-dir', dataDir]),
    );
    expect(report).toMatchObject({ added: 3, failed: [] });

    const pageByName = ['library', 'list', '--sort', 'name', '--order', 'asc', '--limit', '2'];
    const first = libraryPageSchema.parse(await json([...pageByName, '--data-dir', dataDir]));
    expect(first.photos.map((photo) => photo.name)).toEqual(['shot-0.jpg', 'shot-1.jpg']);
    const second = libraryPageSchema.parse(
      await json([...pageByName, '--cursor', first.nextCursor ?? '', '--data-dir', dataDir]),
    );
    expect(second).toMatchObject({ photos: [{ name: 'shot-2.jpg' }], nextCursor: null });
    const found = libraryPageSchema.parse(
      await json(['library', 'list', '--search', 'shot-1', '--data-dir', dataDir]),
    );
    expect(found.photos.map((photo) => photo.name)).toEqual(['shot-1.jpg']);
  });

  it('says in one line what a bad cursor or a missing record is, with usage and failure codes', async () => {
    const dataDir = await tempDir();
    const badCursor = await yonos([
      'library',
      'list',
      '--cursor',
      'garbage',
      '--data-dir',
      dataDir,
    ]);
    expect(badCursor.code).toBe(2);
    expect(badCursor.stderr).toBe(
      'Invalid library cursor: use the nextCursor of a previous page.\n',
    );
    const missingJob = await yonos(['jobs', 'show', '99999', '--data-dir', dataDir]);
    expect(missingJob.code).toBe(1);
    expect(missingJob.stderr).toBe('Job 99999 not found\n');
  });

  it('imports what exists and names each missing path in one line, without a stack trace', async () => {
    const dataDir = await tempDir();
    const photos = await tempDir();
    await writePhoto(path.join(photos, 'good.jpg'));
    const run = await yonos(['library', 'import', photos, '/nonexistent', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      'Added 1, duplicates 0, moved 0, already there 0, failed 1.\n' +
        '  failed: /nonexistent: no such file or folder\n',
    );
    expect(run.stderr).toBe('');
  });

  it('refuses to watch a folder that is not there, in one line', async () => {
    const run = await yonos([
      'watch',
      '/nonexistent',
      '--scale',
      '4',
      '--data-dir',
      await tempDir(),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('/nonexistent: no such file or folder\n');
  });

  it('refuses an unknown placeholder in jobs add --name with the message the UI shows', async () => {
    const dataDir = await tempDir();
    const photo = await writePhoto(path.join(await tempDir(), 'p.jpg'));
    const run = await yonos([
      'jobs',
      'add',
      photo,
      '--scale',
      '4',
      '--name',
      '{name}_{bogus}',
      '--data-dir',
      dataDir,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'Unknown placeholder {bogus} in the name template; use {name} and {scale}.\n',
    );
  });

  it('stops with the way out when the database is damaged, and `recover` takes it', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, 'library.db'), Buffer.alloc(8192, 0x42));
    const refused = await yonos(['library', 'list', '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is damaged');
    expect(refused.stderr).toContain('yonos library recover');

    const recovered = await json(['library', 'recover', '--data-dir', dataDir]);
    expect(recovered).toMatchObject({
      setAside: expect.stringContaining('library.db.damaged-') as unknown,
    });
    expect((await yonos(['library', 'list', '--data-dir', dataDir])).code).toBe(0);
  });
});

describe('yonos jobs', () => {
  it('adds a batch, lists it, and refuses an action without ids or --all', async () => {
    const dataDir = await tempDir();
    const photos = await tempDir();
    await writePhoto(path.join(photos, 'a.jpg'));
    const added = enqueueResultSchema.parse(
      await json(['jobs', 'add', photos, '--scale', '4', '--format', 'png', '--data-dir', dataDir]),
    );
    expect(added.jobIds).toHaveLength(1);
    const jobs = z.array(jobSchema).parse(await json(['jobs', 'list', '--data-dir', dataDir]));
    expect(jobs).toMatchObject([{ state: 'queued', output: path.join(photos, 'a_x4.png') }]);

    const refused = await yonos(['jobs', 'cancel', '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--all');
    expect(await json(['jobs', 'cancel', '--all', '--data-dir', dataDir])).toEqual({ changed: 1 });
    const status = queueStatusSchema.parse(await json(['jobs', 'status', '--data-dir', dataDir]));
    expect(status.counts.cancelled).toBe(1);
  });
});

describe('yonos watch', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'enhances what lands in the folder and exits cleanly on %s',
    async (signal) => {
      const dataDir = await tempDir();
      const folder = await tempDir();
      const out = path.join(folder, 'enhanced');
      const child = spawn(
        process.execPath,
        [
          bin,
          'watch',
          folder,
          '--scale',
          '2',
          '--out',
          out,
          '--json',
          '--data-dir',
          dataDir,
          '--models',
          fixtureModelsDir,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      onCleanup(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await waitFor(() => stdout.includes('"watching"'), 'yonos watch to start', 30_000);

      await writePhoto(path.join(folder, 'landed.jpg'));
      await waitFor(
        () => existsSync(path.join(out, 'landed_x2.jpg')),
        'the upscaled photo',
        30_000,
      );
      await waitFor(() => stdout.includes('"state":"done"'), 'the done event', 30_000);

      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code, stderr).toBe(0);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string });
      expect(lines.at(-1)).toEqual({ type: 'stopped', signal });
      expect(await readdir(out)).toEqual(['landed_x2.jpg']);
    },
    90_000,
  );
});
