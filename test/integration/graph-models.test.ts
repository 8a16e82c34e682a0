/**
 * Single-graph ONNX models (`yonos-graph/1`): `yonos models add` probes and
 * installs graphs the test writes itself, the CLI and the queue upscale with
 * them exactly as the graph computes, and crafted bad files are each refused
 * in one line while the process that asked keeps running.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ModelCard } from '../../common/contract.js';
import { addGraphModel } from '../../main/engine/model-add.js';
import type { UpscaleProgress } from '../../main/engine/index.js';
import { createServices } from '../../main/app/services.js';
import { jsonLines, runYonos } from '../support/cli.js';
import { rawImage, rawPixels, smoothPhoto, testEngine, writeTestImage } from '../support/engine.js';
import {
  badGraphs,
  expectedSample,
  srGraph,
  writeGraph,
  type SrGraphSpec,
} from '../support/graph-models.js';
import { tempApp, tempDir } from '../support/temp.js';

interface GraphCase {
  file: string;
  spec: SrGraphSpec;
  args: string[];
}

const cases: GraphCase[] = [
  { file: 'Nearest x2.onnx', spec: { scale: 2 }, args: [] },
  { file: 'nearest-x4-255.onnx', spec: { scale: 4, range: 255 }, args: ['--range', '255'] },
  { file: 'fixed-32-x2.onnx', spec: { scale: 2, input: [1, 3, 32, 32] }, args: ['--scale', '2'] },
  { file: 'fixed-24x40-x4.onnx', spec: { scale: 4, input: [1, 3, 24, 40] }, args: [] },
];

/** float16 throughout, and a float16 input to a float32 graph. */
const halfCases: GraphCase[] = [
  { file: 'half-x2.onnx', spec: { scale: 2, float16: 'all' }, args: [] },
  {
    file: 'half-input-x4-255.onnx',
    spec: { scale: 4, range: 255, input: [1, 3, 32, 32], float16: 'input' },
    args: ['--range', '255'],
  },
];

/**
 * Every output pixel is the graph's function of the LR pixel it comes from, ±1
 * for rounding: also within float16's precision (11 significant bits, so at
 * most ±0.3 on a 0–255 sample through this graph's three float16 roundings).
 */
async function expectGraphOutput(input: string, output: string, scale: number): Promise<void> {
  const lr = await rawPixels(input);
  const hr = await rawPixels(output);
  expect([hr.info.width, hr.info.height]).toEqual([lr.info.width * scale, lr.info.height * scale]);
  let worst = 0;
  for (let y = 0; y < hr.info.height; y += 1) {
    for (let x = 0; x < hr.info.width; x += 1) {
      const source = (Math.floor(y / scale) * lr.info.width + Math.floor(x / scale)) * 3;
      for (let c = 0; c < 3; c += 1) {
        const actual = hr.data[(y * hr.info.width + x) * hr.info.channels + c] ?? -1;
        worst = Math.max(worst, Math.abs(actual - expectedSample(lr.data[source + c] ?? 0)));
      }
    }
  }
  expect(worst).toBeLessThanOrEqual(1);
}

