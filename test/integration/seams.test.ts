/**
 * The tiled pipeline against the same image run as one tile: blending must
 * leave no seams, and the shared noise canvas must make the result independent
 * of the tile layout (up to blending). Real ONNX sessions, in-process.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelInfo } from '../../main/engine/registry.js';
import { upscalePixels, type PixelImage } from '../../main/engine/pipeline.js';
import { openModelSessions, type ModelSessions } from '../../main/engine/sessions.js';
import { TileHelpers, type TileWorkFactory } from '../../main/engine/tile-work.js';
import { fixtureModelsDir } from '../support/temp.js';

const model = loadModelInfo(path.join(fixtureModelsDir, 'yonos-tiny-x4'), false);
let sessions: ModelSessions;

beforeAll(async () => {
  sessions = await openModelSessions(model, 'cpu');
});
afterAll(async () => {
  await sessions.release();
});

function image(
  width: number,
  height: number,
  value: (x: number, y: number, c: number) => number,
): PixelImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      for (let c = 0; c < 3; c += 1) data[(y * width + x) * 3 + c] = value(x, y, c);
    }
  }
  return { width, height, channels: 3, bits: 8, data };
}

async function upscale(
  source: PixelImage,
  tile: number,
  options: { batch?: number; steps?: number; on?: ModelSessions; tileWork?: TileWorkFactory } = {},
) {
  const timings = { encoder: 0, unet: 0, decoder: 0, blend: 0, transfer: 0 };
  return upscalePixels(
    source,
    await (options.on ?? sessions).device(),
    {
      manifest: model.manifest,
      tile,
      batch: options.batch ?? 1,
      steps: options.steps ?? 1,
      seed: 0,
    },
    timings,
    options.tileWork,
  );
}

function differences(a: PixelImage, b: PixelImage): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  a.data.forEach((value, i) => {
    const difference = Math.abs(value - (b.data[i] ?? 0));
    max = Math.max(max, difference);
    sum += difference;
  });
  return { max, mean: sum / a.data.length };
}

/** Mean |horizontal second difference| of the output in the columns of tile boundaries vs all columns. */
function columnRoughness(
  result: PixelImage,
  columns: number[],
): { at: number; everywhere: number } {
  const { width, height, data } = result;
  const rough = (x: number): number => {
    let sum = 0;
    for (let y = 0; y < height; y += 1) {
      for (let c = 0; c < 3; c += 1) {
        const at = (dx: number): number => data[(y * width + x + dx) * 3 + c] ?? 0;
        sum += Math.abs(at(-1) - 2 * at(0) + at(1));
      }
    }
    return sum / (height * 3);
  };
  const all = Array.from({ length: width - 2 }, (_, x) => rough(x + 1));
  return {
    at: Math.max(...columns.map(rough)),
    everywhere: all.reduce((s, v) => s + v, 0) / all.length,
  };
}

describe('tiled upscaling', () => {
  it('keeps a constant image constant across tile boundaries', async () => {
    const result = await upscale(
      image(72, 56, (_x, _y, c) => [90, 140, 200][c] ?? 0),
      32,
    );
    expect([result.width, result.height]).toEqual([288, 224]);
    for (let c = 0; c < 3; c += 1) {
      const values = Array.from(
        { length: result.width * result.height },
        (_, i) => result.data[i * 3 + c] ?? 0,
      );
      expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(2);
    }
  });

  it('shows no seam on a gradient: tiled equals one whole-image tile, up to blending', async () => {
    const gradient = image(88, 64, (x, y, c) => Math.round(20 + 2 * x + y + 10 * c));
    const tiled = await upscale(gradient, 32);
    const whole = await upscale(gradient, 88);
    const { max, mean } = differences(tiled, whole);
    // Measured: mean 0.011 levels; tile-local noise would give 0.047.
    expect(max).toBeLessThanOrEqual(3);
    expect(mean).toBeLessThan(0.03);
    // Tile starts for an 88-px axis with tile 32, overlap 8: 0, 20, 36, 56 (×4 in the output).
    const { at, everywhere } = columnRoughness(tiled, [80, 144, 224]);
    expect(at).toBeLessThan(everywhere + 1);
  });

  it('is independent of the tile layout with several DDIM steps (one noise canvas)', async () => {
    const photo = image(64, 64, (x, y, c) =>
      Math.round(128 + 80 * Math.sin(x / 5 + c) * Math.cos(y / 6)),
    );
    const small = await upscale(photo, 24, { steps: 3 });
    const large = await upscale(photo, 40, { steps: 3 });
    const { max, mean } = differences(small, large);
    // Measured: mean 0.025 levels; tile-local noise would give 0.20.
    expect(mean).toBeLessThan(0.08);
    expect(max).toBeLessThanOrEqual(2);
  });

  it('gives the same pixels whether tiles are batched or not', async () => {
    const photo = image(60, 44, (x, y, c) => (x * 5 + y * 3 + c * 40) % 256);
    const single = await upscale(photo, 24, { batch: 1 });
    const batched = await upscale(photo, 24, { batch: 3 });
    expect(differences(single, batched).max).toBeLessThanOrEqual(1);
  });

  it('keeps grey images grey and 16-bit images 16-bit', async () => {
    const grey: PixelImage = {
      width: 20,
      height: 12,
      channels: 1,
      bits: 16,
      data: Uint16Array.from({ length: 240 }, (_, i) => 20000 + i * 100),
    };
    const result = await upscale(grey, 64);
    expect(result).toMatchObject({ width: 80, height: 48, channels: 1, bits: 16 });
    expect(result.data).toBeInstanceOf(Uint16Array);
    expect(result.data.length).toBe(80 * 48);
    expect(result.data.some((value) => value % 257 !== 0)).toBe(true);
  });

  it('gives the same pixels with tensors kept in ORT between graphs (the GPU path) and tile work on helper threads', async () => {
    const photo = image(60, 44, (x, y, c) => (x * 7 + y * 3 + c * 50) % 256);
    const resident = await openModelSessions(model, 'cpu', { residency: 'cpu' });
    const helpers = new TileHelpers();
    try {
      const host = await upscale(photo, 24, { batch: 2, steps: 2 });
      const kept = await upscale(photo, 24, { batch: 2, steps: 2, on: resident });
      const threaded = await upscale(photo, 24, {
        batch: 2,
        steps: 2,
        tileWork: helpers.work,
      });
      // The helper threads serve the next image too.
      const again = await upscale(photo, 24, { batch: 2, steps: 2, tileWork: helpers.work });
      expect(differences(host, kept).max).toBe(0);
      expect(differences(host, threaded).max).toBe(0);
      expect(differences(host, again).max).toBe(0);
    } finally {
      await helpers.close();
      await resident.release();
    }
  });
});
