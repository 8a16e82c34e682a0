/**
 * What `yonos eval` scores, per image and over a set, as trainer/yonos_train/evaluate.py
 * (`image_metrics`, `summarise`) does, so the app's eval and `yonos-train eval` agree: PSNR-Y,
 * SSIM-Y and the high-frequency energy ratio with a border of `scale` pixels, the stipple share and
 * NIQE on the whole image; the HR photo's own stipple share and NIQE as the reference.
 */
import { stipplePct } from './artifacts.js';
import type { Planes } from './bicubic.js';
import { cropBorder, lumaBt601, scoreY } from './metrics.js';
import { niqe, type NiqeModel } from './niqe.js';
import { hfEnergyRatio, radialPower } from './perceptual.js';

/** What the HR photo is scored on too: the values a good output comes close to. */
export interface ReferenceScores {
  /** % of 16-px windows with a visible 2-px stipple; null below 16 px. */
  stipplePct: number | null;
  /** Lower is more natural; null below one NIQE patch (96 px) or without NIQE. */
  niqe: number | null;
}

export interface Scores extends ReferenceScores {
  psnrY: number;
  ssimY: number;
  /** High-frequency energy over the HR's, above the LR's Nyquist frequency: < 1 smoother, > 1 noisier. */
  hfRatio: number;
}

/** An HR photo ready to score outputs against: its luma spectrum is computed once. */
export interface HrReference {
  image: Planes;
  scale: number;
  spectrum: Float64Array;
}

export function hrReference(image: Planes, scale: number): HrReference {
  return { image, scale, spectrum: radialPower(lumaY(image, scale)) };
}

/** BT.601 luma with a border of `scale` pixels cropped (the image clamped to [0, 1]). */
function lumaY(image: Planes, scale: number) {
  return cropBorder({ width: image.width, height: image.height, data: lumaBt601(image) }, scale);
}

/** One output against its HR photo (trainer: `image_metrics`), the output clamped to [0, 1] first. */
export function imageMetrics(
  output: Planes,
  reference: HrReference,
  niqeModel: NiqeModel | null,
): Scores {
  const { image: hr, scale, spectrum } = reference;
  const clamped = { ...output, data: output.data.map((v) => Math.min(1, Math.max(0, v))) };
  const side = Math.min(hr.width, hr.height) - 2 * scale;
  return {
    ...scoreY(clamped, hr, scale),
    hfRatio: hfEnergyRatio(radialPower(lumaY(clamped, scale)), spectrum, 0.5 / scale, side),
    ...referenceMetrics(clamped, niqeModel),
  };
}

/** What the HR photo itself scores (the trainer's "hr" row). */
export function referenceMetrics(image: Planes, niqeModel: NiqeModel | null): ReferenceScores {
  return {
    stipplePct: stipplePct(image),
    niqe: niqeModel === null ? null : niqe(image, niqeModel),
  };
}

/** Over a set (trainer: `summarise`): means, the geometric mean of hfRatio. */
export function meanScores(scores: readonly Scores[]): Scores {
  return {
    psnrY: average(scores.map((s) => s.psnrY)),
    ssimY: average(scores.map((s) => s.ssimY)),
    hfRatio: geometricMean(scores.map((s) => s.hfRatio)),
    ...meanReference(scores),
  };
}

/** Means over the images that have each score; null where none has it. */
export function meanReference(scores: readonly ReferenceScores[]): ReferenceScores {
  const present = (values: (number | null)[]): number | null => {
    const known = values.filter((value) => value !== null);
    return known.length === 0 ? null : average(known);
  };
  return {
    stipplePct: present(scores.map((s) => s.stipplePct)),
    niqe: present(scores.map((s) => s.niqe)),
  };
}

const average = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

/** Ratios average geometrically, each floored at 1e-12. */
export function geometricMean(values: readonly number[]): number {
  return Math.exp(average(values.map((value) => Math.log(Math.max(value, 1e-12)))));
}
