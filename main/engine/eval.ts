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
  type HrReference,
  imageMetrics,
  meanReference,
  meanScores,
  referenceMetrics,
  type ReferenceScores,
  type Scores,
} from './eval-scores.js';
import { builtInNiqeModelPath, loadNiqeModel, type NiqeModel } from './niqe.js';
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
  const model = engine.resolveModel(options.scale, options.modelId);
  const look = { look: options.look ?? 'faithful', strength: decoderStrength(model, options) };
  const [report] = await evaluateLooks(engine, model, options, [
    { ...look, ...definedFields({ requested: options.strength }) },
  ]);
  if (report === undefined) throw new Error('No look was scored.'); // one look in, one report out
  return report;
}

export interface EvalSweepOptions extends Omit<EvalOptions, 'look' | 'strength'> {
  /** The detailed look's strengths to score, 0 (faithful) … 1. */
  strengths: readonly number[];
}

/** Several strengths of one model's looks, scored on the same LR photos (`yonos eval --strengths`). */
export interface EvalSweep {
  schema: 'yonos-eval-sweep/1';
  /** One `yonos-eval/1` report per strength, in the order asked; bicubic's and HR's scores are shared. */
  reports: EvalReport[];
}

export async function runEvalSweep(engine: Engine, options: EvalSweepOptions): Promise<EvalSweep> {
  const model = engine.resolveModel(options.scale, options.modelId);
  if (!model.manifest.looks.includes('detailed')) {
    throw new Error(
      `Model ${model.id} has no detailed look, so it has no strengths to compare (it has: ${model.manifest.looks.join(', ')}).`,
    );
  }
  if (options.strengths.length === 0) throw new Error('Give at least one strength.');
  const looks = options.strengths.map((strength) => ({
    look: 'detailed' as const,
    strength: decoderStrength(model, { look: 'detailed', strength }),
    requested: strength,
  }));
  return {
    schema: 'yonos-eval-sweep/1',
    reports: await evaluateLooks(engine, model, options, looks),
  };
}

type EvalModel = ReturnType<Engine['resolveModel']>;

interface LookToScore {
  look: Look;
  /** The decoder's strength (null for a faithful-only model). */
  strength: number | null;
  /** The strength to ask the engine for, when one was asked. */
  requested?: number;
}

/** What one photo's scoring shares between looks: its LR file, and bicubic's and the HR's scores. */
interface PreparedPhoto {
  lrFile: string;
  bicubic: Scores;
  hr: ReferenceScores;
}

/**
 * Scores each look on every photo: looks outer, so each look's decoder session
 * opens once (the engine keeps only two strengths open); the LR photo, bicubic's
 * and the HR's scores are made on the first look's pass and reused. The HR photo
 * itself is read again for each look rather than kept, so memory holds one photo.
 */
