/** `yonos models` when a model you trained took a built-in model's id, and `yonos models remove`. */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../main/app/services.js';
import { runYonos } from '../support/cli.js';
import { rawImage, smoothPhoto, writeTestImage } from '../support/engine.js';
import { srGraph, writeGraph } from '../support/graph-models.js';
import { fixtureModelsDir, tempApp, tempDir } from '../support/temp.js';

describe('yonos models', () => {
  it('keeps the built-in model when a trained one took its id, and says why the other is refused', async () => {
    const env = { YONOS_DATA_DIR: await tempDir('yonos-data-') };
    const trained = path.join(await tempDir(), 'models', 'yonos-photo-x4');
    cpSync(path.join(fixtureModelsDir, 'yonos-tiny-x4'), trained, { recursive: true });
    const manifestFile = path.join(trained, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, id: 'yonos-photo-x4' }));

    const run = await runYonos(['models', '--models', path.dirname(trained), '--json'], env);
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as {
      models: { id: string; builtIn: boolean }[];
      problems: { dir: string; message: string }[];
    };
    expect(listed.models.filter((model) => model.id === 'yonos-photo-x4')).toEqual([
      expect.objectContaining({ builtIn: true }),
    ]);
    expect(listed.problems.map((problem) => problem.dir)).toEqual([trained]);
    expect(listed.problems[0]?.message).toMatch(
      /^id "yonos-photo-x4" is the built-in model's .*--name/,
    );

    const text = await runYonos(['models', '--models', path.dirname(trained)], env);
    expect(text.stdout).toContain(
      `Refused ${trained}: id "yonos-photo-x4" is the built-in model's`,
    );
  });
});

describe('yonos models remove', () => {
  it('deletes an added model’s package, never the file it came from; refuses what it must, in one line', async () => {
    const dataDir = await tempDir('yonos-data-');
    const env = { YONOS_DATA_DIR: dataDir };
    const downloads = await tempDir();
    const original = await writeGraph(downloads, 'mine.onnx', srGraph({ scale: 2 }));
    const originalBytes = readFileSync(original);
    expect((await runYonos(['models', 'add', original], env)).code).toBe(0);
    const modelsDir = path.join(dataDir, 'models');
    expect(readdirSync(modelsDir)).toEqual(['mine']);

    const refusals: [string[], RegExp][] = [
      [['nobody'], /^Model "nobody" not found$/],
      [
        ['yonos-photo-x2'],
        /^yonos-photo-x2 is a built-in model; built-in models cannot be removed\.$/,
      ],
    ];
    // A package Yonos did not install: found through --models, kept.
    const elsewhere = path.join(await tempDir(), 'models');
    cpSync(path.join(fixtureModelsDir, 'yonos-tiny-x4'), path.join(elsewhere, 'yonos-tiny-x4'), {
      recursive: true,
    });
    refusals.push([
      ['yonos-tiny-x4', '--models', elsewhere],
      /^yonos-tiny-x4 is in .*, outside Yonos's models folder \(.*\); Yonos removes only the models there\.$/,
    ]);
    // A job in the queue uses it.
    const photo = await writeTestImage(
      'p.png',
      rawImage({ width: 20, height: 12, channels: 3, value: smoothPhoto }),
      downloads,
    );
    expect(
      (await runYonos(['jobs', 'add', photo, '--scale', '2', '--model', 'mine'], env)).code,
    ).toBe(0);
    refusals.push([
      ['mine'],
      /^1 job in the queue uses model mine; cancel it first, or force the removal, which cancels it\.$/,
    ]);
    for (const [args, error] of refusals) {
      const run = await runYonos(['models', 'remove', ...args], env);
      expect(run.code, args[0]).toBe(1);
      expect(run.stderr.trim().split('\n'), args[0]).toHaveLength(1);
      expect(run.stderr.trim(), args[0]).toMatch(error);
    }
    expect(readdirSync(elsewhere)).toEqual(['yonos-tiny-x4']);
    expect(readdirSync(modelsDir)).toEqual(['mine']);

    const forced = await runYonos(['models', 'remove', 'mine', '--force'], env);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe(
      `Removed mine (mine): deleted ${path.join(modelsDir, 'mine')}; cancelled 1 job.\n`,
    );
    // Gone whole, no hidden leftovers; the original file untouched.
    expect(readdirSync(modelsDir)).toEqual([]);
    expect(readFileSync(original).equals(originalBytes)).toBe(true);
    const jobs = JSON.parse((await runYonos(['jobs', 'list', '--json'], env)).stdout) as {
      state: string;
    }[];
    expect(jobs.map((job) => job.state)).toEqual(['cancelled']);
    const listed = await runYonos(['models', '--json'], env);
    const ids = (JSON.parse(listed.stdout) as { models: { id: string }[] }).models.map(
      (model) => model.id,
    );
    expect(ids).not.toContain('mine');

    // Added again, removed with nothing using it: --json says what happened.
    expect((await runYonos(['models', 'add', original], env)).code).toBe(0);
    const json = await runYonos(['models', 'remove', 'mine', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual({
      id: 'mine',
      name: 'mine',
      dir: path.join(modelsDir, 'mine'),
      cancelledJobs: 0,
      pausedWatches: 0,
      defaultReset: false,
    });
  });

  it('forced, pauses the watch folders that use it and makes the default model automatic again', async () => {
    const app = await tempApp();
    const services = createServices(app);
    const dir = await tempDir();
    const card = await services.modelsAdd({
      path: await writeGraph(dir, 'mine.onnx', srGraph({ scale: 2 })),
    });
    expect(card.removable).toBe(true);
    const builtIn = (await services.modelsList()).find((model) => model.builtIn);
    expect(builtIn?.removable).toBe(false);
    await services.settingsSet({ scale: 2, modelId: card.id });
    const watched = path.join(dir, 'incoming');
    mkdirSync(watched);
    const watch = await services.watchAdd({ path: watched, scale: 2, modelId: card.id });

    await expect(services.modelsRemove({ id: card.id })).rejects.toThrow(
      /^1 watch folder uses model mine; remove the watch folder first, or force the removal, which pauses it\.$/,
    );
    expect(await services.modelsRemove({ id: card.id, force: true })).toMatchObject({
      cancelledJobs: 0,
      pausedWatches: 1,
      defaultReset: true,
    });
    expect(await services.settingsGet()).toMatchObject({ modelId: null });
    expect((await services.watchList()).find((folder) => folder.id === watch.id)).toMatchObject({
      paused: true,
    });
    expect((await services.modelsList()).map((model) => model.id)).not.toContain('mine');
  });
});
