/**
 * The tiled whole-image pipeline of native-models/CONTRACT.md, independent of
 * ONNX Runtime (it talks to an InferenceDevice) and of files (it takes and
 * returns pixel buffers). Per batch of equal-size tiles: encoder → DDIM over
 * the U-Net from the shared noise canvas → decoder, then feathered blending
 * (output-band.ts). The CPU side of each batch (its inputs, and blending its
 * output) is TileWork, which may run on a helper thread while this one waits
 * for the model: the next batch's inputs are asked for before the model runs.
 * A single-graph package (`yonos-graph/1`) takes the same path, with one
 * image → image call per batch instead of the three graphs (image-graph.ts).
 */
import { performance } from 'node:perf_hooks';
import { isGraphManifest, type GraphManifest } from './graph-manifest.js';
import { upscaleGraphBatch } from './image-graph.js';
import type { GraphName, ModelManifest } from './manifest.js';
import { ddimPlan, ddimUpdate, type DdimStep } from './schedule.js';
import { planTiles, type Tile } from './tiler.js';
import type { TileInputs } from './tile-inputs.js';
import { localTileWork, type TileWork, type TileWorkFactory } from './tile-work.js';

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

/** The graphs a device runs: a YONOS package's three, or a single-graph package's one. */
export type DeviceGraph = GraphName | 'image';

/** One call of one graph of the model package, on host memory. */
export type ModelRunner<G extends DeviceGraph = GraphName> = (
  graph: G,
  feeds: Record<string, TensorData>,
) => Promise<TensorData>;

/**
 * Where the model runs and its tensors live. `T` is the device's tensor: host
 * memory on the CPU; on a GPU it can stay there from the encoder to the
 * decoder, crossing to the host only through `upload` and `download`.
 */
export interface InferenceDevice<T, G extends DeviceGraph = GraphName> {
  /** Its tensors are host memory: upload and download copy nothing (and are not timed). */
  readonly hostMemory: boolean;
  upload(tensor: TensorData): Promise<T>;
  run(graph: G, feeds: Record<string, T | TensorData>): Promise<T>;
  /** One DDIM update of the latent `z` by the U-Net's prediction `v`; `z` may be updated in place. */
  ddimStep(z: T, v: T, step: DdimStep): Promise<T>;
  download(tensor: T): Promise<Float32Array>;
  /** Frees device tensors that are no longer needed. */
  release(tensors: readonly T[]): void;
}

export interface PipelineTimings {
  encoder: number;
  /** U-Net calls and the DDIM updates between them. */
  unet: number;
  decoder: number;
  /** Time this thread spent on (or waiting for) tile inputs and blending. */
  blend: number;
  /** Host ↔ device copies made explicitly (uploads of inputs, downloads of outputs). */
  transfer: number;
}

type YonosPipelineManifest = Pick<
  ModelManifest,
  'format' | 'scale' | 'latent' | 'schedule' | 'tiling'
>;
export type PipelineManifest = YonosPipelineManifest | GraphManifest;

export interface PipelineOptions<M extends PipelineManifest = PipelineManifest> {
  manifest: M;
  /** LR tile side, a multiple of tiling.multiple. */
  tile: number;
  /** Tiles per model call. */
  batch: number;
  steps: number;
  seed: number;
  /** Called between model calls; throws to cancel. */
  checkpoint?: () => void;
  onTile?: (tilesDone: number, tilesTotal: number) => void;
}

export async function upscalePixels<T>(
  image: PixelImage,
  device: InferenceDevice<T, DeviceGraph>,
  options: PipelineOptions,
  timings: PipelineTimings,
  tileWork: TileWorkFactory = localTileWork,
): Promise<PixelImage> {
  const { overlap, multiple } = options.manifest.tiling;
  const { width, height } = image;
  const layout = planTiles({ width, height, tile: options.tile, overlap, multiple });
  const { scale } = options.manifest;
  const latent = isGraphManifest(options.manifest) ? null : options.manifest.latent;
  const batches: Tile[][] = [];
  for (let first = 0; first < layout.tiles.length; first += options.batch) {
    batches.push(layout.tiles.slice(first, first + options.batch));
  }
  const work = tileWork(image, { layout, batches, scale, overlap, latent, seed: options.seed });
  const cpuSide = <R>(task: () => Promise<R>): Promise<R> => timed(timings, 'blend', task);
  try {
    let next = prefetch(work, 0, timings);
    let tilesDone = 0;
    for (const [index, batch] of batches.entries()) {
      const inputs = await cpuSide(() => next);
      if (index + 1 < batches.length) next = prefetch(work, index + 1, timings);
      const hr = await runBatch(device, batch, inputs, options, timings);
      await cpuSide(() => work.blend(index, hr));
      tilesDone += batch.length;
      options.onTile?.(tilesDone, layout.tiles.length);
    }
    return await cpuSide(() => work.finish());
  } finally {
    await work.close();
  }
}

