/**
 * The faithful and detailed looks, through the CLI and the job queue, on the
 * two-look fixture (trainer/scripts/make-look-fixture.sh) and a faithful-only one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { systemInfoSchema, type AppSettings } from '../../common/contract.js';
import { InvalidError } from '../../common/errors.js';
import { createServices } from '../../main/app/services.js';
import type { EvalReport, EvalSweep } from '../../main/engine/eval.js';
import { defaultSettings } from '../../main/library/settings-store.js';
import { jsonLines, runYonos } from '../support/cli.js';
import { rawImage, rawPixels, smoothPhoto, writeTestImage } from '../support/engine.js';
import { writePhoto } from '../support/images.js';
import { fixtureModelsDir, tempApp, tempDir } from '../support/temp.js';

const looksModelsDir = path.resolve('test/fixtures/models-looks');
const twoLooks = 'yonos-tiny-looks-x4';

async function yonos(args: string[], modelsDir = looksModelsDir) {
  const dataDir = await tempDir('yonos-data-');
  return runYonos([...args, '--models', modelsDir, '--device', 'cpu'], {
    YONOS_DATA_DIR: dataDir,
  });
}

/** Upscales `input` ×4 with these look options into `out`; returns the output's pixels. */
async function upscaleWith(input: string, out: string, lookArgs: string[]): Promise<Buffer> {
  const run = await yonos([
    'upscale',
    input,
    '--scale',
    '4',
    '--model',
    twoLooks,
    '--out',
    out,
    '--json',
    ...lookArgs,
  ]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const done = jsonLines(run.stdout).find((event) => event.type === 'done');
  return (await rawPixels(String(done?.output))).data;
}

function meanAbsoluteDifference(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let index = 0; index < a.length; index += 1)
    sum += Math.abs((a[index] ?? 0) - (b[index] ?? 0));
  return sum / a.length;
}