async function evaluateLooks(
  engine: Engine,
  model: EvalModel,
  options: Omit<EvalOptions, 'look' | 'strength'>,
  looks: readonly LookToScore[],
): Promise<EvalReport[]> {
  const { scale } = options;
  const files = (await readdir(options.hrDir))
    .filter((name) => readable.has(path.extname(name).toLowerCase()))
    .sort();
  if (files.length === 0) throw new Error(`No images (png, jpg, webp, tiff) in ${options.hrDir}.`);
  const niqeFile = niqeModelFile(options.niqeModel);
  const niqeModel = niqeFile === null ? null : loadNiqeModel(niqeFile);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'yonos-eval-'));
  const prepared: PreparedPhoto[] = [];
  const reports: EvalReport[] = [];
  let scored = 0;
  try {
    for (const look of looks) {
      const images: EvalImage[] = [];
      let provider = '';
      for (const [index, name] of files.entries()) {
        const hr = await readPlanes(path.join(options.hrDir, name), scale);
        const reference = hrReference(hr, scale);
        const photo =
          prepared[index] ?? (await preparePhoto(hr, reference, workDir, index, niqeModel));
        prepared[index] = photo;
        const result = await engine.upscaleFile(photo.lrFile, path.join(workDir, 'sr.png'), {
          scale,
          modelId: model.id,
          look: look.look,
          ...definedFields({ steps: options.steps, strength: look.requested }),
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
          ...imageMetrics(sr, reference, niqeModel),
          bicubic: photo.bicubic,
          hr: photo.hr,
        });
        scored += 1;
        options.onScored?.(scored, files.length * looks.length, name);
      }
      reports.push(evalReport(options, model, look, provider, niqeFile, niqeModel, images));
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return reports;
}

async function preparePhoto(
  hr: Planes,
  reference: HrReference,
  workDir: string,
  index: number,
  niqeModel: NiqeModel | null,
): Promise<PreparedPhoto> {
  const { scale } = reference;
  const lr = quantise(downscaleAntialiased(hr, scale));
  const lrFile = path.join(workDir, `lr-${index}.png`);
  await writePlanes(lr, lrFile);
  return {
    lrFile,
    bicubic: imageMetrics(upsampleBicubic(lr, scale), reference, niqeModel),
    hr: referenceMetrics(hr, niqeModel),
  };
}

function evalReport(
  options: Omit<EvalOptions, 'look' | 'strength'>,
  model: EvalModel,
  look: LookToScore,
  provider: string,
  niqeFile: string | null,
  niqeModel: NiqeModel | null,
  images: EvalImage[],
): EvalReport {
  return {
    schema: 'yonos-eval/1',
    hrDir: options.hrDir,
    scale: options.scale,
    steps: options.steps ?? defaultSteps(model.manifest),
    model: model.id,
    look: look.look,
    strength: look.strength,
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
  return [
    `Eval of ${report.model} (×${report.scale}, ${lookLabel(report)}, ${report.steps} step(s), ${report.provider}) ` +
      `on ${report.images.length} image(s) in ${report.hrDir}`,
    '',
    ...scoresTable([[report.model, report.mean.model]], report),
    '',
    report.protocol,
    report.perceptual,
    '',
  ].join('\n');
}

/** One table for a sweep: a row per strength, then bicubic and HR (shared by every strength). */
export function evalSweepMarkdown({ reports }: EvalSweep): string {
  const [first] = reports;
  if (first === undefined) return '';
  return [
    `Eval of ${first.model} (×${first.scale}, ${reports.length} strengths of its looks, ${first.steps} step(s), ` +
      `${first.provider}) on ${first.images.length} image(s) in ${first.hrDir}`,
    '',
    ...scoresTable(
      reports.map((report) => [
        `${strengthLabel(report)} (strength ${String(report.strength)})`,
        report.mean.model,
      ]),
      first,
    ),
    '',
    first.protocol,
    first.perceptual,
    '',
  ].join('\n');
}

function scoresTable(rows: [string, Scores][], report: EvalReport): string[] {
  const fixed = (value: number | null, digits: number): string =>
    value === null ? '—' : value.toFixed(digits);
  const perceptual = (s: ReferenceScores): string =>
    `${fixed(s.stipplePct, 2)} | ${fixed(s.niqe, 3)} |`;
  const row = (label: string, s: Scores): string =>
    `| ${label} | ${s.psnrY.toFixed(3)} | ${s.ssimY.toFixed(4)} | ${s.hfRatio.toFixed(3)} | ${perceptual(s)}`;
  return [
    '| method | PSNR-Y (dB) | SSIM-Y | HF ratio | stipple % | NIQE |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(([label, scores]) => row(label, scores)),
    row('bicubic', report.mean.bicubic),
    `| HR | — | — | — | ${perceptual(report.mean.hr)}`,
  ];
}

/** 0 → faithful, 1 → detailed, a blend by its strength; a faithful-only model's one look. */
export function strengthLabel({ look, strength }: Pick<EvalReport, 'look' | 'strength'>): string {
  if (strength === null || look === 'faithful') return 'faithful';
  return strength === 0 ? 'faithful' : strength === 1 ? 'detailed' : `detailed ${String(strength)}`;
}

function lookLabel({ look, strength }: Pick<EvalReport, 'look' | 'strength'>): string {
  return look === 'detailed' ? `detailed look, strength ${String(strength)}` : 'faithful look';
}
