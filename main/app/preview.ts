/**
 * The compare view's previews, "1 step vs N steps" and "faithful vs detailed": a small region of a photo (its
 * bytes, read inside the allowed roots) is cropped to a temporary PNG and upscaled by the engine both ways, each
 * timed after a warm-up, and both results come back as PNG data: URLs. The temporary folder is always removed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Engine, UpscaleOptions } from '../engine/index.js';
import type {
  PreviewLooksRequest,
  PreviewLooksResult,
  PreviewRequest,
  PreviewResult,
} from '../../common/contract.js';
import { InvalidError } from '../../common/errors.js';

type RegionRequest = Pick<PreviewRequest, 'x' | 'y' | 'width' | 'height' | 'scale' | 'modelId'>;
/** One timed upscale of the region with these options; the result as a PNG data: URL. */
type RegionRun = (options: Pick<UpscaleOptions, 'steps' | 'look' | 'strength'>) => Promise<{
  dataUrl: string;
  ms: number;
}>;

export async function previewRegion(
  engine: Engine,
  photo: Buffer,
  request: PreviewRequest,
  tile: number | null,
): Promise<PreviewResult> {
  return withRegion(engine, photo, request, tile, async (run) => {
    // The first run loads the model and warms its sessions up; timing it would flatter N steps.
    const warmUp = await run({ steps: 1 });
    const one = await run({ steps: 1 });
    const many = await run({ steps: request.steps });
    return {
      oneStep: one.dataUrl,
      multiStep: many.dataUrl,
      steps: request.steps,
      oneStepMs: one.ms,
      multiStepMs: many.ms,
      warmUpMs: warmUp.ms,
    };
  });
}

/** Compare's faithful vs detailed: the region in both looks, each timed after a warm-up of both. */
export async function previewLooks(
  engine: Engine,
  photo: Buffer,
  request: PreviewLooksRequest,
  tile: number | null,
): Promise<PreviewLooksResult> {
  const model = engine.resolveModel(request.scale, request.modelId);
  if (!model.manifest.looks.includes('detailed')) {
    throw new InvalidError(`Model ${model.id} has no detailed look to compare with.`);
  }
  const strength = request.strength ?? 1;
  const faithfulLook = { look: 'faithful' } as const;
  const detailedLook = { look: 'detailed', strength } as const;
  return withRegion(engine, photo, request, tile, async (run) => {
    // Each look opens its own decoder session the first time: warm both before timing either.
    const warmUps = [await run(faithfulLook), await run(detailedLook)];
    const faithful = await run(faithfulLook);
    const detailed = await run(detailedLook);
    return {
      faithful: faithful.dataUrl,
      detailed: detailed.dataUrl,
      strength,
      faithfulMs: faithful.ms,
      detailedMs: detailed.ms,
      warmUpMs: warmUps.reduce((sum, warmUp) => sum + warmUp.ms, 0),
    };
  });
}

/** Crops the region to a temporary PNG and hands `use` a way to upscale it; the folder is always removed. */
async function withRegion<T>(
  engine: Engine,
  photo: Buffer,
  request: RegionRequest,
  tile: number | null,
  use: (run: RegionRun) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'yonos-preview-'));
  try {
    const crop = path.join(dir, 'region.png');
    const image = sharp(photo).rotate();
    const { width, height } = await image.clone().metadata();
    const { orientation } = await sharp(photo).metadata();
    // rotate() applies EXIF orientation, so the region is in displayed pixels.
    const [shownWidth, shownHeight] =
      orientation !== undefined && orientation >= 5 ? [height, width] : [width, height];
    const left = Math.min(request.x, Math.max(0, shownWidth - request.width));
    const top = Math.min(request.y, Math.max(0, shownHeight - request.height));
    await image
      .extract({
        left,
        top,
        width: Math.min(request.width, shownWidth),
        height: Math.min(request.height, shownHeight),
      })
      .png()
      .toFile(crop);
    let runs = 0;
    return await use(async (options) => {
      const output = path.join(dir, `run-${(runs += 1)}.png`);
      const started = performance.now();
      await engine.upscaleFile(crop, output, {
        scale: request.scale,
        format: 'png',
        ...options,
        ...(request.modelId === undefined ? {} : { modelId: request.modelId }),
        ...(tile === null ? {} : { tile }),
      });
      const ms = performance.now() - started;
      return {
        dataUrl: `data:image/png;base64,${(await readFile(output)).toString('base64')}`,
        ms,
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
