import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { benchMarkdown, runBench, type BenchReport } from '../../main/engine/bench.js';
import { runEval, type EvalReport } from '../../main/engine/eval.js';
import {
  lookBenchMarkdown,
  runLookBench,
  type LookBenchReport,
} from '../../main/engine/look-bench.js';
import type { EngineOptions } from '../../main/engine/index.js';
import { syntheticPhoto } from '../../main/engine/synthetic.js';
import { runYonos } from '../support/cli.js';
import { testEngine } from '../support/engine.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';

const engineOptions: EngineOptions = {
  modelDirs: [fixtureModelsDir],
  builtInModelsDir: null,
  device: 'cpu',
};

describe('the bench', () => {
  it('reports per-stage times and MP/s, ms per output MP, tiles/s, device and peak RSS, with the Lanczos floor', async () => {
    const report = await runBench({
      width: 40,
      height: 32,
      runs: 2,
      scales: [2, 4],
      engine: engineOptions,
    });
    expect(report.schema).toBe('yonos-bench/3');
    expect(report.device).toEqual({ provider: 'cpu', adapter: null, checks: [] });
    expect(report.models.map((m) => [m.scale, m.model, m.provider])).toEqual([
      [2, 'yonos-tiny-x2', 'cpu'],
      [4, 'yonos-tiny-x4', 'cpu'],
    ]);
    const [x2] = report.models;
    expect(x2?.outputMegapixels).toBeCloseTo((80 * 64) / 1e6, 9);
    expect(x2?.samplesMs).toHaveLength(2);
    for (const stage of ['decode', 'encoder', 'unet', 'decoder', 'blend', 'encode'] as const) {
      expect(x2?.stagesMs[stage]).toBeGreaterThan(0);
      expect(x2?.stageMegapixelsPerSecond[stage]).toBeGreaterThan(0);
    }
    // The CPU's tensors are the host's: nothing to transfer.
    expect(x2?.stagesMs.transfer).toBe(0);
    expect(x2?.transferPercent).toBe(0);
    for (const rate of ['model', 'endToEnd', 'batch'] as const) {
      expect(x2?.[`${rate}MegapixelsPerSecond`]).toBeGreaterThan(0);
    }
    expect(x2?.msPerOutputMegapixel).toBeGreaterThan(0);
    expect(x2?.tilesPerSecond).toBeGreaterThan(0);
    expect(x2?.overheadPercent).toBeGreaterThan(0);
    expect(x2?.overheadPercent).toBeLessThan(100);
    expect(report.lanczos.map((l) => l.scale)).toEqual([2, 4]);
    expect(report.peakRssMb).toBeGreaterThan(10);
    const markdown = benchMarkdown(report);
    expect(markdown).toMatch(/^Device: cpu$/m);
    expect(markdown).toMatch(/^\| ×2 \| yonos-tiny-x2 \| cpu \| \d+ \| [\d.]+ \|/m);
    expect(markdown).toMatch(/^\| ×4 \| yonos-tiny-x4 \|/m);
    expect(markdown).toMatch(/^\| ×2 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/m);
  });

  it('yonos bench writes the JSON report and the markdown table', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'bench', 'latest.json');
    const run = await runYonos(
      [
        'bench',
        '--models',
        fixtureModelsDir,
        '--device',
        'cpu',
        '--size',
        '32x24',
        '--runs',
        '1',
        '--scales',
        '8',
        '--out',
        out,
      ],
      { YONOS_DATA_DIR: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\| ×8 \| yonos-tiny-x8 \| cpu \|/m);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { models: unknown[] };
    expect(report.models).toHaveLength(1);
    expect(readFileSync(path.join(dir, 'bench', 'latest.md'), 'utf8')).toBe(run.stdout);
  });
  it('yonos bench --looks times faithful-only, baked and in-graph decoders of each two-look model', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'looks.json');
    const looksModelsDir = path.resolve('test/fixtures/models-looks');
    const args = ['bench', '--looks', '--models', looksModelsDir, '--runs', '2', '--tile', '16'];
    const run = await runYonos([...args, '--scales', '4', '--out', out], {
      YONOS_DATA_DIR: dir,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^\| yonos-tiny-looks-x4 \| 16 \| 1 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/m,
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as LookBenchReport;
    expect(report).toMatchObject({ schema: 'yonos-look-bench/1', provider: 'cpu', runs: 2 });
    const entry = report.models.find((model) => model.model === 'yonos-tiny-looks-x4');
    expect(entry).toMatchObject({ model: 'yonos-tiny-looks-x4', scale: 4, tile: 16, strength: 1 });
    for (const variant of ['faithfulOnly', 'baked', 'inGraph'] as const) {
      expect(entry?.samplesMs[variant]).toHaveLength(2);
      expect(entry?.msPerCall[variant]).toBeGreaterThan(0);
    }
    expect(entry?.ratios.bakedToFaithfulOnly).toBeCloseTo(
      (entry?.msPerCall.baked ?? 0) / (entry?.msPerCall.faithfulOnly ?? 1),
      9,
    );
    // The baked decoder computes what the in-graph blend does.
    expect(entry?.maxAbsDifference).toBeLessThan(1e-6);
  });

  it('yonos bench --looks names a scale that has no model with a detailed look', async () => {
    // Every built-in model has a detailed look, so this runs the engine without them.
    const report = await runLookBench({
      modelDirs: [path.resolve('test/fixtures/models-looks')],
      dataDir: await tempDir(),
      builtInModelsDir: null,
      scales: [4, 8],
      runs: 1,
      tile: 16,
      strength: 1,
    });
    expect(report.models.map((entry) => entry.model)).toEqual(['yonos-tiny-looks-x4']);
    expect(report.skipped).toEqual([
      { scale: 8, reason: 'No ×8 model with a detailed look installed.' },
    ]);
    expect(lookBenchMarkdown(report)).toMatch(/^No ×8 model with a detailed look installed\.$/m);
  });

  it('yonos bench --device webgpu names the device it measured, and why not the GPU', async () => {
    const dir = await tempDir();
    const args = ['bench', '--models', fixtureModelsDir, '--size', '32x24', '--runs', '1'];
    const bench = (env: Record<string, string> = {}, extra: string[] = []) =>
      runYonos([...args, ...extra, '--scales', '2', '--device', 'webgpu', '--json'], {
        YONOS_DATA_DIR: dir,
        ...env,
      });
    const here = await bench();
    expect(here.code).toBe(0);
    const report = JSON.parse(here.stdout) as BenchReport;
    if (report.device.provider === 'cpu') {
      expect(report.device.checks).toMatchObject([{ provider: 'webgpu', available: false }]);
      expect(here.stderr).toMatch(/^WebGPU is not available \([^\n]+\); using the CPU\.\n$/);
    }
    // With the simulated GPU the tensors stay in ORT, so transfers are explicit and timed.
    // (A tile is given: calibrating the simulated GPU would only measure this CPU, slowly.)
    const simulated = JSON.parse(
      (await bench({ YONOS_SIMULATE_GPU: '1' }, ['--tile', '32'])).stdout,
    ) as BenchReport;
    const adapter = 'Simulated GPU (the CPU provider)';
    expect(simulated.device).toMatchObject({ provider: 'webgpu', adapter });
    expect(simulated.models[0]).toMatchObject({ provider: 'webgpu', adapter });
    expect(simulated.models[0]?.stagesMs.transfer).toBeGreaterThan(0);
    expect(simulated.models[0]?.transferPercent).toBeGreaterThan(0);
    expect(benchMarkdown(simulated)).toMatch(/^Device: webgpu on Simulated GPU/m);
  });
});

