/**
 * Tile size and batch for a GPU, measured rather than assumed: the first time
 * a model runs on a GPU, a few model calls per candidate plan (tile-size.ts)
 * find the one with the most output megapixels per second, and the answer is
 * cached in the data directory (tile-plans.json) for this machine. Bigger is
 * not always faster: on an H200, 16 tiles per call ran at half the rate of 4.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readMachineCache, writeMachineCache } from './devices.js';
import { isOutOfMemory } from './providers.js';
import type { TilePlan } from './tile-size.js';

export interface MeasuredPlan extends TilePlan {
  /** Output megapixels per second of the model calls alone. */
  megapixelsPerSecond: number;
  measuredAt: string;
}

/** Calibration stops trying further candidates after this long (the best so far wins). */
const timeLimitMs = 30_000;
/** A bigger batch of the same tile must gain at least this much to be worth trying the next. */
const minimumGain = 1.05;

/**
 * Measures the candidates in order (each: one untimed call, which compiles the
 * GPU's kernels for that shape, then one timed call) and returns the fastest.
 * For each tile, batches grow only while they pay; a call that runs out of
 * memory rules out every call at least that big.
 */
export async function calibrateTilePlan(
  candidates: readonly TilePlan[],
  scale: number,
  callMs: (plan: TilePlan) => Promise<number>,
  clock: () => number = () => performance.now(),
): Promise<MeasuredPlan> {
  const started = clock();
  let best: MeasuredPlan | null = null;
  const rateOfTile = new Map<number, number>();
  let tooBig = Infinity;
  for (const plan of candidates) {
    const previous = rateOfTile.get(plan.tile);
    const outputPixels = plan.batch * (plan.tile * scale) ** 2;
    if (previous === -1 || outputPixels >= tooBig) continue;
    if (best !== null && clock() - started > timeLimitMs) break;
    let ms: number;
    try {
      await callMs(plan);
      ms = await callMs(plan);
    } catch (error) {
      if (!isOutOfMemory(error)) throw error;
      tooBig = outputPixels;
      continue;
    }
    const megapixelsPerSecond = outputPixels / 1e3 / ms;
    // A batch that did not pay ends this tile's batches.
    const pays = previous === undefined || megapixelsPerSecond >= previous * minimumGain;
    rateOfTile.set(plan.tile, pays ? megapixelsPerSecond : -1);
    if (best === null || megapixelsPerSecond > best.megapixelsPerSecond) {
      best = { ...plan, megapixelsPerSecond, measuredAt: new Date().toISOString() };
    }
  }
  if (best === null) throw new Error('out of memory with every tile size tried');
  return best;
}

/** The cached plan for `key` (model, provider, where tensors live), calibrating on a miss. */
export async function cachedTilePlan(
  dataDir: string,
  key: string,
  calibrate: () => Promise<MeasuredPlan>,
): Promise<{ plan: MeasuredPlan; fresh: boolean }> {
  const file = path.join(dataDir, 'tile-plans.json');
  const plans = await readMachineCache<MeasuredPlan>(file);
  const cached = plans[key];
  if (cached !== undefined) return { plan: cached, fresh: false };
  const plan = await calibrate();
  // Read again: another process may have added plans meanwhile. Unwritable: calibrate next time.
  const latest = await readMachineCache<MeasuredPlan>(file);
  await writeMachineCache(file, { ...latest, [key]: plan }).catch(() => undefined);
  return { plan, fresh: true };
}
