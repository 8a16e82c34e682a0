/**
 * `yonos upscale` must never lose a file: it does not overwrite what it did not
 * write, does not feed on its own outputs, leaves no temp file behind a crash,
 * says in one line why a write failed, and ends its JSON stream on SIGTERM.
 * Real files, the real bin in a child process, real signals and real mounts.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jsonLines, runYonos, startYonos } from '../support/cli.js';
import { rawImage, smoothPhoto, writeTestImage } from '../support/engine.js';
import { writePhoto } from '../support/images.js';
import { fixtureModelsDir, onCleanup, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const photo = (width = 24, height = 20) =>
  rawImage({ width, height, channels: 3, value: smoothPhoto });

const engineArgs = ['--models', fixtureModelsDir, '--device', 'cpu'];

async function yonos(args: string[], wrapper: string[] = []) {
  const dataDir = await tempDir('yonos-data-');
  chmodSync(dataDir, 0o777);
  return runYonos([...args, ...engineArgs], { YONOS_DATA_DIR: dataDir }, wrapper);
}

async function start(args: string[]) {
  const run = await startYonos([...args, ...engineArgs], {
    YONOS_DATA_DIR: await tempDir('yonos-data-'),
  });
  onCleanup(() => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  });
  return run;
}

const events = (stdout: string, type: string) =>
  jsonLines(stdout).filter((event) => event.type === type);

const tempFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.part'));

/** Whether this machine lets a test mount a tiny tmpfs in its own namespace (a real full disk). */
const canMountTmpfs =
  spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=4k probe "$(mktemp -d)"'])
    .status === 0;

/** Root ignores permission bits; it then runs yonos as nobody to meet a read-only folder. */
const unprivileged =
  process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
const canDropPrivileges =
  unprivileged.length === 0 || spawnSync('setpriv', [...unprivileged, 'true']).status === 0;

describe('--overwrite', () => {
  it('never overwrites an input of the same run, and says so', async () => {
    const dir = await tempDir();
    const original = await writeTestImage('p.jpg', photo().jpeg(), dir);
    const usersOwn = await writeTestImage('p_x4.jpg', photo(20, 16).jpeg(), dir);
    const before = readFileSync(usersOwn);

    const run = await yonos(['upscale', '--overwrite', original, usersOwn, '--json']);

    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(usersOwn).equals(before)).toBe(true);
    expect(events(run.stdout, 'kept')).toEqual([
      { type: 'kept', input: original, path: usersOwn, reason: 'an input of this run' },
    ]);
    expect(events(run.stdout, 'done').map((event) => event.output)).toEqual([
      path.join(dir, 'p_x4 (1).jpg'),
      path.join(dir, 'p_x4_x4.jpg'),
    ]);
  });

  it('replaces only files Yonos wrote; anyone else’s file is kept', async () => {
    const dir = await tempDir();
    const input = await writeTestImage('q.jpg', photo().jpeg(), dir);
    const ours = path.join(dir, 'q_x2.jpg');
    expect((await yonos(['upscale', input, '--scale', '2'])).code).toBe(0);
    const replaced = await yonos(['upscale', input, '--scale', '2', '--overwrite', '--json']);
    expect(events(replaced.stdout, 'kept')).toEqual([]);
    expect(events(replaced.stdout, 'done')).toMatchObject([{ output: ours }]);

    const theirs = await writeTestImage('q_x4.jpg', photo(20, 16).jpeg(), dir);
    const before = readFileSync(theirs);
    const run = await yonos(['upscale', input, '--overwrite', '--json']);
    expect(readFileSync(theirs).equals(before)).toBe(true);
    expect(events(run.stdout, 'kept')).toEqual([
      { type: 'kept', input, path: theirs, reason: 'not written by Yonos' },
    ]);
    expect(events(run.stdout, 'done')).toMatchObject([{ output: path.join(dir, 'q_x4 (1).jpg') }]);

    const human = await yonos(['upscale', input, '--overwrite']);
    expect(human.stdout).toContain(`${input}: kept ${theirs} (not written by Yonos)`);
  });
});