describe('yonos eval', () => {
  const shippedNiqeModel = path.resolve('native-models/niqe/photos-train.json');

  /** Photos of 64 and 50 px (below one NIQE patch) and one of 128×104 (one patch). */
  async function hrPhotos(): Promise<string> {
    const hrDir = await tempDir();
    for (const [name, width, height] of [
      ['a.png', 64, 64],
      ['b.png', 50, 50],
      ['c.png', 128, 104],
    ] as const) {
      await sharp(syntheticPhoto(width, height), { raw: { width, height, channels: 3 } })
        .png()
        .toFile(path.join(hrDir, name));
    }
    return hrDir;
  }

  const evalArgs = (hrDir: string) => [
    'eval',
    '--hr',
    hrDir,
    '--scale',
    '2',
    '--models',
    fixtureModelsDir,
    '--device',
    'cpu',
  ];

  it('scores the model and bicubic on PSNR-Y/SSIM-Y, HF ratio, stipple and NIQE, and the HR on stipple and NIQE', async () => {
    const hrDir = await hrPhotos();
    const out = path.join(await tempDir(), 'eval.json');
    const run = await runYonos(
      [...evalArgs(hrDir), '--niqe-model', shippedNiqeModel, '--out', out],
      {
        YONOS_DATA_DIR: await tempDir(),
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalReport;
    expect(report.schema).toBe('yonos-eval/1');
    expect(report.model).toBe('yonos-tiny-x2');
    expect(report.images.map((image) => [image.file, image.width, image.height])).toEqual([
      ['a.png', 64, 64],
      ['b.png', 50, 50],
      ['c.png', 128, 104],
    ]);
    expect(report.mean.model.psnrY).toBeGreaterThan(20);
    expect(report.mean.model.ssimY).toBeLessThanOrEqual(1);
    expect(Math.abs(report.mean.model.psnrY - report.mean.bicubic.psnrY)).toBeLessThan(3);
    for (const image of report.images) {
      for (const scores of [image, image.bicubic]) {
        expect(scores.hfRatio).toBeGreaterThan(0);
        expect(scores.stipplePct).toBeGreaterThanOrEqual(0);
        expect(scores.stipplePct).toBeLessThanOrEqual(100);
      }
      // Bicubic interpolation loses the detail above the LR's Nyquist frequency.
      expect(image.bicubic.hfRatio).toBeLessThan(1);
      expect(image.hr.stipplePct).toBeGreaterThanOrEqual(0);
    }
    // NIQE needs one 96-px patch: only c.png has a score, and the means are over it alone.
    const [a, b, c] = report.images;
    for (const small of [a, b]) {
      expect([small?.niqe, small?.bicubic.niqe, small?.hr.niqe]).toEqual([null, null, null]);
    }
    for (const value of [c?.niqe, c?.bicubic.niqe, c?.hr.niqe]) expect(value).toBeGreaterThan(0);
    expect(report.mean.model.niqe).toBe(c?.niqe);
    expect(report.mean.bicubic.niqe).toBe(c?.bicubic.niqe);
    expect(report.mean.hr.niqe).toBe(c?.hr.niqe);
    const hfRatios = report.images.map((image) => image.hfRatio);
    expect(report.mean.model.hfRatio).toBeCloseTo(
      Math.exp(hfRatios.reduce((sum, ratio) => sum + Math.log(ratio), 0) / 3),
      12,
    );
    expect(report.niqeModel?.file).toBe(shippedNiqeModel);
    expect(report.niqeModel?.facts).toMatchObject({ images: 216, patch: 96 });
    const table = readFileSync(out.replace(/\.json$/, '.md'), 'utf8');
    expect(run.stdout).toBe(table);
    expect(table).toMatch(
      /^\| method \| PSNR-Y \(dB\) \| SSIM-Y \| HF ratio \| stipple % \| NIQE \|$/m,
    );
    expect(table).toMatch(
      /^\| yonos-tiny-x2 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$/m,
    );
    expect(table).toMatch(/^\| bicubic \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$/m);
    expect(table).toMatch(/^\| HR \| — \| — \| — \| [\d.]+ \| [\d.]+ \|$/m);
  });

  it('scores NIQE with the built-in model by default, telling the caller as each photo is scored', async () => {
    const hrDir = await tempDir();
    await sharp(syntheticPhoto(128, 104), { raw: { width: 128, height: 104, channels: 3 } })
      .png()
      .toFile(path.join(hrDir, 'c.png'));
    // In process, so the built-in folder is this checkout's: the tests' CLI bundle lives in
    // node_modules/.cache, and finds the native-models/ of the checkout node_modules belongs to.
    const { engine } = await testEngine();
    const scored: string[] = [];
    const report = await runEval(engine, {
      hrDir,
      scale: 2,
      onScored: (done, total, file) => scored.push(`${done}/${total} ${file}`),
    });
    expect(scored).toEqual(['1/1 c.png']);
    expect(report.niqeModel?.file).toBe(shippedNiqeModel);
    expect(report.images[0]?.niqe).toBeGreaterThan(0);
  });

  it('skips NIQE with --no-niqe, and fails clearly on a NIQE model it cannot read', async () => {
    const hrDir = await tempDir();
    await sharp(syntheticPhoto(128, 104), { raw: { width: 128, height: 104, channels: 3 } })
      .png()
      .toFile(path.join(hrDir, 'c.png'));
    const env = { YONOS_DATA_DIR: await tempDir() };
    const skipped = await runYonos([...evalArgs(hrDir), '--no-niqe', '--json'], env);
    expect(skipped.code).toBe(0);
    const report = JSON.parse(skipped.stdout) as EvalReport;
    expect(report.niqeModel).toBeNull();
    const [image] = report.images;
    expect([image?.niqe, image?.bicubic.niqe, image?.hr.niqe, report.mean.hr.niqe]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(image?.stipplePct).toBeGreaterThanOrEqual(0);
    const missing = path.join(hrDir, 'none.json');
    const unreadable = await runYonos([...evalArgs(hrDir), '--niqe-model', missing], env);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/^Cannot read the NIQE model .*none\.json: ENOENT/);
    const both = await runYonos([...evalArgs(hrDir), '--niqe-model', missing, '--no-niqe'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot be used with/);
  });

  it('fails clearly on a folder without images', async () => {
    const run = await runYonos(['eval', '--hr', await tempDir(), '--models', fixtureModelsDir], {
      YONOS_DATA_DIR: await tempDir(),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/No images \(png, jpg, webp, tiff\) in/);
  });
});
