/**
 * One upscale, start to finish, inside the worker: decode → tiled inference
 * (with out-of-memory and provider fallbacks) → alpha → atomic encode.
 */
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import {
  checkOutputSize,
  decodeImage,
  defaultLimits,
  readImageHeader,
  upscaleAlpha,
  writeImageAtomically,
  type DecodedImage,
} from './image-io.js';
import type { DeviceState } from './device-state.js';
import { reserveTempFile } from './output-file.js';
import { formatFromPath } from './output-path.js';
import { providerName } from './devices.js';
import { timeModelCall, upscalePixels, type InferenceDevice, type PixelImage } from './pipeline.js';
import { firstLine, isOutOfMemory, ModelPackageError, openWithFallback } from './providers.js';
import { openModelSessions, type ModelSessions, type SessionModel } from './sessions.js';
import { calibrateTilePlan, cachedTilePlan } from './tile-calibration.js';
import { gpuPlanCandidates, planTileSize, smallerTile, type TilePlan } from './tile-size.js';
import type { TileWorkFactory } from './tile-work.js';
import type { OutputFormat, StageTimings, UpscaleProgress, UpscaleResult } from './types.js';
import type { UpscaleJob } from './worker-protocol.js';
import { defaultSteps, isGraphManifest } from './graph-manifest.js';
import { graphTilePlan } from './image-graph.js';

/** Thrown at a checkpoint once the caller has aborted. */
export class CancelSignal extends Error {}

export interface JobContext {
  /** Where machine facts are cached (device checks, calibrated tile plans). */
  dataDir: string;
  devices: DeviceState;
  sessions: SessionCache;
  /** Where the CPU side of the tiles runs (helper threads in the worker). */
  tileWork: TileWorkFactory;
  log: (message: string) => void;
  onProvider: (provider: string) => void;
  onProgress: (progress: UpscaleProgress) => void;
  /** The model is done with the job; only encoding is left. */
  onInferred: () => void;
  /** Throws CancelSignal when the caller has aborted. */
  checkpoint: () => void;
}

/** Keeps one model's sessions open between files; opening costs more than a small upscale. */
export class SessionCache {
  #current: { key: string; sessions: ModelSessions } | null = null;