describe('single-graph models', () => {
  it('adds ×2/×4, dynamic and fixed-size, 0–1 and 0–255 graphs, and upscales with each as the graph computes', async () => {
    const space = await workspace();
    const { dataDir, env } = space;
    for (const graphCase of cases) await addAndUpscale(graphCase, space);

    expect(readManifest(dataDir, 'nearest-x2')).toMatchObject({
      format: 'yonos-graph/1',
      id: 'nearest-x2',
      name: 'Nearest x2',
      scale: 2,
      range: 1,
      opset: 13,
      input: { name: 'x', shape: ['N', 3, 'H', 'W'] },
      tiling: { tile: 128, overlap: 16, multiple: 1 },
    });
    const fixed = readManifest(dataDir, 'fixed-24x40-x4') as {
      input: unknown;
      tiling: { tile: number };
    };
    expect(fixed.input).toMatchObject({ shape: [1, 3, 24, 40] });
    expect(fixed.tiling.tile).toBe(24);

    const listed = await runYonos(['models', '--json'], env);
    const models = (JSON.parse(listed.stdout) as { models: { id: string; kind: string }[] }).models;
    expect(
      models
        .filter((model) => model.kind === 'graph')
        .map((model) => model.id)
        .sort(),
    ).toEqual(['fixed-24x40-x4', 'fixed-32-x2', 'nearest-x2', 'nearest-x4-255']);
    expect(models.some((model) => model.kind === 'yonos')).toBe(true);
    const text = await runYonos(['models'], env);
    expect(text.stdout).toMatch(/^nearest-x2 {2}×2 {2}Nearest x2 \(user, single graph\)$/m);
  });

  it('adds float16 graphs (float16 throughout, or a float16 input) and upscales with each within float16’s precision', async () => {
    const space = await workspace();
    const precisions: string[] = [];
    for (const graphCase of halfCases) {
      const card = await addAndUpscale(graphCase, space);
      precisions.push(card.facts.find((fact) => fact.label === 'Precision')?.value ?? '');
    }
    expect(precisions).toEqual(['float16', 'float16 in, float32 out']);
    const types = (id: string) => {
      const { input, output } = readManifest(space.dataDir, id) as Record<
        'input' | 'output',
        { type: string }
      >;
      return [input.type, output.type];
    };
    expect(types('half-x2')).toEqual(['float16', 'float16']);
    expect(types('half-input-x4-255')).toEqual(['float16', 'float32']);
  });

  it('refuses a scale that is not the graph’s, an id already taken, and each crafted bad file, in one line', async () => {
    const dataDir = await tempDir('yonos-data-');
    const dir = await tempDir();
    const env = { YONOS_DATA_DIR: dataDir };
    const modelsDir = path.join(dataDir, 'models');
    const good = await writeGraph(dir, 'good.onnx', srGraph({ scale: 2 }));
    const wrongScale = await runYonos(['models', 'add', good, '--scale', '4'], env);
    expect(wrongScale.code).not.toBe(0);
    expect(wrongScale.stderr.trim()).toMatch(
      /^Cannot use this model: it upscales ×2, not ×4 as asked\.$/,
    );
    expect((await runYonos(['models', 'add', good], env)).code).toBe(0);
    const again = await runYonos(['models', 'add', good], env);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^A model with id "good" is already installed .*--name\.$/);

    for (const [name, { bytes, error }] of Object.entries(badGraphs())) {
      const file = await writeGraph(dir, name, bytes);
      const run = await runYonos(['models', 'add', file, '--memory-cap', '200'], env);
      expect(run.code, name).not.toBe(0);
      const lines = run.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toMatch(/^Cannot use this model: /);
      expect(lines[0], name).toMatch(error);
    }
    // Nothing half-installed, and the good model still works.
    expect(readdirSync(modelsDir)).toEqual(['good']);
    const input = await writeTestImage(
      'p.png',
      rawImage({ width: 20, height: 12, channels: 3, value: smoothPhoto }),
      dir,
    );
    const run = await runYonos(
      ['upscale', input, '--scale', '2', '--model', 'good', '--device', 'cpu'],
      env,
    );
    expect(run.code).toBe(0);
    const steps = await runYonos(
      ['upscale', input, '--scale', '2', '--model', 'good', '--steps', '4', '--device', 'cpu'],
      env,
    );
    expect(steps.code).toBe(1);
    expect(steps.stderr).toContain(
      'Model good is a single graph: it has no diffusion steps to set.',
    );
  });

  it('the queue runs a graph model, and a bad file added through the services leaves the backend running', async () => {
    const app = await tempApp({ pollMs: 50 });
    const services = createServices(app);
    const dir = await tempDir();
    const good = await writeGraph(dir, 'mine.onnx', srGraph({ scale: 4, input: [1, 3, 32, 32] }));
    const card = await services.modelsAdd({ path: good, name: 'My ×4 model' });
    expect(card).toMatchObject({ id: 'my-4-model', name: 'My ×4 model', kind: 'graph', scale: 4 });
    for (const [name, { bytes }] of Object.entries(badGraphs())) {
      if (name === 'memory-hog.onnx') continue;
      await expect(
        services.modelsAdd({ path: await writeGraph(dir, name, bytes) }),
      ).rejects.toThrow(/^Cannot use this model: /);
    }
    expect((await services.health()).status).toBe('ok');
    const info = await services.systemInfo();
    expect(info.models.find((model) => model.id === 'my-4-model')).toMatchObject({
      kind: 'graph',
      looks: [],
    });

    const input = await writeTestImage(
      'p.png',
      rawImage({ width: 45, height: 38, channels: 3, value: smoothPhoto }),
      dir,
    );
    const queued = await services.jobsEnqueue({ inputs: [input], scale: 4, modelId: 'my-4-model' });
    await app.runner.runUntilIdle();
    const job = await services.jobsGet(queued.jobIds[0] ?? 0);
    expect(job.state).toBe('done');
    expect(existsSync(job.output)).toBe(true);
    await expectGraphOutput(input, job.output, 4);
  });

  it('cancels a graph upscale part-way and leaves no partial file', async () => {
    const dir = await tempDir();
    const modelsDir = path.join(dir, 'models');
    const file = await writeGraph(dir, 'slow.onnx', srGraph({ scale: 4, input: [1, 3, 16, 16] }));
    await addGraphModel({ file }, { modelsDir, installed: [] });
    const { engine } = await testEngine({ modelDirs: [modelsDir] });
    const out = await tempDir();
    const input = await writeTestImage(
      'in.png',
      // Hundreds of tiles: the abort, sent at the first progress event, lands long before the end.
      rawImage({ width: 320, height: 320, channels: 3, value: smoothPhoto }),
      out,
    );
    const controller = new AbortController();
    const events: UpscaleProgress[] = [];
    const upscale = engine.upscaleFile(
      input,
      path.join(out, 'out.png'),
      { scale: 4, modelId: 'slow' },
      {
        signal: controller.signal,
        onProgress: (event) => {
          events.push(event);
          controller.abort();
        },
      },
    );
    await expect(upscale).rejects.toMatchObject({ name: 'AbortError' });
    const total = events[0]?.tilesTotal ?? 0;
    expect(total).toBeGreaterThan(300);
    expect(events.length).toBeLessThan(total);
    expect(readdirSync(out)).toEqual(['in.png']);
  });

  it('runs a torch-exported network tiled as it runs on the whole image', async () => {
    const env = { YONOS_DATA_DIR: await tempDir('yonos-data-') };
    const dir = await tempDir();
    const added = await runYonos(['models', 'add', torchFixture, '--json'], env);
    expect(added.stderr).toBe('');
    expect(JSON.parse(added.stdout)).toMatchObject({ id: 'tiny-esrgan-x4', scale: 4 });
    // Several 128-px tiles across, two down.
    const input = await writeTestImage(
      'photo.png',
      rawImage({ width: 300, height: 150, channels: 3, value: smoothPhoto }),
      dir,
    );
    const run = await runYonos(
      ['upscale', input, '--scale', '4', '--model', 'tiny-esrgan-x4', '--json', '--device', 'cpu'],
      env,
    );
    expect(run.code).toBe(0);
    const done = jsonLines(run.stdout).find((event) => event.type === 'done');
    const tiled = (await rawPixels(String(done?.output))).data;
    const whole = await wholeImageReference(input, torchFixture);
    expect(tiled.length).toBe(whole.length);
    let sum = 0;
    let worst = 0;
    for (let index = 0; index < whole.length; index += 1) {
      const difference = Math.abs((tiled[index] ?? 0) - (whole[index] ?? 0));
      sum += difference;
      worst = Math.max(worst, difference);
    }
    // Seams differ only where a tile's edge padding reaches into the feathered overlap.
    expect(sum / whole.length).toBeLessThan(0.05);
    expect(worst).toBeLessThanOrEqual(3);
  });
});

