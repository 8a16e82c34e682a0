import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../main/engine/manifest.js';
import { modelSources, pickModel, scanModels } from '../../main/engine/registry.js';
import { srGraph } from '../support/graph-models.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';

const fixtureX4 = path.join(fixtureModelsDir, 'yonos-tiny-x4');
const manifestText = readFileSync(path.join(fixtureX4, 'manifest.json'), 'utf8');

/** A copy of the ×4 fixture with its manifest edited. */
async function brokenModel(edit: (manifest: Record<string, unknown>) => void): Promise<string> {
  const dir = path.join(await tempDir(), 'model');
  cpSync(fixtureX4, dir, { recursive: true });
  const manifest = JSON.parse(manifestText) as Record<string, unknown>;
  edit(manifest);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

function problemsOf(dir: string): string[] {
  const scan = scanModels([{ dir, builtIn: false, required: true }]);
  expect(scan.models).toEqual([]);
  return scan.problems.map((problem) => problem.message);
}

describe('model manifests', () => {
  it('accept the trainer-exported fixtures', () => {
    const manifest = parseManifest(manifestText);
    expect(manifest).toMatchObject({ id: 'yonos-tiny-x4', scale: 4, latent: { factor: 4 } });
  });

  it.each([
    ['format', (m: Record<string, unknown>) => (m.format = 'yonos-model/3'), /format/],
    ['scale', (m: Record<string, unknown>) => (m.scale = 3), /scale/],
    [
      'overlap',
      (m: Record<string, unknown>) => (m.tiling = { tile: 64, overlap: 32, multiple: 4 }),
      /overlap must be less than tile \/ 2/,
    ],
    [
      'tile multiple',
      (m: Record<string, unknown>) => (m.tiling = { tile: 62, overlap: 8, multiple: 4 }),
      /tile must be a multiple of multiple/,
    ],
    [
      'schedule',
      (m: Record<string, unknown>) =>
        (m.schedule = { ...(m.schedule as object), parameterization: 'eps' }),
      /schedule.parameterization/,
    ],
    [
      'file name',
      (m: Record<string, unknown>) =>
        (m.files = { encoder: '../x.onnx', unet: 'unet.onnx', decoder: 'decoder.onnx' }),
      /files.encoder/,
    ],
  ])('name the broken rule: %s', async (_rule, edit, message) => {
    const [problem] = problemsOf(await brokenModel(edit));
    expect(problem).toMatch(message);
  });

  it('refuse tensor names other than the contract’s', async () => {
    const dir = await brokenModel((m) => {
      const tensors = m.tensors as { unet: { outputs: { name: string }[] } };
      const [output] = tensors.unet.outputs;
      if (output !== undefined) output.name = 'eps';
    });
    expect(problemsOf(dir)[0]).toMatch(/tensors.unet has outputs \[eps\], expected \[v\]/);
  });

  it('refuse a package whose ONNX file is missing, or invalid JSON', async () => {
    const dir = await brokenModel(() => undefined);
    rmSync(path.join(dir, 'unet.onnx'));
    expect(problemsOf(dir)[0]).toMatch(/files.unet: unet.onnx is missing or empty/);
    writeFileSync(path.join(dir, 'manifest.json'), '{ nope');
    expect(problemsOf(dir)[0]).toMatch(/manifest.json is not valid JSON/);
  });
});

describe('the model registry', () => {
  it('finds packages in a folder of packages, and a folder that is one package', () => {
    const all = scanModels([{ dir: fixtureModelsDir, builtIn: true, required: true }]);
    expect(all.models.map((model) => [model.id, model.scale, model.builtIn])).toEqual([
      ['yonos-tiny-x2', 2, true],
      ['yonos-tiny-x4', 4, true],
      ['yonos-tiny-x8', 8, true],
    ]);
    const one = scanModels([{ dir: fixtureX4, builtIn: false, required: true }]);
    expect(one.models.map((model) => model.id)).toEqual(['yonos-tiny-x4']);
  });

  it('searches --models folders, then the data folder, then the built-in models', async () => {
    const dataDir = await tempDir();
    const sources = modelSources({
      modelDirs: ['extra'],
      dataDir,
      builtInModelsDir: '/opt/yonos/native-models',
    });
    expect(sources).toEqual([
      { dir: path.resolve('extra'), builtIn: false, required: true },
      { dir: path.join(dataDir, 'models'), builtIn: false, required: false },
      { dir: '/opt/yonos/native-models', builtIn: true, required: false },
    ]);
    expect(scanModels(sources).problems).toEqual([
      { dir: path.resolve('extra'), message: 'folder not found' },
    ]);
  });

  it('keeps the first of two user packages with one id', async () => {
    const copy = path.join(await tempDir(), 'copy');
    cpSync(fixtureX4, copy, { recursive: true });
    const scan = scanModels([
      { dir: fixtureX4, builtIn: false, required: true },
      { dir: copy, builtIn: false, required: true },
    ]);
    expect(scan.models.map((model) => model.dir)).toEqual([fixtureX4]);
    expect(scan.problems).toEqual([
      { dir: copy, message: `id "yonos-tiny-x4" is already taken by ${fixtureX4}` },
    ]);
  });

  it('never lets a user package shadow a built-in: the built-in stays, the user one is refused', () => {
    const sources = [
      { dir: fixtureX4, builtIn: false, required: true },
      { dir: fixtureModelsDir, builtIn: true, required: true },
    ];
    const scan = scanModels(sources);
    expect(scan.models.map((model) => [model.id, model.builtIn])).toEqual([
      ['yonos-tiny-x2', true],
      ['yonos-tiny-x4', true],
      ['yonos-tiny-x8', true],
    ]);
    expect(scan.problems).toEqual([
      {
        dir: fixtureX4,
        message:
          'id "yonos-tiny-x4" is the built-in model\'s (' +
          path.join(fixtureModelsDir, 'yonos-tiny-x4') +
          '); a model you train needs its own id: export it with `yonos-train pipeline --name …`',
      },
    ]);
  });

  it('picks by scale or id, with errors that say where it looked', async () => {
    const empty = await tempDir();
    const sources = [
      { dir: empty, builtIn: true, required: false },
      { dir: path.join(fixtureModelsDir, 'yonos-tiny-x2'), builtIn: false, required: true },
    ];
    const scan = scanModels(sources);
    expect(pickModel(scan, sources, 2).id).toBe('yonos-tiny-x2');
    expect(() => pickModel(scan, sources, 4)).toThrow(
      `No ×4 model installed (looked in ${empty}, ${path.join(fixtureModelsDir, 'yonos-tiny-x2')}).`,
    );
    expect(() => pickModel(scan, sources, 4, 'yonos-tiny-x2')).toThrow(/upscales ×2, not ×4/);
    expect(() => pickModel(scan, sources, 2, 'nope')).toThrow(
      /Model "nope" not found \(installed: yonos-tiny-x2\)/,
    );
  });

  it('loads single-graph packages beside YONOS ones, and picks a YONOS one by default', async () => {
    const userDir = await tempDir();
    const graph = (id: string, manifest: Record<string, unknown> = {}): void => {
      const dir = path.join(userDir, id);
      cpSync(fixtureX4, dir, { recursive: true, filter: (source) => !source.endsWith('.onnx') });
      writeFileSync(path.join(dir, 'model.onnx'), srGraph({ scale: 2 }));
      const base = {
        format: 'yonos-graph/1',
        id,
        name: id,
        version: 'sha256-0',
        scale: 2,
        file: 'model.onnx',
        input: { name: 'x', shape: ['N', 3, 'H', 'W'] },
        output: { name: 'y', shape: ['N', 3, 'H*2', 'W*2'] },
        range: 1,
        opset: 13,
        tiling: { tile: 128, overlap: 16, multiple: 1 },
      };
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...base, ...manifest }));
    };
    graph('mine');
    graph('bad-range', { range: 7 });
    graph('no-file', { file: 'gone.onnx' });
    graph('bad-type', { output: { name: 'y', shape: ['N', 3, 'H*2', 'W*2'], type: 'int8' } });
    graph('half', {
      input: { name: 'x', shape: ['N', 3, 'H', 'W'], type: 'float16' },
      output: { name: 'y', shape: ['N', 3, 'H*2', 'W*2'], type: 'float16' },
    });
    graph('.being-added.1.tmp');
    const sources = [
      { dir: userDir, builtIn: false, required: true },
      { dir: fixtureModelsDir, builtIn: true, required: true },
    ];
    const scan = scanModels(sources);
    expect(scan.models.map((model) => model.id)).toEqual(expect.arrayContaining(['mine', 'half']));
    expect(scan.problems.map((problem) => [path.basename(problem.dir), problem.message])).toEqual([
      ['bad-range', expect.stringMatching(/breaks the yonos-graph\/1 contract: range/)],
      ['bad-type', expect.stringMatching(/breaks the yonos-graph\/1 contract: output\.type/)],
      ['no-file', 'file: gone.onnx is missing or empty'],
    ]);
    expect(pickModel(scan, sources, 2).id).toBe('yonos-tiny-x2');
    expect(pickModel(scan, sources, 2, 'mine').manifest).toMatchObject({
      format: 'yonos-graph/1',
      looks: ['faithful'],
      // Packages added before float16 graphs were taken say no type: float32.
      input: { type: 'float32' },
      output: { type: 'float32' },
    });
    expect(pickModel(scan, sources, 2, 'half').manifest).toMatchObject({
      input: { type: 'float16' },
      output: { type: 'float16' },
    });
  });
});
