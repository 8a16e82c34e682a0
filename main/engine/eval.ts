/**
 * `yonos eval`: the standard SR protocol on a folder of HR photos, through the
 * real engine. Each HR image is mod-cropped to the scale, downscaled with
 * antialiased bicubic, saved as an 8-bit PNG (what users feed the app), and
 * upscaled by the model and by bicubic; both are scored as the trainer's
 * `yonos-train eval` scores them (eval-scores.ts): PSNR-Y/SSIM-Y and the
 * high-frequency energy ratio with a border of `scale` pixels, the stipple share
 * and NIQE; the HR photo gets its stipple share and NIQE, the reference a reader
 * compares with.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { downscaleAntialiased, upsampleBicubic, type Planes } from './bicubic.js';
import type { Engine } from './engine.js';
import {
  hrReference,
  imageMetrics,
  meanReference,
  meanScores,
  referenceMetrics,
  type ReferenceScores,
  type Scores,
} from './eval-scores.js';
import { builtInNiqeModelPath, loadNiqeModel } from './niqe.js';
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
  /** NIQE's natural-scene model (JSON); default: the built-in one; null: no NIQE. */
  niqeModel?: string | null;
  /** Called after each photo is scored: a few seconds each, so the CLI shows progress. */
  onScored?: (scored: number, total: number, file: string) => void;
}

export interface EvalImage extends Scores {
  file: string;
  width: number;
  height: number;
  bicubic: Scores;
  hr: ReferenceScores;
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
  /** How the perceptual scores are computed, as in the trainer's `yonos-train eval`. */
  perceptual: string;
  /** The NIQE model used, with the facts of its fit; null without NIQE. */
  niqeModel: { file: string; facts: Record<string, unknown> } | null;
  images: EvalImage[];
  /** Means over the images; the geometric mean of hfRatio; stipple and NIQE over the images that have them. */
  mean: { model: Scores; bicubic: Scores; hr: ReferenceScores };
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
  const niqeFile = niqeModelFile(options.niqeModel);
  const niqeModel = niqeFile === null ? null : loadNiqeModel(niqeFile);
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
      const reference = hrReference(hr, scale);
      images.push({
        file: name,
        width: hr.width,
        height: hr.height,
        ...imageMetrics(sr, reference, niqeModel),
        bicubic: imageMetrics(upsampleBicubic(lr, scale), reference, niqeModel),
        hr: referenceMetrics(hr, niqeModel),
      });
      options.onScored?.(images.length, files.length, name);
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
    perceptual:
      "hfRatio: high-frequency energy over HR's above the LR's Nyquist frequency (0.5/scale cycles " +
      'per HR pixel), BT.601 Y, border = scale, geometric mean over images; stipplePct: % of 16-px ' +
      'windows with a visible 2-px tone, worst of Y, Cb, Cr; NIQE with its model fitted on our photos ' +
      '(lower is more natural); as yonos-train eval',
    niqeModel:
      niqeFile === null || niqeModel === null ? null : { file: niqeFile, facts: niqeModel.facts },
    images,
    mean: {
      model: meanScores(images),
      bicubic: meanScores(images.map((image) => image.bicubic)),
      hr: meanReference(images.map((image) => image.hr)),
    },
  };
}

function niqeModelFile(option: string | null | undefined): string | null {
  if (option !== undefined) return option;
  const builtIn = builtInNiqeModelPath();
  if (builtIn === null || !existsSync(builtIn)) {
    throw new Error(
      'The built-in NIQE model (native-models/niqe/photos-train.json) is missing: ' +
        'pass --niqe-model FILE, or --no-niqe.',
    );
  }
  return builtIn;
}

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

export function evalMarkdown(report: EvalReport): string {
  const fixed = (value: number | null, digits: number): string =>
    value === null ? '—' : value.toFixed(digits);
  const perceptual = (s: ReferenceScores): string =>
    `${fixed(s.stipplePct, 2)} | ${fixed(s.niqe, 3)} |`;
  const row = (label: string, s: Scores): string =>
    `| ${label} | ${s.psnrY.toFixed(3)} | ${s.ssimY.toFixed(4)} | ${s.hfRatio.toFixed(3)} | ${perceptual(s)}`;
  return [
    `Eval of ${report.model} (×${report.scale}, ${lookLabel(report)}, ${report.steps} step(s), ${report.provider}) ` +
      `on ${report.images.length} image(s) in ${report.hrDir}`,
    '',
    '| method | PSNR-Y (dB) | SSIM-Y | HF ratio | stipple % | NIQE |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row(report.model, report.mean.model),
    row('bicubic', report.mean.bicubic),
    `| HR | — | — | — | ${perceptual(report.mean.hr)}`,
    '',
    report.protocol,
    report.perceptual,
    '',
  ].join('\n');
}

function lookLabel({ look, strength }: Pick<EvalReport, 'look' | 'strength'>): string {
  return look === 'detailed' ? `detailed look, strength ${String(strength)}` : 'faithful look';
}
