/**
 * The tiled whole-image pipeline of native-models/CONTRACT.md, independent of
 * ONNX Runtime (it talks to a ModelRunner) and of files (it takes and returns
 * pixel buffers). Per batch of equal-size tiles: encoder → DDIM over the U-Net
 * from the shared noise canvas → decoder, then feathered blending into a band
 * of output rows that is flushed to the integer output as soon as no later
 * tile can touch it, so no float canvas of the whole output ever exists.
 */
import { performance } from 'node:perf_hooks';
import { strengthInput, type ModelManifest } from './manifest.js';
import { fillNoise } from './noise.js';
import { ddimPlan, ddimUpdate } from './schedule.js';
import { featherWeights, planTiles, type Tile, type TileLayout } from './tiler.js';

export type Pixels = Uint8Array | Uint16Array;

/** Interleaved colour pixels (no alpha), 8 or 16 bits per sample. */
export interface PixelImage {
  width: number;
  height: number;
  channels: 1 | 3;
  bits: 8 | 16;
  data: Pixels;
}

export interface TensorData {
  data: Float32Array;
  dims: readonly number[];
}

/** One call of one graph of the model package. */
export type ModelRunner = (
  graph: 'encoder' | 'unet' | 'decoder',
  feeds: Record<string, TensorData>,
) => Promise<TensorData>;

export interface PipelineTimings {
  encoder: number;
  unet: number;
  decoder: number;
  blend: number;
}

export interface PipelineOptions {
  manifest: Pick<ModelManifest, 'scale' | 'latent' | 'schedule' | 'tiling'>;
  /** LR tile side, a multiple of tiling.multiple. */
  tile: number;
  /** Tiles per model call. */
  batch: number;
  steps: number;
  seed: number;
  /** The decoder's look blend, 0 = faithful … 1 = detailed; absent or null for a decoder without that input. */
  strength?: number | null;
  /** Called between model calls; throws to cancel. */
  checkpoint?: () => void;
  onTile?: (tilesDone: number, tilesTotal: number) => void;
}

export async function upscalePixels(
  image: PixelImage,
  run: ModelRunner,
  options: PipelineOptions,
  timings: PipelineTimings,
): Promise<PixelImage> {
  const { overlap, multiple } = options.manifest.tiling;
  const { width, height } = image;
  const layout = planTiles({ width, height, tile: options.tile, overlap, multiple });
  const { scale } = options.manifest;
  const output = new OutputBand(image, layout, scale, options.manifest.tiling.overlap);
  const timed = timedRunner(run, timings);
  const tiles = layout.tiles;
  for (let first = 0; first < tiles.length; first += options.batch) {
    const batch = tiles.slice(first, first + options.batch);
    const hr = await upscaleBatch(image, batch, timed, options, timings);
    const started = performance.now();
    batch.forEach((tile, index) => {
      output.add(tile, hr, index);
    });
    timings.blend += performance.now() - started;
    options.onTile?.(first + batch.length, tiles.length);
  }
  const started = performance.now();
  const result = output.finish();
  timings.blend += performance.now() - started;
  return result;
}

async function upscaleBatch(
  image: PixelImage,
  batch: readonly Tile[],
  run: ModelRunner,
  options: PipelineOptions,
  timings: PipelineTimings,
): Promise<Float32Array> {
  const { manifest, checkpoint } = options;
  const { scale, latent, schedule } = manifest;
  const [first] = batch;
  if (first === undefined) return new Float32Array(0);
  const { width, height } = first;
  const n = batch.length;
  let started = performance.now();
  const lr = { data: extractTiles(image, batch), dims: [n, 3, height, width] };
  const latentHeight = (height * scale) / latent.factor;
  const latentWidth = (width * scale) / latent.factor;
  const z = noiseForTiles(batch, options.seed, latent, scale, latentHeight, latentWidth);
  timings.blend += performance.now() - started;
  const zLow = await run('encoder', { lr });
  checkpoint?.();
  const latentDims = [n, latent.channels, latentHeight, latentWidth];
  for (const step of ddimPlan(options.steps, schedule)) {
    const logsnr = { data: new Float32Array(n).fill(step.logsnr), dims: [n] };
    const v = await run('unet', { z_t: { data: z, dims: latentDims }, z_l: zLow, logsnr });
    started = performance.now();
    ddimUpdate(z, v.data, step);
    timings.blend += performance.now() - started;
    checkpoint?.();
  }
  const hr = await run('decoder', {
    z: { data: z, dims: latentDims },
    lr,
    ...decoderLookFeed(options.strength ?? null),
  });
  checkpoint?.();
  return hr.data;
}

function decoderLookFeed(strength: number | null): Record<string, TensorData> {
  return strength === null
    ? {}
    : { [strengthInput]: { data: Float32Array.of(strength), dims: [1] } };
}

function timedRunner(run: ModelRunner, timings: PipelineTimings): ModelRunner {
  return async (graph, feeds) => {
    const started = performance.now();
    try {
      return await run(graph, feeds);
    } finally {
      timings[graph] += performance.now() - started;
    }
  };
}

