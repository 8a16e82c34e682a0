import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jsonLines, runYonos } from '../support/cli.js';
import { rawImage, smoothPhoto, writeTestImage } from '../support/engine.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';

const photo = (width = 24, height = 20) =>
  rawImage({ width, height, channels: 3, value: smoothPhoto });

async function yonos(args: string[]) {
  const dataDir = await tempDir('yonos-data-');
  return runYonos([...args, '--models', fixtureModelsDir, '--device', 'cpu'], {
    YONOS_DATA_DIR: dataDir,
  });
}

describe('yonos upscale', () => {
  it('prints JSON Lines events, continues past failed files and exits 1', async () => {
    const dir = await tempDir();
    const good = await writeTestImage('good.png', photo(), dir);
    const alsoGood = await writeTestImage('also.jpg', photo().jpeg(), dir);
    const broken = path.join(dir, 'broken.jpg');
    writeFileSync(broken, 'not a jpeg');
    const missing = path.join(dir, 'missing.png');
    const run = await yonos(['upscale', good, broken, missing, alsoGood, '--scale', '2', '--json']);
    expect(run.code).toBe(1);
    const events = jsonLines(run.stdout);
    const byType = (type: string) => events.filter((event) => event.type === type);
    expect(byType('done')).toEqual([
      {
        type: 'done',
        input: good,
        output: path.join(dir, 'good_x2.png'),
        width: 48,
        height: 40,
        ms: expect.any(Number) as number,
        device: 'cpu',
        model: 'yonos-tiny-x2',
      },
      expect.objectContaining({ input: alsoGood, output: path.join(dir, 'also_x2.jpg') }),
    ]);
    expect(byType('error')).toEqual([
      { type: 'error', input: missing, message: 'no such file or folder' },
      { type: 'error', input: broken, message: 'not an image, or a format Yonos cannot read' },
    ]);
    expect(byType('progress')[0]).toEqual({
      type: 'progress',
      file: good,
      tilesDone: 1,
      tilesTotal: 1,
      elapsedMs: expect.any(Number) as number,
      etaMs: 0,
    });
    expect(events.at(-1)).toMatchObject({
      type: 'summary',
      files: 4,
      done: 2,
      skipped: 0,
      failed: 2,
      interrupted: false,
    });
    expect(readdirSync(dir).sort()).toEqual(
      ['also.jpg', 'also_x2.jpg', 'broken.jpg', 'good.png', 'good_x2.png'].sort(),
    );
  });

  it('mirrors folders into --out, then skips or overwrites existing outputs; exit 0', async () => {
    const root = await tempDir();
    const source = path.join(root, 'trip');
    await writeTestImage('a.png', photo(), source);
    await writeTestImage('day2/b.png', photo(16, 16), source);
    writeFileSync(path.join(source, 'notes.txt'), 'not a photo, not picked up from folders');
    const out = path.join(root, 'out');
    const first = await yonos([
      'upscale',
      source,
      '--recursive',
      '--out',
      out,
      '--scale',
      '4',
      '--format',
      'webp',
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/2 upscaled, 0 skipped, 0 failed/);
    expect(existsSync(path.join(out, 'a_x4.webp'))).toBe(true);
    const nested = path.join(out, 'day2', 'b_x4.webp');
    expect((await sharp(nested).metadata()).width).toBe(64);

    // The same run again, with the short option names.
    const sameTree = [
      'upscale',
      source,
      '-r',
      '--out',
      out,
      '-s',
      '4',
      '--format',
      'webp',
      '--json',
    ];
    const skip = await yonos([...sameTree, '--skip-existing']);
    expect(skip.code).toBe(0);
    expect(jsonLines(skip.stdout).filter((event) => event.type === 'skipped')).toHaveLength(2);

    const again = await yonos(sameTree);
    expect(jsonLines(again.stdout).filter((event) => event.type === 'done')).toEqual([
      expect.objectContaining({ output: path.join(out, 'a_x4 (1).webp') }),
      expect.objectContaining({ output: path.join(out, 'day2', 'b_x4 (1).webp') }),
    ]);
    const overwrite = await yonos([
      'upscale',
      path.join(source, 'a.png'),
      '--out',
      out,
      '-s',
      '4',
      '--format',
      'webp',
      '--overwrite',
      '--json',
    ]);
    expect(jsonLines(overwrite.stdout)[1]).toMatchObject({
      type: 'done',
      output: path.join(out, 'a_x4.webp'),
    });
    expect(readdirSync(path.join(out, 'day2')).sort()).toEqual(['b_x4 (1).webp', 'b_x4.webp']);
  });

  it('exits 2 on usage errors and writes nothing', async () => {
    const dir = await tempDir();
    const input = await writeTestImage('a.png', photo(), dir);
    for (const args of [
      ['upscale', input, '--scale', '3'],
      ['upscale', input, '--tile', 'big'],
      ['upscale', input, '--tile', '8'], // below tileLimits.min, as the contract refuses it
      ['upscale', input, '--name', '{nope}'],
      ['upscale', input, '--skip-existing', '--overwrite'],
      ['upscale', input, '--device', 'tpu'],
    ]) {
      const run = await yonos(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/error|Unknown placeholder/);
    }
    expect(readdirSync(dir)).toEqual(['a.png']);
  });

  it('reports a folder without images as a failure', async () => {
    const empty = await tempDir();
    mkdirSync(path.join(empty, 'sub'));
    const run = await yonos(['upscale', empty, '--json']);
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)[0]).toEqual({
      type: 'error',
      input: empty,
      message: 'no images in this folder',
    });
  });
});

describe('yonos models', () => {
  it('lists the installed models with their cards, and the device they run on', async () => {
    const env = { YONOS_DATA_DIR: await tempDir('yonos-data-') };
    const models = (json: string[]) =>
      runYonos(['models', '--models', fixtureModelsDir, ...json], env);
    const run = await models(['--json']);
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as { models: { id: string; scale: number }[] };
    expect(listed.models.filter((model) => model.id.startsWith('yonos-tiny'))).toEqual([
      expect.objectContaining({ id: 'yonos-tiny-x2', scale: 2, builtIn: false }),
      expect.objectContaining({ id: 'yonos-tiny-x4', scale: 4 }),
      expect.objectContaining({ id: 'yonos-tiny-x8', scale: 8 }),
    ]);
    const { device } = JSON.parse(run.stdout) as { device: { provider: string } };
    expect(device.provider).toMatch(/^(cpu|webgpu|cuda)$/);
    const text = await models([]);
    expect(text.stdout).toMatch(/^yonos-tiny-x4 {2}×4 {2}YONOS tiny ×4 0\.1\.0 \(user\)$/m);
    expect(text.stdout).toMatch(/^Device: (cpu|webgpu|cuda)/m);
  });
});
