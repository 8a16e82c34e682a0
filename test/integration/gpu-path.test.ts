/**
 * The GPU path on a machine without a GPU: the real device probe process, the
 * one-sentence fall-back of `yonos upscale --device webgpu` (no native
 * warnings on the terminal), and, with YONOS_SIMULATE_GPU (a "webgpu" that is
 * the CPU provider with tensors kept as ORT tensors), auto picking the GPU,
 * parity with the CPU, and a device lost mid-batch (YONOS_GPU_LOSS_AFTER_RUNS)
 * in a real worker: the job finishes on the CPU and nothing is lost.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDevices, writeMachineCache } from '../../main/engine/devices.js';
import { timeModelCall } from '../../main/engine/pipeline.js';
import { loadModelInfo } from '../../main/engine/registry.js';
import { openModelSessions } from '../../main/engine/sessions.js';
import { calibrateTilePlan } from '../../main/engine/tile-calibration.js';
import type { EngineOptions } from '../../main/engine/index.js';
import { runYonos } from '../support/cli.js';
import { rawImage, rawPixels, smoothPhoto, testEngine, writeTestImage } from '../support/engine.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';

const photo = (width: number, height: number) =>
  rawImage({ width, height, channels: 3, value: smoothPhoto });

/** Engines made inside `withEnv` keep its variables: a worker copies process.env when it starts. */
async function withEnv<T>(env: Record<string, string>, make: () => Promise<T>): Promise<T> {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await make();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
}

const simulated = { YONOS_SIMULATE_GPU: '1' };

afterEach(() => {
  delete process.env.YONOS_SIMULATE_GPU;
});

describe('the device probe process', () => {
  it('checks WebGPU here in a child process and keeps its native output to itself', async () => {
    const dataDir = await tempDir();
    const { checks, fresh } = await checkDevices(['webgpu'], { dataDir });
    expect(fresh).toEqual(['webgpu']);
    const [webgpu] = checks;
    expect(webgpu?.provider).toBe('webgpu');
    // This machine has no GPU; on one with a working GPU the check passes.
    if (webgpu?.available === false) {
      expect(webgpu.reason).toMatch(/^[a-z]/);
      expect(webgpu.reason).not.toMatch(/\.cpp|operator\(\)|onnxruntime_src|\n/);
    }
    const cached = readFileSync(path.join(dataDir, 'device-checks.json'), 'utf8');
    expect(JSON.parse(cached)).toMatchObject({ entries: { webgpu: { provider: 'webgpu' } } });
  });

  it('finds the simulated GPU working', async () => {
    process.env.YONOS_SIMULATE_GPU = '1';
    const { checks } = await checkDevices(['webgpu'], { dataDir: await tempDir() });
    expect(checks).toMatchObject([
      { provider: 'webgpu', available: true, adapter: 'Simulated GPU (the CPU provider)' },
    ]);
  });
});

describe('yonos upscale --device webgpu without a GPU', () => {
  it('says in one sentence why it uses the CPU, with no native warning, on every run', async () => {
    const dataDir = await tempDir('yonos-data-');
    const input = await writeTestImage('in.png', photo(24, 20));
    const args = ['upscale', input, '--scale', '2', '--overwrite', '--models', fixtureModelsDir];
    for (const run of [1, 2]) {
      const result = await runYonos([...args, '--device', 'webgpu'], { YONOS_DATA_DIR: dataDir });
      expect(result.code).toBe(0);
      const cache = readFileSync(path.join(dataDir, 'device-checks.json'), 'utf8');
      if ((JSON.parse(cache) as Cache).entries.webgpu.available) return; // a machine with a GPU
      expect(result.stderr, `run ${run}`).toMatch(
        /^WebGPU is not available \([^\n]+\); using the CPU\.\n$/,
      );
      expect(result.stdout).toMatch(/, cpu\)\n/);
    }
  });
});

interface Cache {
  entries: { webgpu: { available: boolean } };
}

const engineWith = (env: Record<string, string>, options: EngineOptions) =>
  withEnv(env, () => testEngine(options));

