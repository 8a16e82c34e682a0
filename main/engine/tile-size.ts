/** Tile size and batch for a provider, from the model's preferred tile and a memory budget. */
import type { ModelManifest } from './manifest.js';
import { roundUp } from './tiler.js';

type Tiling = Pick<ModelManifest, 'scale' | 'tiling'>;

export interface TilePlan {
  tile: number;
  batch: number;
}

/** Activation memory allowed per model call on a GPU. */
const gpuBudgetBytes = 3 * 2 ** 30;
/**
 * Conservative bytes of live activations per output pixel for the shipped
 * architecture (float32 decoder feature maps at output resolution dominate).
 */
const bytesPerOutputPixel = 2048;

/**
 * CPU: the model's preferred tile, one at a time; batching gains nothing there
 * because one tile already keeps every core busy, and bigger tiles only add
 * memory. GPU: the largest tile (up to 4× the preferred side) whose activations
 * fit the budget, since larger tiles waste less work on overlaps; tiles are
 * batched when the tile is smaller than the budget allows (e.g. a --tile
 * override), which keeps a GPU busy between calls.
 */
export function planTileSize(manifest: Tiling, provider: string, override?: number): TilePlan {
  const { scale, tiling } = manifest;
  if (provider === 'cpu') {
    return { tile: normaliseTile(override ?? tiling.tile, manifest), batch: 1 };
  }
  const outputPixelsPerCall = gpuBudgetBytes / bytesPerOutputPixel;
  const fittingSide = Math.sqrt(outputPixelsPerCall) / scale;
  const auto = Math.min(4 * tiling.tile, Math.max(tiling.tile, fittingSide));
  const tile = normaliseTile(override ?? auto, manifest);
  const batch = Math.floor(outputPixelsPerCall / (tile * scale) ** 2);
  return { tile, batch: Math.min(8, Math.max(1, batch)) };
}

/**
 * What a GPU calibration measures (tile-calibration.ts): the preferred tile
 * and its double and quadruple, each in batches of 1, 2, 4 and 8, up to four
 * times the budget above (a big GPU has that much; on a small one the
 * calibration meets "out of memory" and skips what is bigger); smallest
 * calls first.
 */
export function gpuPlanCandidates(manifest: Tiling): TilePlan[] {
  const { scale, tiling } = manifest;
  const mostOutputPixels = (4 * gpuBudgetBytes) / bytesPerOutputPixel;
  const tiles = [1, 2, 4].map((factor) => normaliseTile(factor * tiling.tile, manifest));
  return [...new Set(tiles)].flatMap((tile) =>
    [1, 2, 4, 8]
      .filter((batch) => batch === 1 || batch * (tile * scale) ** 2 <= mostOutputPixels)
      .map((batch) => ({ tile, batch })),
  );
}

/** Rounds down to the size multiple, but keeps room for two overlaps plus content. */
function normaliseTile(tile: number, { tiling }: Tiling): number {
  const smallest = roundUp(2 * tiling.overlap + tiling.multiple, tiling.multiple);
  return Math.max(smallest, Math.floor(tile / tiling.multiple) * tiling.multiple);
}

/** The next tile to try after running out of memory, or null when already at the smallest. */
export function smallerTile(tile: number, manifest: Tiling): number | null {
  const next = normaliseTile(Math.floor(tile / 2), manifest);
  return next < tile ? next : null;
}