  async open(
    model: SessionModel,
    providers: readonly string[],
    context: Pick<JobContext, 'devices' | 'log'>,
  ): Promise<ModelSessions> {
    const key = `${model.dir}\n${providers.join(',')}`;
    if (this.#current?.key === key) return this.#current.sessions;
    await this.close();
    const { value } = await openWithFallback(
      providers,
      async (provider) =>
        openModelSessions(model, provider, await context.devices.sessionOptions(provider)),
      context.log,
    );
    this.#current = { key, sessions: value };
    return value;
  }

  async close(): Promise<void> {
    await this.#current?.sessions.release();
    this.#current = null;
  }
}

export async function runUpscaleJob(job: UpscaleJob, context: JobContext): Promise<UpscaleResult> {
  const started = performance.now();
  const timings: StageTimings = {
    decode: 0,
    encoder: 0,
    unet: 0,
    decoder: 0,
    blend: 0,
    transfer: 0,
    encode: 0,
  };
  const format = job.options.format ?? formatFromPath(job.output);
  if (format === undefined) {
    throw new Error(`Cannot tell the output format from ${job.output}; name a format.`);
  }
  const { scale } = job.model.manifest;
  context.checkpoint();
  // Before any work, so an unwritable folder fails in a second, not after minutes of inference.
  const temp = await reserveTempFile(job.output);
  try {
    const decoded = await timed(timings, 'decode', async () => {
      // Both limits are checked from the header: nothing is decoded for an input that is refused.
      const header = await readImageHeader(job.input, defaultLimits);
      checkOutputSize(header.width * scale, header.height * scale, format, defaultLimits);
      return decodeImage(job.input, header, defaultLimits);
    });
    context.checkpoint();
    const inference = await inferWithFallbacks(decoded.colour, job, context, timings, started);
    context.onInferred();
    await timed(timings, 'encode', () =>
      encode(job, decoded, inference.image, { format, temp }, context),
    );
    return result(job, inference, timings, started);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function result(
  job: UpscaleJob,
  inference: Inference,
  timings: StageTimings,
  started: number,
): UpscaleResult {
  return {
    input: job.input,
    output: job.output,
    width: inference.image.width,
    height: inference.image.height,
    ms: performance.now() - started,
    device: inference.provider,
    modelId: job.model.id,
    tiles: inference.tiles,
    tile: inference.tile,
    timings,
  };
}

async function encode(
  job: UpscaleJob,
  decoded: DecodedImage,
  image: PixelImage,
  target: { format: OutputFormat; temp: string },
  context: JobContext,
): Promise<void> {
  const alpha =
    decoded.alpha === null ? null : await upscaleAlpha(decoded.alpha, decoded.colour, image);
  await writeImageAtomically({
    source: job.input,
    cmyk: decoded.cmyk,
    colour: image,
    alpha,
    output: job.output,
    ...target,
    quality: job.options.quality,
    mark: { modelId: job.model.id, scale: job.model.manifest.scale },
    beforeCommit: context.checkpoint,
  });
}

interface Inference {
  image: PixelImage;
  provider: string;
  tile: number;
  tiles: number;
}

/**
 * Runs the tiled pipeline; on a GPU that runs out of memory, retries with
 * smaller tiles, and on any other GPU failure (a lost device, say; or no
 * smaller tile left) starts the image again on the CPU and leaves that GPU
 * alone from then on. Nothing is written before the image is complete.
 */
async function inferWithFallbacks(
  colour: PixelImage,
  job: UpscaleJob,
  context: JobContext,
  timings: StageTimings,
  started: number,
): Promise<Inference> {
  const { manifest } = job.model;
  let sessions = await context.sessions.open(
    job.model,
    await context.devices.candidates(),
    context,
  );
  let plan: TilePlan | null = null;
  for (;;) {
    context.onProvider(sessions.provider);
    try {
      const device = await sessions.device(job.options);
      plan ??= await tilePlan(sessions.provider, sessions.residency, device, job, context);
      const { tile, batch } = plan;
      let tiles = 0;
      const image = await upscalePixels(
        colour,
        device,
        {
          manifest,
          tile,
          batch,
          steps: stepsOf(job),
          seed: job.options.seed ?? 0,
          checkpoint: context.checkpoint,
          onTile: (done, total) => {
            tiles = total;
            context.onProgress(progressEvent(job.input, done, total, started));
          },
        },
        timings,
        context.tileWork,
      );
      return { image, provider: sessions.provider, tile, tiles };
    } catch (error) {
      const noRetry = error instanceof CancelSignal || error instanceof ModelPackageError;
      if (noRetry || sessions.provider === 'cpu') throw error;
      const current: TilePlan = plan ?? basePlan(job, sessions.provider);
      const smaller: number | null = isOutOfMemory(error)
        ? smallerTile(current.tile, manifest)
        : null;
      if (smaller !== null) {
        context.log(
          `${sessions.provider} ran out of memory at tile ${current.tile}; retrying with ${smaller}.`,
        );
        plan = { tile: smaller, batch: 1 };
        continue;
      }
      context.devices.markLost(sessions.provider, firstLine(error));
      sessions = await context.sessions.open(job.model, ['cpu'], context);
      plan = basePlan(job, 'cpu');
    }
  }
}

const stepsOf = (job: UpscaleJob): number => job.options.steps ?? defaultSteps(job.model.manifest);

/** The plan before any calibration: a single graph's is the size it was probed at. */
function basePlan(job: UpscaleJob, provider: string): TilePlan {
  const { manifest } = job.model;
  return isGraphManifest(manifest)
    ? graphTilePlan(manifest, job.options.tile)
    : planTileSize(manifest, provider, job.options.tile);
}

/**
 * The CPU's plan, or the one asked for; on a GPU, the calibrated one (measured
 * the first time this model runs there, then cached for the machine).
 */
async function tilePlan(
  provider: string,
  residency: ModelSessions['residency'],
  device: InferenceDevice<unknown>,
  job: UpscaleJob,
  context: JobContext,
): Promise<TilePlan> {
  const { manifest, id } = job.model;
  if (provider === 'cpu' || job.options.tile !== undefined || isGraphManifest(manifest)) {
    return basePlan(job, provider);
  }
  const name = providerName(provider);
  const key = `${id}@${manifest.version} on ${provider} (${residency})`;
  const { plan, fresh } = await cachedTilePlan(context.dataDir, key, () => {
    context.log(`Measuring the fastest tile size on ${name} (once per machine and model)…`);
    return calibrateTilePlan(gpuPlanCandidates(manifest), manifest.scale, (candidate) =>
      timeModelCall(device, manifest, candidate, stepsOf(job)),
    );
  });
  if (fresh) {
    const rate = plan.megapixelsPerSecond.toFixed(1);
    context.log(`${name}: tiles of ${plan.tile} px, ${plan.batch} per call (${rate} output MP/s).`);
  }
  return { tile: plan.tile, batch: plan.batch };
}

function progressEvent(
  file: string,
  done: number,
  total: number,
  started: number,
): UpscaleProgress {
  const elapsedMs = performance.now() - started;
  return {
    file,
    tilesDone: done,
    tilesTotal: total,
    elapsedMs,
    etaMs: done === 0 ? null : (elapsedMs / done) * (total - done),
  };
}

async function timed<T>(
  timings: StageTimings,
  stage: keyof StageTimings,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[stage] += performance.now() - started;
  }
}