describe('the GPU path, simulated on the CPU', () => {
  it('auto picks the GPU, and its output matches the CPU provider exactly', async () => {
    const input = await writeTestImage('in.png', photo(70, 50));
    const dir = path.dirname(input);
    const gpu = await engineWith(simulated, { device: 'auto' });
    const cpu = await testEngine({ device: 'cpu' });
    const options = { scale: 4 as const, tile: 32, steps: 2 };
    const onGpu = await gpu.engine.upscaleFile(input, path.join(dir, 'gpu.png'), options);
    const onCpu = await cpu.engine.upscaleFile(input, path.join(dir, 'cpu.png'), options);
    expect([onGpu.device, onCpu.device]).toEqual(['webgpu', 'cpu']);
    expect(gpu.log).toEqual([]);
    expect(await gpu.engine.devices()).toMatchObject({
      provider: 'webgpu',
      adapter: 'Simulated GPU (the CPU provider)',
    });
    const a = await rawPixels(path.join(dir, 'gpu.png'));
    const b = await rawPixels(path.join(dir, 'cpu.png'));
    expect(a.data.equals(b.data)).toBe(true);
  });

  it('a device lost mid-batch: the job finishes on the CPU, the next starts there, nothing is lost', async () => {
    const input = await writeTestImage('in.png', photo(96, 64));
    const dir = path.dirname(input);
    // 96×64 at tile 32 is 4×3 tiles; batches of 8 → 2 batches; the 3rd run is the first batch's decoder.
    const { engine, log } = await engineWith(
      { ...simulated, YONOS_GPU_LOSS_AFTER_RUNS: '3' },
      { device: 'webgpu' },
    );
    const options = { scale: 2 as const, tile: 32 };
    const [first, second] = await Promise.all([
      engine.upscaleFile(input, path.join(dir, 'first.png'), options),
      engine.upscaleFile(input, path.join(dir, 'second.png'), options),
    ]);
    expect([first.device, second.device]).toEqual(['cpu', 'cpu']);
    expect(log).toEqual([
      'WebGPU failed (webgpu device lost (injected by YONOS_GPU_LOSS_AFTER_RUNS=3)); ' +
        'finishing on the CPU, and using the CPU from now on.',
    ]);
    const reference = await testEngine({ device: 'cpu' });
    await reference.engine.upscaleFile(input, path.join(dir, 'reference.png'), options);
    const expected = (await rawPixels(path.join(dir, 'reference.png'))).data;
    for (const name of ['first.png', 'second.png']) {
      expect((await rawPixels(path.join(dir, name))).data.equals(expected), name).toBe(true);
    }
  });
});

describe('tile size on a GPU, calibrated once per machine', () => {
  it('times real model calls of each candidate shape and picks one', async () => {
    const model = loadModelInfo(path.join(fixtureModelsDir, 'yonos-tiny-x2'), false);
    const sessions = await openModelSessions(model, 'cpu', { residency: 'cpu' });
    try {
      const candidates = [
        { tile: 32, batch: 1 },
        { tile: 32, batch: 2 },
      ];
      const device = await sessions.device();
      const plan = await calibrateTilePlan(candidates, 2, (candidate) =>
        timeModelCall(device, model.manifest, candidate, 1),
      );
      expect(candidates).toContainEqual({ tile: plan.tile, batch: plan.batch });
      expect(plan.megapixelsPerSecond).toBeGreaterThan(0);
    } finally {
      await sessions.release();
    }
  });

  it('upscales with the plan cached in tile-plans.json when no tile is asked for', async () => {
    const dataDir = await tempDir('yonos-data-');
    const input = await writeTestImage('in.png', photo(64, 40));
    const plan = { tile: 48, batch: 3, megapixelsPerSecond: 1, measuredAt: 'test' };
    await withEnv(simulated, () =>
      writeMachineCache(path.join(dataDir, 'tile-plans.json'), {
        'yonos-tiny-x2@0.1.0 on webgpu (cpu)': plan,
      }),
    );
    const { engine, log } = await engineWith(simulated, { device: 'webgpu', dataDir });
    const result = await engine.upscaleFile(input, `${input}.x2.png`, { scale: 2 });
    expect(result).toMatchObject({ device: 'webgpu', tile: 48 });
    expect(log).toEqual([]);
  });
});