describe('looks', () => {
  it('strength 0 is the faithful output, 1 differs, and ½ lies between', async () => {
    const dir = await tempDir();
    const input = await writeTestImage(
      'photo.png',
      rawImage({ width: 40, height: 32, channels: 3, value: smoothPhoto }),
      dir,
    );
    const output = (name: string) => path.join(dir, name);
    const byDefault = await upscaleWith(input, output('default'), []);
    const faithful = await upscaleWith(input, output('faithful'), ['--look', 'faithful']);
    const zero = await upscaleWith(input, output('zero'), [
      '--look',
      'detailed',
      '--strength',
      '0',
    ]);
    const detailed = await upscaleWith(input, output('detailed'), ['--look', 'detailed']);
    const half = await upscaleWith(input, output('half'), ['--strength', '0.5']);
    expect(byDefault.equals(faithful)).toBe(true);
    expect(zero.equals(faithful)).toBe(true);
    const full = meanAbsoluteDifference(detailed, faithful);
    expect(full).toBeGreaterThan(0);
    expect(meanAbsoluteDifference(half, faithful)).toBeGreaterThan(0);
    expect(meanAbsoluteDifference(half, faithful)).toBeLessThan(full);
  });

  it('a faithful-only model refuses the detailed look in one line, once; bad options exit 2', async () => {
    const dir = await tempDir();
    const photo = () => rawImage({ width: 16, height: 16, channels: 3, value: smoothPhoto });
    const inputs = [
      await writeTestImage('a.png', photo(), dir),
      await writeTestImage('b.png', photo(), dir),
    ];
    const refused = await yonos(
      ['upscale', ...inputs, '--scale', '4', '--look', 'detailed'],
      fixtureModelsDir,
    );
    expect(refused.code).toBe(1);
    const errors = refused.stderr.split('\n').filter((line) => line.includes('no detailed look'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Model yonos-tiny-x4 has no detailed look \(it has: faithful\)\./);

    for (const bad of [
      ['--look', 'faithful', '--strength', '0.5'],
      ['--strength', '1.5'],
      ['--look', 'vivid'],
    ]) {
      const run = await yonos(['upscale', inputs[0] ?? '', '--scale', '4', ...bad]);
      expect(run.code, bad.join(' ')).toBe(2);
    }
  });

  it('queued jobs keep their look and strength and run with them', async () => {
    const app = await tempApp({ modelDirs: [looksModelsDir], pollMs: 50 });
    const services = createServices(app);
    const dir = await tempDir();
    const input = await writeTestImage(
      'p.png',
      rawImage({ width: 24, height: 16, channels: 3, value: smoothPhoto }),
      dir,
    );
    const enqueue = (template: string, look: object) =>
      services.jobsEnqueue({ inputs: [input], scale: 4, modelId: twoLooks, template, ...look });
    const faithful = await enqueue('{name}_faithful', {});
    const detailed = await enqueue('{name}_detailed', { look: 'detailed', strength: 0.75 });
    await expect(enqueue('{name}_bad', { strength: 0.5 })).rejects.toThrow(/detailed look only/);
    await app.runner.runUntilIdle();

    const faithfulJob = await services.jobsGet(faithful.jobIds[0] ?? 0);
    const detailedJob = await services.jobsGet(detailed.jobIds[0] ?? 0);
    expect(detailedJob.settings).toMatchObject({ look: 'detailed', strength: 0.75 });
    expect([faithfulJob.state, detailedJob.state]).toEqual(['done', 'done']);
    const faithfulPixels = (await rawPixels(faithfulJob.output)).data;
    const detailedPixels = (await rawPixels(detailedJob.output)).data;
    expect(meanAbsoluteDifference(faithfulPixels, detailedPixels)).toBeGreaterThan(0);
  });

  it('model cards list each package’s looks', async () => {
    const env = { YONOS_DATA_DIR: await tempDir('yonos-data-') };
    const models = (json: string[]) =>
      runYonos(['models', '--models', looksModelsDir, ...json], env);
    const listed = JSON.parse((await models(['--json'])).stdout) as {
      models: { id: string; looks: string[] }[];
    };
    expect(listed.models.find((model) => model.id === twoLooks)?.looks).toEqual([
      'faithful',
      'detailed',
    ]);
    expect((await models([])).stdout).toMatch(/^ {2}looks: faithful, detailed$/m);
    const app = await tempApp({ modelDirs: [looksModelsDir, fixtureModelsDir] });
    const info = systemInfoSchema.parse(await createServices(app).systemInfo());
    const looksOf = (id: string) => info.models.find((model) => model.id === id)?.looks;
    expect([looksOf(twoLooks), looksOf('yonos-tiny-x4')]).toEqual([
      ['faithful', 'detailed'],
      ['faithful'],
    ]);
  });

  it('yonos eval scores the chosen look and says which', async () => {
    const hrDir = await tempDir();
    await writeTestImage(
      'hr.png',
      rawImage({ width: 64, height: 48, channels: 3, value: smoothPhoto }),
      hrDir,
    );
    const evaluate = async (lookArgs: string[]) => {
      const run = await yonos(['eval', '--hr', hrDir, '--scale', '4', '--json', ...lookArgs]);
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as {
        model: string;
        look: string;
        strength: number | null;
        mean: { model: { psnrY: number } };
      };
    };
    const faithful = await evaluate([]);
    const detailed = await evaluate(['--strength', '0.5']);
    expect(faithful).toMatchObject({ model: twoLooks, look: 'faithful', strength: 0 });
    expect(detailed).toMatchObject({ model: twoLooks, look: 'detailed', strength: 0.5 });
    expect(detailed.mean.model.psnrY).not.toBe(faithful.mean.model.psnrY);
  });

  it('yonos eval --strengths scores each strength on the same LR photos in one table, and --plot draws PSNR-Y against NIQE', async () => {
    const hrDir = await tempDir();
    // 128×104: one 96-px NIQE patch, so the plot has its x axis.
    await writeTestImage(
      'hr.png',
      rawImage({ width: 128, height: 104, channels: 3, value: smoothPhoto }),
      hrDir,
    );
    const outDir = await tempDir();
    const out = path.join(outDir, 'sweep.json');
    const svg = path.join(outDir, 'pd.svg');
    const run = await yonos([
      'eval',
      '--hr',
      hrDir,
      '--scale',
      '4',
      '--strengths',
      '0,0.5,1',
      '--plot',
      svg,
      '--out',
      out,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const sweep = JSON.parse(readFileSync(out, 'utf8')) as EvalSweep;
    expect(sweep.schema).toBe('yonos-eval-sweep/1');
    expect(sweep.reports.map((r) => [r.schema, r.model, r.look, r.strength])).toEqual([
      ['yonos-eval/1', twoLooks, 'detailed', 0],
      ['yonos-eval/1', twoLooks, 'detailed', 0.5],
      ['yonos-eval/1', twoLooks, 'detailed', 1],
    ]);
    const [zero, half, one] = sweep.reports;
    // Strength 0 is the faithful look: the same scores as scoring it alone.
    const faithful = await yonos(['eval', '--hr', hrDir, '--scale', '4', '--json']);
    expect((JSON.parse(faithful.stdout) as EvalReport).mean.model).toEqual(zero?.mean.model);
    expect(new Set(sweep.reports.map((r) => r.mean.model.psnrY)).size).toBe(3);
    // Bicubic and the HR are scored once and shared.
    expect(half?.mean.bicubic).toEqual(zero?.mean.bicubic);
    expect(one?.mean.hr).toEqual(zero?.mean.hr);
    expect(run.stdout).toBe(readFileSync(out.replace(/\.json$/, '.md'), 'utf8'));
    expect(run.stdout).toMatch(/^\| faithful \(strength 0\) \| [\d.]+ \|/m);
    expect(run.stdout).toMatch(/^\| detailed 0\.5 \(strength 0\.5\) \| [\d.]+ \|/m);
    expect(run.stdout).toMatch(/^\| detailed \(strength 1\) \| [\d.]+ \|/m);
    expect(run.stdout).toMatch(/^\| bicubic \| [\d.]+ \|/m);
    const drawing = readFileSync(svg, 'utf8');
    expect(drawing.match(/<circle /g)).toHaveLength(3);
    for (const label of ['faithful', 'detailed 0.5', 'detailed', 'bicubic', 'HR']) {
      expect(drawing).toContain(`>${label}</text>`);
    }
    // The PNG is rendered from the same drawing.
    const png = path.join(outDir, 'pd.png');
    const again = await yonos(['eval', '--hr', hrDir, '--scale', '4', '--plot', png, '--json']);
    expect(again.code).toBe(0);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 640, height: 420 });
  });

  it('yonos eval refuses strengths it cannot score, and a plot without NIQE, in one line', async () => {
    const hrDir = await tempDir();
    await writeTestImage(
      'hr.png',
      rawImage({ width: 64, height: 48, channels: 3, value: smoothPhoto }),
      hrDir,
    );
    const evalArgs = ['eval', '--hr', hrDir, '--scale', '4'];
    const usage: [string[], RegExp][] = [
      [['--strengths', '0,2'], /Strengths are numbers from 0 to 1/],
      [['--strengths', '0,,1'], /Strengths are numbers from 0 to 1/],
      [['--strengths', '0,1', '--strength', '0.5'], /cannot be used with/],
      [['--strengths', '0,1', '--look', 'faithful'], /cannot be used with/],
      [['--plot', 'pd.gif'], /name it \.svg or \.png, not pd\.gif/],
      [['--plot', 'pd.svg', '--no-niqe'], /--plot draws NIQE: it cannot be used with --no-niqe/],
    ];
    for (const [args, message] of usage) {
      const run = await yonos([...evalArgs, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const faithfulOnly = await yonos([...evalArgs, '--strengths', '0,1'], fixtureModelsDir);
    expect(faithfulOnly.code).toBe(1);
    expect(faithfulOnly.stderr).toMatch(
      /^Model yonos-tiny-x4 has no detailed look, so it has no strengths to compare/,
    );
    // 64×48 is below one NIQE patch: nothing to put on the NIQE axis.
    const small = await yonos([...evalArgs, '--plot', path.join(await tempDir(), 'pd.svg')]);
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/The PSNR–NIQE plot needs NIQE scores: photos of at least 96 px/);
  });

  it('yonos jobs add queues the look, and refuses --strength with --look faithful', async () => {
    const dataDir = await tempDir('yonos-data-');
    const input = await writeTestImage(
      'p.png',
      rawImage({ width: 16, height: 16, channels: 3, value: smoothPhoto }),
      await tempDir(),
    );
    const add = (args: string[]) =>
      runYonos(['jobs', 'add', input, '--scale', '4', '--data-dir', dataDir, ...args]);
    expect((await add(['--look', 'faithful', '--strength', '0.5'])).code).toBe(2);
    expect((await add(['--strength', '0.5'])).code).toBe(0);
    const list = await runYonos(['jobs', 'list', '--json', '--data-dir', dataDir]);
    const jobs = JSON.parse(list.stdout) as { settings: object }[];
    expect(jobs.map((job) => job.settings)).toEqual([
      expect.objectContaining({ look: 'detailed', strength: 0.5 }),
    ]);
  });
});

describe('looks in the app', () => {
  it('settings keep the default look and strength, and refuse a strength outside 0–1', async () => {
    const app = await tempApp();
    const services = createServices(app);
    expect(services.settingsGet()).toMatchObject({ look: 'faithful', strength: 1 });
    expect(services.settingsSet({ look: 'detailed', strength: 0.4 })).toMatchObject({
      look: 'detailed',
      strength: 0.4,
    });
    expect(() => app.settings.set({ strength: 1.5 })).toThrow();
    expect(() => app.settings.set({ look: 'vivid' as 'detailed' })).toThrow();
    expect(app.settings.get()).toMatchObject({ look: 'detailed', strength: 0.4 });
    // Settings saved before looks existed read with the default look.
    const older: Partial<AppSettings> = { ...defaultSettings, scale: 2 };
    delete older.look;
    delete older.strength;
    app.db
      .prepare("UPDATE app_state SET value = ? WHERE key = 'settings'")
      .run(JSON.stringify(older));
    expect(app.settings.get()).toMatchObject({ scale: 2, look: 'faithful', strength: 1 });
  });

  it('modelsList gives the cards with their looks, in the order the engine picks from', async () => {
    const app = await tempApp({ modelDirs: [looksModelsDir, fixtureModelsDir] });
    const cards = await createServices(app).modelsList();
    const x4 = cards.filter((card) => card.scale === 4).map((card) => [card.id, card.looks]);
    expect(x4.slice(0, 2)).toEqual([
      [twoLooks, ['faithful', 'detailed']],
      ['yonos-tiny-x4', ['faithful']],
    ]);
  });

  it('previewLooks upscales a region in both looks, and refuses a model without the detailed one', async () => {
    const app = await tempApp({ modelDirs: [looksModelsDir, fixtureModelsDir], threads: 1 });
    const folder = await tempDir();
    await writePhoto(path.join(folder, 'p.jpg'), { width: 64, height: 48 });
    const services = createServices(app);
    const [photoId = 0] = (await services.libraryImport({ paths: [folder] })).photoIds;
    const region = { photoId, x: 8, y: 8, width: 16, height: 16, scale: 4 as const };
    const preview = await services.previewLooks({ ...region, strength: 0.5 });
    expect(preview.strength).toBe(0.5);
    const pixels = async (url: string) => {
      const png = Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64');
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect(info).toMatchObject({ width: 64, height: 64 });
      return data;
    };
    const faithful = await pixels(preview.faithful);
    const detailed = await pixels(preview.detailed);
    expect(meanAbsoluteDifference(faithful, detailed)).toBeGreaterThan(0);
    expect(preview.faithfulMs).toBeGreaterThan(0);
    expect(preview.detailedMs).toBeGreaterThan(0);

    const refused = services.previewLooks({ ...region, modelId: 'yonos-tiny-x4' });
    await expect(refused).rejects.toThrow(InvalidError);
    await expect(refused).rejects.toThrow(
      'Model yonos-tiny-x4 has no detailed look to compare with.',
    );
  });
});
