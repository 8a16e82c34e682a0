import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { benchMarkdown, runBench, type BenchReport } from '../../main/engine/bench.js';
import type { LookBenchReport } from '../../main/engine/look-bench.js';
import type { EngineOptions } from '../../main/engine/index.js';
import { syntheticPhoto } from '../../main/engine/synthetic.js';
import { runYonos } from '../support/cli.js';
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
    // The built-in ×8 has no detailed look yet (the model card says why), so ×8 shows the message for a scale without one.
    const run = await runYonos([...args, '--scales', '4,8', '--out', out], {
      YONOS_DATA_DIR: dir,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^\| yonos-tiny-looks-x4 \| 16 \| 1 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/m,
    );
    expect(run.stdout).toMatch(/^No ×8 model with a detailed look installed\.$/m);
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
  it('scores the model and bicubic on PSNR-Y/SSIM-Y in one run', async () => {
    const hrDir = await tempDir();
    for (const [name, size] of [
      ['a.png', 64],
      ['b.png', 50],
    ] as const) {
      await sharp(syntheticPhoto(size, size), { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toFile(path.join(hrDir, name));
    }
    const run = await runYonos(
      [
        'eval',
        '--hr',
        hrDir,
        '--scale',
        '2',
        '--models',
        fixtureModelsDir,
        '--device',
        'cpu',
        '--json',
      ],
      { YONOS_DATA_DIR: await tempDir() },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      model: string;
      images: { file: string; width: number; psnrY: number; bicubic: { psnrY: number } }[];
      mean: { model: { psnrY: number; ssimY: number }; bicubic: { psnrY: number } };
    };
    expect(report.model).toBe('yonos-tiny-x2');
    expect(report.images.map((image) => [image.file, image.width])).toEqual([
      ['a.png', 64],
      ['b.png', 50],
    ]);
    expect(report.mean.model.psnrY).toBeGreaterThan(20);
    expect(report.mean.model.ssimY).toBeLessThanOrEqual(1);
    expect(Math.abs(report.mean.model.psnrY - report.mean.bicubic.psnrY)).toBeLessThan(3);
    const table = await runYonos(
      ['eval', '--hr', hrDir, '--scale', '2', '--models', fixtureModelsDir],
      { YONOS_DATA_DIR: await tempDir() },
    );
    expect(table.stdout).toMatch(/^\| yonos-tiny-x2 \| [\d.]+ \| [\d.]+ \|$/m);
    expect(table.stdout).toMatch(/^\| bicubic \| [\d.]+ \| [\d.]+ \|$/m);
  });

  it('fails clearly on a folder without images', async () => {
    const run = await runYonos(['eval', '--hr', await tempDir(), '--models', fixtureModelsDir], {
      YONOS_DATA_DIR: await tempDir(),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/No images \(png, jpg, webp, tiff\) in/);
  });
});