/**
 * Asks for a batch's inputs ahead; if the upscale stops first, their failure
 * is nobody's concern. Local work runs as it is asked for, so asking is timed.
 */
function prefetch(work: TileWork, batch: number, timings: PipelineTimings): Promise<TileInputs> {
  const started = performance.now();
  const inputs = work.inputs(batch);
  timings.blend += performance.now() - started;
  inputs.catch(() => undefined);
  return inputs;
}

/** One batch through the package's graphs: its HR output, N×3×h·s×w·s in [0, 1]. */
function runBatch<T>(
  device: InferenceDevice<T, DeviceGraph>,
  batch: readonly Tile[],
  inputs: TileInputs,
  options: PipelineOptions,
  timings: PipelineTimings,
): Promise<Float32Array> {
  const { manifest } = options;
  return isGraphManifest(manifest)
    ? upscaleGraphBatch(device, batch, inputs, { ...options, manifest }, timings)
    : upscaleBatch(device, batch, inputs, { ...options, manifest }, timings);
}

async function upscaleBatch<T>(
  device: InferenceDevice<T, DeviceGraph>,
  batch: readonly Tile[],
  inputs: TileInputs,
  options: PipelineOptions<YonosPipelineManifest>,
  timings: PipelineTimings,
): Promise<Float32Array> {
  const { manifest, checkpoint } = options;
  const { scale, latent, schedule } = manifest;
  const [first] = batch;
  if (first === undefined) return new Float32Array(0);
  const { width, height } = first;
  const n = batch.length;
  const latentDims = [
    n,
    latent.channels,
    (height * scale) / latent.factor,
    (width * scale) / latent.factor,
  ];
  const held: T[] = [];
  const hold = (tensor: T): T => {
    held.push(tensor);
    return tensor;
  };
  const transfer = <R>(work: () => Promise<R>): Promise<R> =>
    device.hostMemory ? work() : timed(timings, 'transfer', work);
  try {
    const [lr, start] = await transfer(() =>
      Promise.all([
        device.upload({ data: inputs.lr, dims: [n, 3, height, width] }),
        device.upload({ data: inputs.noise, dims: latentDims }),
      ]),
    );
    hold(lr);
    let z = hold(start);
    const zLow = hold(await timed(timings, 'encoder', () => device.run('encoder', { lr })));
    checkpoint?.();
    for (const step of ddimPlan(options.steps, schedule)) {
      const logsnr = { data: new Float32Array(n).fill(step.logsnr), dims: [n] };
      const current = z;
      z = await timed(timings, 'unet', async () => {
        const v = hold(await device.run('unet', { z_t: current, z_l: zLow, logsnr }));
        return hold(await device.ddimStep(current, v, step));
      });
      checkpoint?.();
    }
    const hr = hold(await timed(timings, 'decoder', () => device.run('decoder', { z, lr })));
    checkpoint?.();
    return await transfer(() => device.download(hr));
  } finally {
    device.release([...new Set(held)]);
  }
}

/** Milliseconds of one batch through the model on blank inputs: what a tile calibration times. */
export async function timeModelCall<T>(
  device: InferenceDevice<T, DeviceGraph>,
  manifest: PipelineManifest,
  { tile, batch }: { tile: number; batch: number },
  steps: number,
): Promise<number> {
  const { scale } = manifest;
  const latent = isGraphManifest(manifest) ? { factor: 1, channels: 0 } : manifest.latent;
  const tiles = Array.from({ length: batch }, () => ({
    x: 0,
    y: 0,
    width: tile,
    height: tile,
    column: 0,
    row: 0,
  }));
  const latentSide = (tile * scale) / latent.factor;
  const inputs: TileInputs = {
    lr: new Float32Array(batch * 3 * tile * tile).fill(0.5),
    noise: new Float32Array(batch * latent.channels * latentSide * latentSide),
  };
  const scratch = { encoder: 0, unet: 0, decoder: 0, blend: 0, transfer: 0 };
  const started = performance.now();
  await runBatch(device, tiles, inputs, { manifest, tile, batch, steps, seed: 0 }, scratch);
  return performance.now() - started;
}

/** The device for host-memory runners (the CPU provider, and stand-ins in tests). */
export function hostDevice<G extends DeviceGraph = GraphName>(
  run: ModelRunner<G>,
): InferenceDevice<TensorData, G> {
  return {
    hostMemory: true,
    upload: (tensor) => Promise.resolve(tensor),
    run: (graph, feeds) => run(graph, feeds),
    ddimStep: (z, v, step) => {
      ddimUpdate(z.data, v.data, step);
      return Promise.resolve(z);
    },
    download: (tensor) => Promise.resolve(tensor.data),
    release: () => undefined,
  };
}

export async function timed<R>(
  timings: PipelineTimings,
  stage: keyof PipelineTimings,
  work: () => Promise<R>,
): Promise<R> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[stage] += performance.now() - started;
  }
}
