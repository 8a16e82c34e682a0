/**
 * `yonos eval`: the standard SR protocol on a folder of HR photos, through the
 * real engine. Each HR image is mod-cropped to the scale, downscaled with
 * antialiased bicubic, saved as an 8-bit PNG (what users feed the app), and
 * upscaled by the model and by bicubic; both are scored on PSNR-Y/SSIM-Y with
 * a border of `scale` pixels, as trainer/yonos_train/evaluate.py does.
 */
import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { downscaleAntialiased, upsampleBicubic, type Planes } from './bicubic.js';
import type { Engine } from './engine.js';
import { scoreY } from './metrics.js';
import type { Look, Scale } from './types.js';
import { defaultSteps } from './graph-manifest.js';
import { decoderStrength } from './upscale-options.js';
import { definedFields } from '../../common/fields.js';

export interface EvalOptions {
  hrDir: string;
  scale: Scale;
  steps?: number;
  modelId?: string;
  look?: Look;
  strength?: number;
}

interface Scores {
  psnrY: number;
  ssimY: number;
}

export interface EvalImage extends Scores {
  file: string;
  width: number;
  height: number;
  bicubic: Scores;
}

export interface EvalReport {
  schema: 'yonos-eval/1';
  hrDir: string;
  scale: Scale;
  steps: number;
  model: string;
  look: Look;
  /** The decoder's look blend (0 faithful … 1 detailed); null for a faithful-only model. */
  strength: number | null;
  provider: string;
  protocol: string;
  images: EvalImage[];
  mean: { model: Scores; bicubic: Scores };
}

const readable = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.bmp']);

export async function runEval(engine: Engine, options: EvalOptions): Promise<EvalReport> {
  const { scale } = options;
  const model = engine.resolveModel(scale, options.modelId);
  const strength = decoderStrength(model, options);
  const files = (await readdir(options.hrDir))
    .filter((name) => readable.has(path.extname(name).toLowerCase()))
    .sort();
  if (files.length === 0) throw new Error(`No images (png, jpg, webp, tiff) in ${options.hrDir}.`);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'yonos-eval-'));
  const images: EvalImage[] = [];
  let provider = '';
  try {
    for (const name of files) {
      const hr = await readPlanes(path.join(options.hrDir, name), scale);
      const lr = quantise(downscaleAntialiased(hr, scale));
      const lrFile = path.join(workDir, 'lr.png');
      await writePlanes(lr, lrFile);
      const result = await engine.upscaleFile(lrFile, path.join(workDir, 'sr.png'), {
        scale,
        modelId: model.id,
        ...definedFields({ steps: options.steps, look: options.look, strength: options.strength }),
      });
      provider = result.device;
      const sr = await readPlanes(result.output, 1);
      if (sr.width !== hr.width || sr.height !== hr.height) {
        throw new Error(
          `${name}: the model returned ${sr.width}×${sr.height}, not ${hr.width}×${hr.height}.`,
        );
      }
      images.push({
        file: name,
        width: hr.width,
        height: hr.height,
        ...scoreY(sr, hr, scale),
        bicubic: scoreY(upsampleBicubic(lr, scale), hr, scale),
      });
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return {
    schema: 'yonos-eval/1',
    hrDir: options.hrDir,
    scale,
    steps: options.steps ?? defaultSteps(model.manifest),
    model: model.id,
    look: options.look ?? 'faithful',
    strength,
    provider,
    protocol:
      'PSNR/SSIM on BT.601 Y, border = scale; LR by antialiased bicubic, stored as 8-bit PNG',
    images,
    mean: { model: mean(images), bicubic: mean(images.map((image) => image.bicubic)) },
  };
}

/** RGB planes in [0, 1], cropped to a multiple of `multiple` on each side. */
export async function readPlanes(file: string, multiple: number): Promise<Planes> {
  const { data, info } = await sharp(file, { autoOrient: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const width = info.width - (info.width % multiple);
  const height = info.height - (info.height % multiple);
  const planes = new Float32Array(3 * width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      for (let c = 0; c < 3; c += 1) {
        planes[(c * height + y) * width + x] = (data[(y * info.width + x) * 3 + c] ?? 0) / 255;
      }
    }
  }
  return { width, height, channels: 3, data: planes };
}

export async function writePlanes(image: Planes, file: string): Promise<void> {
  const { width, height } = image;
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i += 1) {
    for (let c = 0; c < 3; c += 1) {
      pixels[i * 3 + c] = Math.round((image.data[c * width * height + i] ?? 0) * 255);
    }
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

/** Rounds to 8-bit levels, as saving the LR photo does. */
function quantise(image: Planes): Planes {
  return { ...image, data: image.data.map((value) => Math.round(value * 255) / 255) };
}

function mean(scores: readonly Scores[]): Scores {
  const average = (pick: (s: Scores) => number): number =>
    scores.reduce((sum, s) => sum + pick(s), 0) / scores.length;
  return { psnrY: average((s) => s.psnrY), ssimY: average((s) => s.ssimY) };
}

export function evalMarkdown(report: EvalReport): string {
  const row = (label: string, s: Scores): string =>
    `| ${label} | ${s.psnrY.toFixed(3)} | ${s.ssimY.toFixed(4)} |`;
  return [
    `Eval of ${report.model} (×${report.scale}, ${lookLabel(report)}, ${report.steps} step(s), ${report.provider}) ` +
      `on ${report.images.length} image(s) in ${report.hrDir}`,
    '',
    '| method | PSNR-Y (dB) | SSIM-Y |',
    '| --- | ---: | ---: |',
    row(report.model, report.mean.model),
    row('bicubic', report.mean.bicubic),
    '',
    report.protocol,
    '',
  ].join('\n');
}

function lookLabel({ look, strength }: Pick<EvalReport, 'look' | 'strength'>): string {
  return look === 'detailed' ? `detailed look, strength ${String(strength)}` : 'faithful look';
}