interface Workspace {
  /** The data folder the CLI runs on (`env`), where added models go. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Where the graphs and outputs are written. */
  dir: string;
  /** The photo to upscale: larger than a tile in both directions, and odd-sized. */
  input: string;
}

async function workspace(): Promise<Workspace> {
  const dataDir = await tempDir('yonos-data-');
  const dir = await tempDir();
  const input = await writeTestImage(
    'photo.png',
    rawImage({ width: 150, height: 97, channels: 3, value: smoothPhoto }),
    dir,
  );
  return { dataDir, env: { YONOS_DATA_DIR: dataDir }, dir, input };
}

/** The manifest `yonos models add` wrote for a model. */
function readManifest(dataDir: string, id: string): unknown {
  return JSON.parse(readFileSync(path.join(dataDir, 'models', id, 'manifest.json'), 'utf8'));
}

/** `yonos models add` the case's graph, then `yonos upscale` the input with it: the output is what the graph computes. */
async function addAndUpscale(
  { file, spec, args }: GraphCase,
  { dir, env, input }: Workspace,
): Promise<ModelCard> {
  const onnx = await writeGraph(dir, file, srGraph(spec));
  const added = await runYonos(['models', 'add', onnx, '--json', ...args], env);
  expect(added.stderr, file).toBe('');
  expect(added.code).toBe(0);
  const card = JSON.parse(added.stdout) as ModelCard;
  expect(card).toMatchObject({ scale: spec.scale, kind: 'graph' });

  const out = path.join(dir, card.id);
  const run = await runYonos(
    [
      'upscale',
      input,
      '--scale',
      String(spec.scale),
      '--model',
      card.id,
      '--out',
      out,
      '--json',
      '--device',
      'cpu',
    ],
    env,
  );
  expect(run.stderr, file).toBe('');
  expect(run.code).toBe(0);
  const events = jsonLines(run.stdout);
  const done = events.find((event) => event.type === 'done');
  expect(done).toMatchObject({ model: card.id });
  // Several tiles, each reported.
  expect(events.filter((event) => event.type === 'progress').length).toBeGreaterThan(1);
  await expectGraphOutput(input, String(done?.output), spec.scale);
  // The photo's metadata handling is the YONOS models': the output names the model.
  const { xmp } = await sharp(String(done?.output)).metadata();
  expect(xmp?.toString()).toContain(`yonos:Model="${card.id}"`);
  return card;
}

const torchFixture = path.resolve('test/fixtures/graph-models/tiny-esrgan-x4.onnx');

/** The graph on the whole image at once, in this process: the reference tiling must match. */
async function wholeImageReference(input: string, model: string): Promise<Uint8Array> {
  const { data, info } = await rawPixels(input);
  const { width, height } = info;
  const planar = new Float32Array(3 * width * height);
  for (let index = 0; index < width * height; index += 1) {
    for (let c = 0; c < 3; c += 1)
      planar[c * width * height + index] = (data[index * 3 + c] ?? 0) / 255;
  }
  const session = await ort.InferenceSession.create(model);
  const result = await session.run({
    input: new ort.Tensor('float32', planar, [1, 3, height, width]),
  });
  await session.release();
  const output = result.output?.data as Float32Array;
  const plane = 16 * width * height;
  const pixels = new Uint8Array(3 * plane);
  for (let index = 0; index < plane; index += 1) {
    for (let c = 0; c < 3; c += 1) {
      pixels[index * 3 + c] = Math.min(
        255,
        Math.max(0, Math.round((output[c * plane + index] ?? 0) * 255)),
      );
    }
  }
  return pixels;
}
