/**
 * One upscale, start to finish, inside the worker: decode → tiled inference
 * (with out-of-memory and provider fallbacks) → alpha → atomic encode.
 */
import { performance } from 'node:perf_hooks';
import {
  checkOutputSize,
  defaultLimits,
  readImage,
  upscaleAlpha,
  writeImageAtomically,
  type DecodedImage,
} from './image-io.js';
import { formatFromPath } from './output-path.js';
import { upscalePixels, type PixelImage } from './pipeline.js';
import { firstLine, isOutOfMemory, openWithFallback } from './providers.js';
import { openModelSessions, type ModelSessions, type SessionModel } from './sessions.js';
import { planTileSize, smallerTile } from './tile-size.js';
import type { StageTimings, UpscaleProgress, UpscaleResult } from './types.js';
import { decoderStrength } from './upscale-options.js';
import type { UpscaleJob, WorkerSettings } from './worker-protocol.js';

/** Thrown at a checkpoint once the caller has aborted. */
export class CancelSignal extends Error {}

export interface JobContext {
  settings: WorkerSettings;
  candidates: string[];
  sessions: SessionCache;
  log: (message: string) => void;
  onProvider: (provider: string) => void;
  onProgress: (progress: UpscaleProgress) => void;
  /** Throws CancelSignal when the caller has aborted. */
  checkpoint: () => void;
}

/** Keeps one model's sessions open between files; opening costs more than a small upscale. */
export class SessionCache {
  #current: { key: string; sessions: ModelSessions } | null = null;

  async open(
    model: SessionModel,
    providers: readonly string[],
    context: Pick<JobContext, 'settings' | 'log'>,
  ): Promise<ModelSessions> {
    const key = `${model.dir}\n${providers.join(',')}`;
    if (this.#current?.key === key) return this.#current.sessions;
    await this.close();
    const { value } = await openWithFallback(
      providers,
      (provider) => openModelSessions(model, provider, context.settings.threads),
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
  const timings: StageTimings = { decode: 0, encoder: 0, unet: 0, decoder: 0, blend: 0, encode: 0 };
  const format = job.options.format ?? formatFromPath(job.output);
  if (format === undefined) {
    throw new Error(`Cannot tell the output format from ${job.output}; name a format.`);
  }
  const { scale } = job.model.manifest;
  context.checkpoint();
  const decoded = await timed(timings, 'decode', () => readImage(job.input, defaultLimits));
  const { width, height } = decoded.colour;
  checkOutputSize(width * scale, height * scale, format, defaultLimits);
  context.checkpoint();
  const inference = await inferWithFallbacks(decoded.colour, job, context, timings, started);
  await timed(timings, 'encode', () => encode(job, decoded, inference.image, format, context));
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
  format: NonNullable<UpscaleJob['options']['format']>,
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
    format,
    quality: job.options.quality,
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
 * smaller tiles, and on any other GPU failure (or no smaller tile left) falls
 * back to the CPU.
 */
async function inferWithFallbacks(
  colour: PixelImage,
  job: UpscaleJob,
  context: JobContext,
  timings: StageTimings,
  started: number,
): Promise<Inference> {
  const { manifest } = job.model;
  let sessions = await context.sessions.open(job.model, context.candidates, context);
  let plan = planTileSize(manifest, sessions.provider, job.options.tile);
  for (;;) {
    context.onProvider(sessions.provider);
    try {
      let tiles = 0;
      const image = await upscalePixels(
        colour,
        sessions.run,
        {
          manifest,
          ...plan,
          steps: job.options.steps ?? manifest.schedule.default_steps,
          seed: job.options.seed ?? 0,
          strength: decoderStrength(job.model, job.options),
          checkpoint: context.checkpoint,
          onTile: (done, total) => {
            tiles = total;
            context.onProgress(progressEvent(job.input, done, total, started));
          },
        },
        timings,
      );
      return { image, provider: sessions.provider, tile: plan.tile, tiles };
    } catch (error) {
      if (error instanceof CancelSignal || sessions.provider === 'cpu') throw error;
      const smaller = isOutOfMemory(error) ? smallerTile(plan.tile, manifest) : null;
      if (smaller !== null) {
        context.log(
          `${sessions.provider} ran out of memory at tile ${plan.tile}; retrying with ${smaller}.`,
        );
        plan = { tile: smaller, batch: 1 };
        continue;
      }
      context.log(`${sessions.provider} failed (${firstLine(error)}); falling back to cpu.`);
      sessions = await context.sessions.open(job.model, ['cpu'], context);
      plan = planTileSize(manifest, 'cpu', job.options.tile);
    }
  }
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
