/**
 * The pipeline's tiling, noise and blending maths with an analytic stand-in
 * for the model (the ONNX Runtime boundary): every graph is position-
 * equivariant, so any correct tiling must reproduce the whole-image result
 * exactly, and the output depends strongly on the noise canvas.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../main/engine/manifest.js';
import {
  hostDevice,
  upscalePixels,
  type ModelRunner,
  type PixelImage,
  type TensorData,
} from '../../main/engine/pipeline.js';
import { must } from '../support/must.js';
import { fixtureModelsDir } from '../support/temp.js';

const manifestOf = (id: string) =>
  parseManifest(readFileSync(path.join(fixtureModelsDir, id, 'manifest.json'), 'utf8'));

/** z_l and hr are nearest-neighbour functions of the inputs at the same position; v is pointwise. */
function analyticRunner(scale: number, factor: number): ModelRunner {
  const at = (t: TensorData, n: number, c: number, y: number, x: number): number => {
    const [, channels = 0, height = 0, width = 0] = t.dims;
    return t.data[((n * channels + c) * height + y) * width + x] ?? NaN;
  };
  const build = (dims: number[], value: (n: number, c: number, y: number, x: number) => number) => {
    const [n = 0, c = 0, h = 0, w = 0] = dims;
    const data = new Float32Array(n * c * h * w);
    let i = 0;
    for (let a = 0; a < n; a += 1)
      for (let b = 0; b < c; b += 1)
        for (let y = 0; y < h; y += 1) for (let x = 0; x < w; x += 1) data[i++] = value(a, b, y, x);
    return { data, dims };
  };
  const ratio = scale / factor;
  return (graph, feeds) => {
    if (graph === 'encoder') {
      const lr = must(feeds.lr);
      const [n = 0, , h = 0, w = 0] = lr.dims;
      return Promise.resolve(
        build(
          [n, 4, h * ratio, w * ratio],
          (a, c, y, x) => 2 * at(lr, a, c % 3, Math.floor(y / ratio), Math.floor(x / ratio)) - 1,
        ),
      );
    }
    if (graph === 'unet') {
      const z = must(feeds.z_t);
      const zl = must(feeds.z_l);
      return Promise.resolve(
        build([...z.dims], (a, c, y, x) => 0.5 * at(z, a, c, y, x) - at(zl, a, c, y, x)),
      );
    }
    const z = must(feeds.z);
    const lr = must(feeds.lr);
    const [n = 0, , h = 0, w = 0] = lr.dims;
    return Promise.resolve(
      build([n, 3, h * scale, w * scale], (a, c, y, x) =>
        Math.min(
          1,
          Math.max(
            0,
            at(lr, a, c, Math.floor(y / scale), Math.floor(x / scale)) +
              0.2 * Math.tanh(at(z, a, c, Math.floor(y / factor), Math.floor(x / factor))),
          ),
        ),
      ),
    );
  };
}

function photo(width: number, height: number, channels: 1 | 3 = 3): PixelImage {
  const data = new Uint8Array(width * height * channels);
  // Values in [64, 192), so the analytic output (input ± 0.2) is never 0.
  data.forEach((_, i) => (data[i] = 64 + ((i * 37 + Math.floor(i / 7) * 11) % 128)));
  return { width, height, channels, bits: 8, data };
}

async function run(
  image: PixelImage,
  id: string,
  options: { tile: number; batch?: number; steps?: number; seed?: number },
): Promise<PixelImage> {
  const manifest = manifestOf(id);
  const timings = { encoder: 0, unet: 0, decoder: 0, blend: 0, transfer: 0 };
  return upscalePixels(
    image,
    hostDevice(analyticRunner(manifest.scale, manifest.latent.factor)),
    { manifest, batch: 1, steps: 3, seed: 9, ...options },
    timings,
  );
}

function maxDifference(a: PixelImage, b: PixelImage): number {
  expect([a.width, a.height, a.data.length]).toEqual([b.width, b.height, b.data.length]);
  let max = 0;
  a.data.forEach((value, i) => (max = Math.max(max, Math.abs(value - (b.data[i] ?? NaN)))));
  return max;
}

describe('tiled pipeline maths', () => {
  it.each(['yonos-tiny-x2', 'yonos-tiny-x4', 'yonos-tiny-x8'])(
    '%s: any tile layout and batch size reproduces the whole-image result',
    async (id) => {
      const image = photo(70, 45);
      const whole = await run(image, id, { tile: 72 });
      for (const [tile, batch] of [
        [24, 1],
        [32, 3],
        [48, 2],
      ] as const) {
        // Float blending may move a value across a rounding boundary: at most one level.
        expect(maxDifference(await run(image, id, { tile, batch }), whole)).toBeLessThanOrEqual(1);
      }
    },
  );

  it('depends on the noise canvas (so the invariance above is not vacuous)', async () => {
    const image = photo(40, 40);
    const a = await run(image, 'yonos-tiny-x4', { tile: 24, seed: 1 });
    const b = await run(image, 'yonos-tiny-x4', { tile: 24, seed: 2 });
    expect(maxDifference(a, b)).toBeGreaterThan(10);
  });

  it('writes every output pixel, grey in grey out', async () => {
    const grey = photo(33, 17, 1);
    const result = await run(grey, 'yonos-tiny-x4', { tile: 16 });
    expect(result).toMatchObject({ width: 132, height: 68, channels: 1, bits: 8 });
    // A zero would be a pixel no tile wrote: the analytic model never outputs 0 for this input.
    expect(result.data.includes(0)).toBe(false);
    expect(
      maxDifference(result, await run(grey, 'yonos-tiny-x4', { tile: 36 })),
    ).toBeLessThanOrEqual(1);
  });

  it('calls the model once per batch and step', async () => {
    const manifest = manifestOf('yonos-tiny-x4');
    const calls: string[] = [];
    const runner = analyticRunner(4, 4);
    const counting: ModelRunner = (graph, feeds) => {
      calls.push(`${graph}:${String(feeds.lr?.dims[0] ?? feeds.z_t?.dims[0])}`);
      return runner(graph, feeds);
    };
    const timings = { encoder: 0, unet: 0, decoder: 0, blend: 0, transfer: 0 };
    const ticks: number[] = [];
    await upscalePixels(
      photo(40, 20),
      hostDevice(counting),
      { manifest, tile: 16, batch: 2, steps: 2, seed: 0, onTile: (done) => ticks.push(done) },
      timings,
    );
    // 40×20 with tile 16, overlap 8 → 4 columns × 2 rows = 8 tiles in 4 batches of 2.
    expect(calls.filter((call) => call === 'encoder:2')).toHaveLength(4);
    expect(calls.filter((call) => call === 'unet:2')).toHaveLength(8);
    expect(calls.filter((call) => call === 'decoder:2')).toHaveLength(4);
    expect(ticks).toEqual([2, 4, 6, 8]);
  });
});
