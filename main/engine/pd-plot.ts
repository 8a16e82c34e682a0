/**
 * The perception–distortion plane (Blau & Michaeli 2018) of `yonos eval --plot`:
 * PSNR-Y against NIQE for bicubic, the model at each look scored (a line from
 * faithful to detailed) and the HR photos' NIQE as a dashed vertical line (their
 * PSNR is infinite), as the trainer's `yonos-train eval --plot-pd` draws it. An
 * SVG, or a PNG rendered from it by sharp.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { strengthLabel, type EvalReport } from './eval.js';

const width = 640;
const height = 420;
const margin = { left: 64, right: 24, top: 40, bottom: 52 };

/** A point of the plane: NIQE (x), PSNR-Y (y). */
interface Point {
  niqe: number;
  psnrY: number;
  label: string;
}

/** The plot's format from its file name: an SVG, or a PNG rendered from it. */
export function plotFormat(file: string): 'svg' | 'png' {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.svg') return 'svg';
  if (extension === '.png') return 'png';
  throw new Error(`The plot is an SVG or a PNG: name it .svg or .png, not ${file}.`);
}

export async function writePerceptionDistortionPlot(
  reports: readonly EvalReport[],
  file: string,
): Promise<void> {
  const format = plotFormat(file);
  const svg = perceptionDistortionSvg(reports);
  await writeFile(file, format === 'svg' ? svg : await sharp(Buffer.from(svg)).png().toBuffer());
}

export function perceptionDistortionSvg(reports: readonly EvalReport[]): string {
  const [first] = reports;
  if (first === undefined) throw new Error('Nothing to plot.');
  const looks = [...reports]
    .sort((a, b) => (a.strength ?? 0) - (b.strength ?? 0))
    .map((report) => point(report.mean.model, strengthLabel(report)));
  const bicubic = point(first.mean.bicubic, 'bicubic');
  const hrNiqe = first.mean.hr.niqe;
  if (hrNiqe === null) throw new Error(noNiqe);
  const xs = niceRange([...looks, bicubic].map((p) => p.niqe).concat(hrNiqe));
  const ys = niceRange([...looks, bicubic].map((p) => p.psnrY));
  const x = (niqe: number) =>
    margin.left + ((niqe - xs.min) / (xs.max - xs.min)) * (width - margin.left - margin.right);
  const y = (psnr: number) =>
    height -
    margin.bottom -
    ((psnr - ys.min) / (ys.max - ys.min)) * (height - margin.top - margin.bottom);
  const plotBottom = height - margin.bottom;
  const title =
    `${first.model} ×${first.scale} on ${path.basename(first.hrDir)}: ` +
    `PSNR-Y against NIQE (■ bicubic, dashed: HR's NIQE)`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="12">${xml(title)}</text>`,
    ...xs.ticks.map(
      (t) =>
        `<line x1="${x(t)}" y1="${margin.top}" x2="${x(t)}" y2="${plotBottom}" stroke="#eee"/>` +
        `<text x="${x(t)}" y="${plotBottom + 16}" text-anchor="middle">${t.toFixed(xs.digits)}</text>`,
    ),
    ...ys.ticks.map(
      (t) =>
        `<line x1="${margin.left}" y1="${y(t)}" x2="${width - margin.right}" y2="${y(t)}" stroke="#eee"/>` +
        `<text x="${margin.left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(ys.digits)}</text>`,
    ),
    `<rect x="${margin.left}" y="${margin.top}" width="${width - margin.left - margin.right}" height="${plotBottom - margin.top}" fill="none" stroke="#333"/>`,
    `<text x="${(margin.left + width - margin.right) / 2}" y="${height - 12}" text-anchor="middle">NIQE (lower: more natural)</text>`,
    `<text transform="translate(16 ${(margin.top + plotBottom) / 2}) rotate(-90)" text-anchor="middle">PSNR-Y (dB)</text>`,
    `<line x1="${x(hrNiqe)}" y1="${margin.top}" x2="${x(hrNiqe)}" y2="${plotBottom}" stroke="#1f77b4" stroke-dasharray="5 4"/>`,
    `<text x="${x(hrNiqe) + 4}" y="${margin.top + 12}" fill="#1f77b4">HR</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${looks.map((p) => `${x(p.niqe)},${y(p.psnrY)}`).join(' ')}"/>`,
    ...looks.map(
      (p) =>
        `<circle cx="${x(p.niqe)}" cy="${y(p.psnrY)}" r="4" fill="#1f77b4"/>` +
        `<text x="${x(p.niqe) + 6}" y="${y(p.psnrY) - 6}">${xml(p.label)}</text>`,
    ),
    `<rect x="${x(bicubic.niqe) - 4}" y="${y(bicubic.psnrY) - 4}" width="8" height="8" fill="#ff7f0e"/>`,
    `<text x="${x(bicubic.niqe) + 6}" y="${y(bicubic.psnrY) - 6}">bicubic</text>`,
    '</svg>',
    '',
  ].join('\n');
}

const noNiqe = 'The PSNR–NIQE plot needs NIQE scores: photos of at least 96 px, and no --no-niqe.';

function point(scores: { niqe: number | null; psnrY: number }, label: string): Point {
  if (scores.niqe === null) throw new Error(noNiqe);
  return { niqe: scores.niqe, psnrY: scores.psnrY, label };
}

/** An axis over the values with a little room, ticked at 1, 2 or 5 × a power of ten. */
function niceRange(values: readonly number[]): {
  min: number;
  max: number;
  ticks: number[];
  digits: number;
} {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = Math.max((high - low) * 0.08, 0.05);
  const raw = (high - low + 2 * pad) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const min = Math.floor((low - pad) / step) * step;
  const max = Math.ceil((high + pad) / step) * step;
  const ticks: number[] = [];
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Number(t.toFixed(10)));
  return { min, max, ticks, digits: Math.max(0, -Math.floor(Math.log10(step))) };
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
