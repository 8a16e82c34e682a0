/**
 * The standard SR scores, as trainer/yonos_train/evaluate.py computes them:
 * PSNR and SSIM on BT.601 luma, with `border` pixels cropped on every side.
 */
import type { Planes } from './bicubic.js';

/** BT.601 luma in [16, 235]/255 from planar RGB in [0, 1] (clamped first, like the trainer). */
export function lumaBt601(image: Planes): Float64Array {
  const { width, height, data } = image;
  const plane = width * height;
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  return Float64Array.from({ length: plane }, (_, i) => {
    const r = clamp(data[i] ?? 0);
    const g = clamp(data[plane + i] ?? 0);
    const b = clamp(data[2 * plane + i] ?? 0);
    return (16 + 65.481 * r + 128.553 * g + 24.966 * b) / 255;
  });
}

export interface Luma {
  width: number;
  height: number;
  data: Float64Array;
}

export function cropBorder({ width, height, data }: Luma, border: number): Luma {
  const w = width - 2 * border;
  const h = height - 2 * border;
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y += 1) {
    out.set(data.subarray((y + border) * width + border, (y + border) * width + border + w), y * w);
  }
  return { width: w, height: h, data: out };
}

export function psnr(a: Float64Array, b: Float64Array): number {
  let squared = 0;
  for (let i = 0; i < a.length; i += 1) squared += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return 10 * Math.log10(1 / Math.max(squared / a.length, 1e-12));
}

const gaussian11 = (() => {
  const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2)));
  const sum = g.reduce((s, v) => s + v, 0);
  return g.map((v) => v / sum);
})();

/** 'valid' separable convolution with the 11-tap Gaussian. */
function blur({ width, height, data }: Luma): Luma {
  const w = width - 10;
  const h = height - 10;
  const rows = new Float64Array(w * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < w; x += 1) {
      let sum = 0;
      for (let k = 0; k < 11; k += 1) sum += (gaussian11[k] ?? 0) * (data[y * width + x + k] ?? 0);
      rows[y * w + x] = sum;
    }
  }
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      let sum = 0;
      for (let k = 0; k < 11; k += 1) sum += (gaussian11[k] ?? 0) * (rows[(y + k) * w + x] ?? 0);
      out[y * w + x] = sum;
    }
  }
  return { width: w, height: h, data: out };
}

/** SSIM (Wang et al. 2004): 11×11 Gaussian window, σ = 1.5, on 8-bit-scaled values. */
export function ssim(a: Luma, b: Luma): number {
  const scaled = (image: Luma, f: (x: number, y: number) => number, other: Luma): Luma => ({
    ...image,
    data: image.data.map((v, i) => f(v * 255, (other.data[i] ?? 0) * 255)),
  });
  const muA = blur(scaled(a, (x) => x, b));
  const muB = blur(scaled(b, (x) => x, a));
  const aa = blur(scaled(a, (x) => x * x, b));
  const bb = blur(scaled(b, (x) => x * x, a));
  const ab = blur(scaled(a, (x, y) => x * y, b));
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let total = 0;
  for (let i = 0; i < muA.data.length; i += 1) {
    const ma = muA.data[i] ?? 0;
    const mb = muB.data[i] ?? 0;
    const varA = (aa.data[i] ?? 0) - ma * ma;
    const varB = (bb.data[i] ?? 0) - mb * mb;
    const cov = (ab.data[i] ?? 0) - ma * mb;
    total +=
      ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
  }
  return total / muA.data.length;
}

/** PSNR-Y and SSIM-Y of `result` against `reference` (both planar RGB of the same size). */
export function scoreY(
  result: Planes,
  reference: Planes,
  border: number,
): { psnrY: number; ssimY: number } {
  const y = (image: Planes): Luma =>
    cropBorder({ width: image.width, height: image.height, data: lumaBt601(image) }, border);
  const a = y(result);
  const b = y(reference);
  return { psnrY: psnr(a.data, b.data), ssimY: ssim(a, b) };
}
