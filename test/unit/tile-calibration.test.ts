/**
 * Choosing a GPU's tile size and batch by measuring: which candidates are
 * tried, that the fastest wins (bigger is not assumed better), that batches
 * stop growing once they do not pay, and that the answer is cached per
 * machine. The model calls are stand-ins that report how long they "took".
 */
import { describe, expect, it } from 'vitest';
import { cachedTilePlan, calibrateTilePlan } from '../../main/engine/tile-calibration.js';
import { gpuPlanCandidates, type TilePlan } from '../../main/engine/tile-size.js';
import { tempDir } from '../support/temp.js';

const x4 = { scale: 4 as const, tiling: { tile: 192, overlap: 16, multiple: 4 } };

/** A GPU whose calls take `ms(plan)`; records the calls made. */
function gpu(ms: (plan: TilePlan) => number) {
  const calls: string[] = [];
  const callMs = (plan: TilePlan): Promise<number> => {
    calls.push(`${plan.tile}×${plan.batch}`);
    return Promise.resolve(ms(plan));
  };
  return { calls, callMs };
}

describe('tile calibration candidates', () => {
  it('tries the preferred tile, its double and quadruple, in batches up to 4× the memory budget', () => {
    expect(gpuPlanCandidates(x4)).toEqual([
      { tile: 192, batch: 1 },
      { tile: 192, batch: 2 },
      { tile: 192, batch: 4 },
      { tile: 192, batch: 8 },
      { tile: 384, batch: 1 },
      { tile: 384, batch: 2 },
      { tile: 768, batch: 1 },
    ]);
  });
});

describe('calibrateTilePlan', () => {
  it('picks the fastest plan per output pixel, warming each shape up first', async () => {
    // 4 tiles of 192 per call is fastest (as on the H200 of issue #19): 8 is slower, and so is 384.
    const rate: Record<string, number> = {
      '192×1': 10,
      '192×2': 20,
      '192×4': 28,
      '192×8': 14,
      '384×1': 15,
      '384×2': 18,
      '768×1': 12,
    };
    const { calls, callMs } = gpu((plan) => {
      const megapixels = (plan.batch * (plan.tile * 4) ** 2) / 1e6;
      return (1000 * megapixels) / (rate[`${plan.tile}×${plan.batch}`] ?? 1);
    });
    const best = await calibrateTilePlan(gpuPlanCandidates(x4), 4, callMs);
    expect(best).toMatchObject({ tile: 192, batch: 4 });
    expect(best.megapixelsPerSecond).toBeCloseTo(28, 6);
    // Each candidate twice: once untimed (kernels compiled for the shape), once timed.
    expect(calls.filter((_, i) => i % 2 === 0)).toEqual([
      '192×1',
      '192×2',
      '192×4',
      '192×8',
      '384×1',
      '384×2',
      '768×1',
    ]);
    expect(calls.filter((_, i) => i % 2 === 1)).toEqual(calls.filter((_, i) => i % 2 === 0));
  });

  it('skips what is at least as big as a call that ran out of memory', async () => {
    const { calls, callMs } = gpu((plan) => {
      if (plan.batch * plan.tile ** 2 >= 2 * 192 ** 2) {
        throw new Error('Failed to allocate memory for requested buffer of size 1207959552');
      }
      return 10;
    });
    const best = await calibrateTilePlan(gpuPlanCandidates(x4), 4, callMs);
    expect(best).toMatchObject({ tile: 192, batch: 1 });
    expect(new Set(calls)).toEqual(new Set(['192×1', '192×2']));
    await expect(
      calibrateTilePlan([{ tile: 192, batch: 1 }], 4, () =>
        Promise.reject(new Error('device lost')),
      ),
    ).rejects.toThrow('device lost');
  });

  it('stops growing a batch that does not pay', async () => {
    const plans = [1, 2, 4, 8].map((batch) => ({ tile: 64, batch }));
    // Batch 2 gains nothing over 1, so 4 and 8 are not tried.
    const { calls, callMs } = gpu((plan) => plan.batch * 10);
    const best = await calibrateTilePlan(plans, 2, callMs);
    expect(best.batch).toBe(1);
    expect(calls).toEqual(['64×1', '64×1', '64×2', '64×2']);
  });

  it('keeps the best so far once its time is up', async () => {
    let now = 0;
    const { calls, callMs } = gpu(() => {
      now += 20_000;
      return 5;
    });
    await calibrateTilePlan(gpuPlanCandidates(x4), 4, callMs, () => now);
    expect(calls).toEqual(['192×1', '192×1']);
  });
});

describe('cachedTilePlan', () => {
  it('calibrates once per machine and key, then answers from tile-plans.json', async () => {
    const dataDir = await tempDir();
    let calibrations = 0;
    const calibrate = () => {
      calibrations += 1;
      return Promise.resolve({ tile: 384, batch: 2, megapixelsPerSecond: 30, measuredAt: 'now' });
    };
    const first = await cachedTilePlan(dataDir, 'model@1 on webgpu (gpu-buffer)', calibrate);
    const again = await cachedTilePlan(dataDir, 'model@1 on webgpu (gpu-buffer)', calibrate);
    expect([first.fresh, again.fresh]).toEqual([true, false]);
    expect(again.plan).toEqual(first.plan);
    await cachedTilePlan(dataDir, 'model@1 on webgpu (host)', calibrate);
    expect(calibrations).toBe(2);
  });
});