/** N×3×h×w float32 in [0, 1]; reads past the image edge replicate the edge, grey becomes RGB. */
function extractTiles(image: PixelImage, tiles: readonly Tile[]): Float32Array {
  const [first] = tiles;
  if (first === undefined) return new Float32Array(0);
  const { width: tileWidth, height: tileHeight } = first;
  const plane = tileWidth * tileHeight;
  const out = new Float32Array(tiles.length * 3 * plane);
  const { width, height, channels, data } = image;
  const unit = 1 / (image.bits === 16 ? 65535 : 255);
  tiles.forEach((tile, n) => {
    const base = n * 3 * plane;
    for (let y = 0; y < tileHeight; y += 1) {
      const rowStart = Math.min(tile.y + y, height - 1) * width;
      for (let x = 0; x < tileWidth; x += 1) {
        const source = (rowStart + Math.min(tile.x + x, width - 1)) * channels;
        const target = base + y * tileWidth + x;
        for (let c = 0; c < 3; c += 1) {
          out[target + c * plane] = (data[source + (channels === 3 ? c : 0)] ?? 0) * unit;
        }
      }
    }
  });
  return out;
}

function noiseForTiles(
  tiles: readonly Tile[],
  seed: number,
  latent: { factor: number; channels: number },
  scale: number,
  height: number,
  width: number,
): Float32Array {
  const z = new Float32Array(tiles.length * latent.channels * height * width);
  tiles.forEach((tile, n) => {
    fillNoise(z, n * latent.channels * height * width, {
      seed,
      channels: latent.channels,
      top: (tile.y * scale) / latent.factor,
      left: (tile.x * scale) / latent.factor,
      height,
      width,
    });
  });
  return z;
}

/**
 * The float accumulator for the output rows that tiles still write to. Tiles
 * arrive in row-major order, so when a tile starting at output row Y arrives,
 * every row above Y is final and is converted to integers.
 */
class OutputBand {
  readonly #output: PixelImage;
  readonly #scale: number;
  readonly #columnWeights: Float32Array[];
  readonly #rowWeights: Float32Array[];
  readonly #rowLength: number;
  readonly #band: Float32Array;
  /** The output row held in the band's first row. */
  #top = 0;

  constructor(image: PixelImage, layout: TileLayout, scale: number, overlap: number) {
    const width = image.width * scale;
    const height = image.height * scale;
    const length = width * height * image.channels;
    const data = image.bits === 16 ? new Uint16Array(length) : new Uint8Array(length);
    this.#output = { width, height, channels: image.channels, bits: image.bits, data };
    this.#scale = scale;
    this.#columnWeights = featherWeights(layout.columns, overlap, scale);
    this.#rowWeights = featherWeights(layout.rows, overlap, scale);
    this.#rowLength = width * 3;
    const bandRows = Math.max(...layout.rows.map((row) => row.size)) * scale;
    this.#band = new Float32Array(bandRows * this.#rowLength);
  }

  /** Blends tile `index` of a decoder batch (N×3×h×w) into the band. */
  add(tile: Tile, hr: Float32Array, index: number): void {
    const scale = this.#scale;
    this.#flushUpTo(tile.y * scale);
    const tileWidth = tile.width * scale;
    const tileHeight = tile.height * scale;
    const plane = tileWidth * tileHeight;
    const base = index * 3 * plane;
    const columnWeights = this.#columnWeights[tile.column] ?? new Float32Array(0);
    const rowWeights = this.#rowWeights[tile.row] ?? new Float32Array(0);
    const left = tile.x * scale;
    const visibleWidth = Math.min(tileWidth, this.#output.width - left);
    const visibleHeight = Math.min(tileHeight, this.#output.height - tile.y * scale);
    const band = this.#band;
    for (let y = 0; y < visibleHeight; y += 1) {
      const rowWeight = rowWeights[y] ?? 0;
      const bandRow = (tile.y * scale + y - this.#top) * this.#rowLength + left * 3;
      const source = base + y * tileWidth;
      for (let x = 0; x < visibleWidth; x += 1) {
        const weight = rowWeight * (columnWeights[x] ?? 0);
        const target = bandRow + x * 3;
        band[target] = (band[target] ?? 0) + weight * (hr[source + x] ?? 0);
        band[target + 1] = (band[target + 1] ?? 0) + weight * (hr[source + plane + x] ?? 0);
        band[target + 2] = (band[target + 2] ?? 0) + weight * (hr[source + 2 * plane + x] ?? 0);
      }
    }
  }

  finish(): PixelImage {
    this.#flushUpTo(this.#output.height);
    return this.#output;
  }

  /** Converts band rows above output row `end` to integers and moves the rest up. */
  #flushUpTo(end: number): void {
    const rows = Math.min(end, this.#output.height) - this.#top;
    if (rows <= 0) return;
    const { data, channels, width, bits } = this.#output;
    const max = bits === 16 ? 65535 : 255;
    const band = this.#band;
    const count = rows * width;
    const outputStart = this.#top * width * channels;
    for (let i = 0; i < count; i += 1) {
      const r = band[i * 3] ?? 0;
      const g = band[i * 3 + 1] ?? 0;
      const b = band[i * 3 + 2] ?? 0;
      if (channels === 3) {
        data[outputStart + i * 3] = toInteger(r, max);
        data[outputStart + i * 3 + 1] = toInteger(g, max);
        data[outputStart + i * 3 + 2] = toInteger(b, max);
      } else {
        // Grey in, grey out: BT.601 luma of the (near-identical) RGB the model returns.
        data[outputStart + i] = toInteger(0.299 * r + 0.587 * g + 0.114 * b, max);
      }
    }
    const used = rows * this.#rowLength;
    band.copyWithin(0, used);
    band.fill(0, band.length - used);
    this.#top += rows;
  }
}

function toInteger(value: number, max: number): number {
  const scaled = Math.round(value * max);
  return scaled < 0 ? 0 : scaled > max ? max : scaled;
}