describe('photos of one run that want the same output name', () => {
  it('get distinct names although they overlap; --overwrite keeps the earlier one (a numbered name never overwrites)', async () => {
    const dir = await tempDir();
    const jpeg = await writeTestImage('r.jpg', photo().jpeg(), dir);
    const png = await writeTestImage('r.png', photo(20, 16).png(), dir);

    const run = await yonos(['upscale', jpeg, png, '--format', 'png', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(events(run.stdout, 'done').map((event) => event.output)).toEqual([
      path.join(dir, 'r_x4.png'),
      path.join(dir, 'r_x4 (1).png'),
    ]);

    const again = await yonos(['upscale', jpeg, png, '--format', 'png', '--overwrite', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(events(again.stdout, 'kept')).toEqual([
      {
        type: 'kept',
        input: png,
        path: path.join(dir, 'r_x4.png'),
        reason: 'written earlier in this run',
      },
    ]);
    expect(events(again.stdout, 'done').map((event) => event.output)).toEqual([
      path.join(dir, 'r_x4.png'),
      path.join(dir, 'r_x4 (2).png'),
    ]);
  });
});

describe('own outputs', () => {
  it('skips them in folder scans, so a re-run does not upscale its own results', async () => {
    const dir = await tempDir();
    await writeTestImage('good.jpg', photo().jpeg(), dir);
    expect((await yonos(['upscale', dir, '--json'])).code).toBe(0);

    const again = await yonos(['upscale', dir, '--json']);

    expect(again.code, again.stderr).toBe(0);
    expect(events(again.stdout, 'skipped')).toEqual([
      { type: 'skipped', input: path.join(dir, 'good_x4.jpg'), reason: 'a Yonos output' },
    ]);
    expect(events(again.stdout, 'summary')).toMatchObject([{ files: 2, done: 1, skipped: 1 }]);
    expect(readdirSync(dir).sort()).toEqual(['good.jpg', 'good_x4 (1).jpg', 'good_x4.jpg']);

    // Named explicitly, an output is upscaled again: that is what was asked.
    const named = await yonos(['upscale', path.join(dir, 'good_x4.jpg'), '--scale', '2']);
    expect(named.code, named.stderr).toBe(0);
    expect(readdirSync(dir)).toContain('good_x4_x2.jpg');
  });

  it('marks outputs in their XMP and keeps the photo’s own XMP', async () => {
    const dir = await tempDir();
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
      '<dc:creator>Ada Lovelace</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>';
    const input = await writeTestImage('tagged.png', photo().withXmp(xmp).png(), dir);
    const run = await yonos(['upscale', input, '--scale', '2', '--format', 'tiff']);
    expect(run.code, run.stderr).toBe(0);
    const written = (await sharp(path.join(dir, 'tagged_x2.tiff')).metadata()).xmpAsString ?? '';
    expect(written).toContain('Ada Lovelace');
    expect(written).toMatch(/yonos:Model="yonos-tiny-x2"/);
    expect(written).toMatch(/yonos:Scale="2"/);
  });
});

describe('a crash mid-job', () => {
  it('leaves a temp file that the next run removes (kill -9 of the real process)', async () => {
    const dir = await tempDir();
    const input = await writeTestImage('big.png', photo(200, 150), dir);
    const run = await start(['upscale', input, '--tile', '32', '--json']);
    await waitFor(() => tempFiles(dir).length > 0, 'the temp file of the output', 60_000);
    run.child.kill('SIGKILL');
    await run.exited;
    const [stale] = tempFiles(dir);
    expect(stale).toMatch(/^\.big_x4\.png\..+\.part$/);

    // A temp file of a live process (this test's) in the same folder is left alone.
    const live = `.other_x4.png.${String(process.pid)}.0b6c0b6c-0b6c-4b6c-8b6c-0b6c0b6c0b6c.part`;
    writeFileSync(path.join(dir, live), '');

    const next = await yonos(['upscale', await writeTestImage('small.png', photo(), dir)]);
    expect(next.code, next.stderr).toBe(0);
    expect(tempFiles(dir)).toEqual([live]);
  });
});

describe('write failures', () => {
  it.skipIf(!canDropPrivileges)(
    'a read-only folder fails in one line before any inference',
    async () => {
      const dir = await tempDir();
      chmodSync(dir, 0o755);
      const input = await writeTestImage('a.png', photo(), dir);
      chmodSync(input, 0o644);
      const readOnly = path.join(dir, 'read-only');
      mkdirSync(readOnly);
      chmodSync(readOnly, 0o555);
      const output = path.join(readOnly, 'a_x2.png');

      const json = await yonos(
        ['upscale', input, '--scale', '2', '--out', readOnly, '--json'],
        unprivileged,
      );
      expect(json.code).toBe(1);
      expect(events(json.stdout, 'progress')).toEqual([]);
      expect(events(json.stdout, 'error')).toEqual([
        { type: 'error', input, message: `cannot write ${output}: permission denied` },
      ]);

      const human = await yonos(
        ['upscale', input, '--scale', '2', '--out', readOnly],
        unprivileged,
      );
      expect(human.stderr).toBe(`${input}: cannot write ${output}: permission denied\n`);
    },
  );

  it.skipIf(!canMountTmpfs)('a full disk fails in one line and leaves nothing behind', async () => {
    const dir = await tempDir();
    const input = await writePhoto(path.join(dir, 'noisy.jpg'), { width: 96, height: 64 });
    const full = path.join(dir, 'full');
    mkdirSync(full);
    // A private mount namespace with an 8 KiB tmpfs on `full`; `ls` then shows what is left in it.
    const onFullDisk = [
      'unshare',
      '-rm',
      'sh',
      '-c',
      'mount -t tmpfs -o size=8k full "$0" || exit 99; "$@"; code=$?; ls -A "$0" >&2; exit $code',
      full,
    ];

    const run = await yonos(
      ['upscale', input, '--scale', '2', '--format', 'png', '--out', full],
      onFullDisk,
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `${input}: cannot write ${path.join(full, 'noisy_x2.png')}: disk full\n`,
    );
  });
});

describe('SIGTERM', () => {
  it('ends the --json stream with one summary line and exits 143', async () => {
    const dir = await tempDir();
    for (const name of ['a', 'b', 'c']) await writeTestImage(`${name}.png`, photo(160, 120), dir);
    const run = await start(['upscale', dir, '--tile', '32', '--json']);
    await waitFor(() => run.stdout().includes('"progress"'), 'the first tile', 60_000);

    run.child.kill('SIGTERM');
    const { code, stdout } = await run.exited;

    expect(code).toBe(143);
    const lines = jsonLines(stdout);
    expect(lines.filter((line) => line.type === 'summary')).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', files: 3, interrupted: true });
    expect(events(stdout, 'done').length).toBeLessThan(3);
    const written = readdirSync(dir).filter(
      (name) => name.includes('_x4') || name.endsWith('.part'),
    );
    expect(written.sort()).toEqual(
      events(stdout, 'done')
        .map((event) => path.basename(String(event.output)))
        .sort(),
    );
  });
});
