/**
 * Stipple, a 2-px checker or stripe that a decoder pushed to add texture can draw, measured as the
 * trainer does (trainer/yonos_train/artifacts.py `nyquist_tone`, `VISIBLE_TONE_POWER`,
 * `stipple_pct`), so `yonos eval` and `yonos-train eval` report the same share.
 */
import type { Planes } from './bicubic.js';
import type { Luma } from './metrics.js';
import { hannWindow, roundHalfEven } from './perceptual.js';

const window = 16;
const stride = window / 2;
/** Tone power over the band below it: natural spectra < 1, white noise ~1, a pure 2-px tone 8. */
const stippleTone = 3;

const hann = hannWindow(window);
/** e^(−2πi·kn/16), n = 0…15, for the 2-px period (k = 8) and the two frequencies below it, one row each. */
const frequencies = [window / 2 - 2, window / 2 - 1, window / 2];
const angles = Float64Array.from(
  { length: 3 * window },
  (_, i) => (2 * Math.PI * (frequencies[Math.floor(i / window)] ?? 0) * (i % window)) / window,
);
const cosines = angles.map(Math.cos);
const sines = angles.map((angle) => -Math.sin(angle));

export interface NyquistTone {
  /** Per window: the power at the 2-px period along rows or columns, whichever is stronger. */
  tone: Float64Array;
  /** Per window: that power over the mean power of the two frequencies just below it. */
  ratio: Float64Array;
}

/**
 * Per 16-px window (stride 8) of one channel: the 2-D power spectrum (Hann window, orthonormal FFT)
 * summed over the Nyquist column and row and over the two columns and rows below them
 * (trainer: `nyquist_tone`). A column's sum over all rows equals, by Parseval, the sum over the
 * window's rows of each row's 1-D DFT power at that frequency, so only three frequencies per row and
 * per column are computed.
 */
export function nyquistTone({ width, height, data }: Luma): NyquistTone {
  const columns = width < window ? 0 : Math.floor((width - window) / stride) + 1;
  const rows = height < window ? 0 : Math.floor((height - window) / stride) + 1;
  const tone = new Float64Array(rows * columns);
  const ratio = new Float64Array(rows * columns);
  const patch = new Float64Array(window * window);
  for (let row = 0; row < rows; row += 1) {
    for (let column = 0; column < columns; column += 1) {
      windowedPatch(data, width, row * stride, column * stride, patch);
      const alongX = bandPower(patch, 1, window);
      const alongY = bandPower(patch, window, 1);
      const i = row * columns + column;
      tone[i] = Math.max(alongX.nyquist, alongY.nyquist);
      ratio[i] = Math.max(
        alongX.nyquist / Math.max(alongX.below, 1e-20),
        alongY.nyquist / Math.max(alongY.below, 1e-20),
      );
    }
  }
  return { tone, ratio };
}

/** The mean-removed 16×16 patch at (top, left) times the 2-D Hann window. */
function windowedPatch(
  data: Float64Array,
  width: number,
  top: number,
  left: number,
  patch: Float64Array,
): void {
  let sum = 0;
  for (let y = 0; y < window; y += 1) {
    for (let x = 0; x < window; x += 1) {
      const value = data[(top + y) * width + left + x] ?? 0;
      patch[y * window + x] = value;
      sum += value;
    }
  }
  const mean = sum / (window * window);
  for (let y = 0; y < window; y += 1) {
    for (let x = 0; x < window; x += 1) {
      const i = y * window + x;
      patch[i] = ((patch[i] ?? 0) - mean) * ((hann[y] ?? 0) * (hann[x] ?? 0));
    }
  }
}

/**
 * Orthonormal 2-D power summed along the other axis, at the Nyquist frequency and (averaged) at the
 * two below it, for the axis whose samples are `step` apart (lines `lineStep` apart).
 */
function bandPower(
  patch: Float64Array,
  step: number,
  lineStep: number,
): { nyquist: number; below: number } {
  const sums = [0, 0, 0];
  for (let line = 0; line < window; line += 1) {
    for (let f = 0; f < frequencies.length; f += 1) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < window; n += 1) {
        const value = patch[line * lineStep + n * step] ?? 0;
        re += value * (cosines[f * window + n] ?? 0);
        im += value * (sines[f * window + n] ?? 0);
      }
      sums[f] = (sums[f] ?? 0) + re * re + im * im;
    }
  }
  // Orthonormal 2-D: |F|²/256 per bin; Parseval over the other axis gives ×16.
  const [below1 = 0, below2 = 0, nyquist = 0] = sums.map((sum) => sum / window);
  return { nyquist, below: (below1 + below2) / 2 };
}

/** The tone power of a 2-px stripe one 8-bit level in amplitude: weaker stipple cannot be seen. */
const visibleTonePower = (() => {
  const stripe = Float64Array.from(
    { length: window * window },
    (_, i) => (i % 2 === 0 ? -1 : 1) / 255,
  );
  return nyquistTone({ width: window, height: window, data: stripe }).tone[0] ?? 0;
})();

/**
 * The share of 16-px windows, in % (two decimals), worst of Y, Cb and Cr, with a visible tone at the
 * 2-px period standing out of the spectrum below it (trainer: `stipple_pct`). Null for an image
 * smaller than one window.
 */
export function stipplePct(image: Planes): number | null {
  const { width, height, data } = image;
  const plane = width * height;
  const y = new Float64Array(plane);
  const cb = new Float64Array(plane);
  const cr = new Float64Array(plane);
  for (let i = 0; i < plane; i += 1) {
    const r = data[i] ?? 0;
    const b = data[2 * plane + i] ?? 0;
    const luma = 0.299 * r + 0.587 * (data[plane + i] ?? 0) + 0.114 * b;
    y[i] = luma;
    cb[i] = b - luma;
    cr[i] = r - luma;
  }
  const shares = [y, cb, cr].map((channel) => {
    const { tone, ratio } = nyquistTone({ width, height, data: channel });
    const stippled = tone.filter((t, i) => t >= visibleTonePower && (ratio[i] ?? 0) > stippleTone);
    return tone.length === 0 ? null : stippled.length / tone.length;
  });
  if (shares[0] === null) return null;
  const percent = 100 * Math.max(...shares.map((share) => share ?? 0));
  return roundHalfEven(percent * 100) / 100;
}
