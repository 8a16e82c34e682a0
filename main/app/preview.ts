/**
 * The compare view's "1 step vs N steps" preview: a small region of a photo
 * (its bytes, read inside the allowed roots) is cropped to a temporary PNG and upscaled by the engine with one step
 * and with N steps, both timed after a warm-up run, and both results come back as PNG data: URLs. The temporary
 * folder is always removed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Engine } from '../engine/index.js';
import type { PreviewRequest, PreviewResult } from '../../common/contract.js';

export async function previewRegion(
  engine: Engine,
  photo: Buffer,
  request: PreviewRequest,
  tile: number | null,
): Promise<PreviewResult> {
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
    const run = async (steps: number): Promise<{ dataUrl: string; ms: number }> => {
      const output = path.join(dir, `steps-${steps}.png`);
      const started = performance.now();
      await engine.upscaleFile(crop, output, {
        scale: request.scale,
        steps,
        format: 'png',
        ...(request.modelId === undefined ? {} : { modelId: request.modelId }),
        ...(tile === null ? {} : { tile }),
      });
      const ms = performance.now() - started;
      return {
        dataUrl: `data:image/png;base64,${(await readFile(output)).toString('base64')}`,
        ms,
      };
    };
    // The first run loads the model and warms its sessions up; timing it would flatter N steps.
    const warmUp = await run(1);
    const one = await run(1);
    const many = await run(request.steps);
    return {
      oneStep: one.dataUrl,
      multiStep: many.dataUrl,
      steps: request.steps,
      oneStepMs: one.ms,
      multiStepMs: many.ms,
      warmUpMs: warmUp.ms,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
