/**
 * The high-frequency energy ratio of an output against its HR photo, as the trainer defines it
 * (trainer/yonos_train/perceptual.py `radial_power`, `hf_energy_ratio`), so `yonos eval` and
 * `yonos-train eval` report the same number: < 1 is over-smoothing, > 1 invented noise or ringing.
 */
import { fft } from './fft.js';
import type { Luma } from './metrics.js';

/** torch.hann_window(n), periodic: 0.5 − 0.5·cos(2πk/n). */
export function hannWindow(n: number): Float64Array {
  const step = (2 * Math.PI) / n;
  return Float64Array.from({ length: n }, (_, k) => 0.5 - 0.5 * Math.cos(k * step));
}

/**
 * Radially averaged power spectrum of a luma image: mean |FFT|² of the mean-removed, Hann-windowed
 * image over rings one frequency bin (1 / min(H, W) cycles per pixel) wide, up to the Nyquist
 * frequency 0.5 (trainer: `radial_power`).
 */
export function radialPower(image: Luma): Float64Array {
  const { width, height } = image;
  const power = powerSpectrum(image);
  const fy = fftFrequencies(height);
  const fx = fftFrequencies(width);
  const side = Math.min(width, height);
  const total: number[] = [];
  const count: number[] = [];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const radius = Math.sqrt((fy[y] ?? 0) ** 2 + (fx[x] ?? 0) ** 2);
      if (radius > 0.5) continue;
      const ring = roundHalfEven(radius * side);
      total[ring] = (total[ring] ?? 0) + (power[y * width + x] ?? 0);
      count[ring] = (count[ring] ?? 0) + 1;
    }
  }
  return Float64Array.from(total, (sum = 0, ring) => sum / Math.max(count[ring] ?? 0, 1));
}

/**
 * Σ_{f > cutoff} P_sr(f) / Σ_{f > cutoff} P_hr(f) over the radially averaged power spectra of two
 * images of the same size (`side` = min(H, W)), `cutoff` in cycles per pixel; with the LR's Nyquist
 * frequency (0.5 / scale) it measures the detail the model had to make up (trainer:
 * `hf_energy_ratio`). Spectra, not images, so an HR photo's serves every output scored against it.
 */
export function hfEnergyRatio(
  srPower: Float64Array,
  hrPower: Float64Array,
  cutoff: number,
  side: number,
): number {
  const first = Math.trunc(cutoff * side) + 1;
  const above = (spectrum: Float64Array): number =>
    spectrum.subarray(first).reduce((sum, value) => sum + value, 0);
  return above(srPower) / Math.max(above(hrPower), 1e-20);
}

/**
 * |FFT2|² of the mean-removed image under a 2-D Hann window. The image is real, so two rows share one
 * complex FFT (one as the real part, one as the imaginary), and the spectrum is symmetric,
 * P[−ky, −kx] = P[ky, kx], so only the columns up to W/2 are transformed.
 */
function powerSpectrum(image: Luma): Float64Array {
  const { width, height } = image;
  const { re, im } = rowSpectra(windowed(image), width, height);
  const power = new Float64Array(width * height);
  const columnRe = new Float64Array(height);
  const columnIm = new Float64Array(height);
  for (let x = 0; x <= width / 2; x += 1) {
    for (let y = 0; y < height; y += 1) {
      columnRe[y] = re[y * width + x] ?? 0;
      columnIm[y] = im[y * width + x] ?? 0;
    }
    fft(columnRe, columnIm);
    const mirrorX = (width - x) % width;
    for (let y = 0; y < height; y += 1) {
      const value = (columnRe[y] ?? 0) ** 2 + (columnIm[y] ?? 0) ** 2;
      power[y * width + x] = value;
      power[((height - y) % height) * width + mirrorX] = value;
    }
  }
  return power;
}

/** (data − mean) × (Hann(H) ⊗ Hann(W)), as the trainer multiplies them. */
function windowed({ width, height, data }: Luma): Float64Array {
  const mean = data.reduce((sum, value) => sum + value, 0) / data.length;
  const windowY = hannWindow(height);
  const windowX = hannWindow(width);
  return data.map((value, i) => {
    const weight = (windowY[Math.floor(i / width)] ?? 0) * (windowX[i % width] ?? 0);
    return (value - mean) * weight;
  });
}

/**
 * The 1-D FFT of every row of a real image (row-major), two rows per complex transform: with
 * Z = FFT(a + i·b), A[k] = (Z[k] + conj(Z[−k]))/2 and B[k] = (Z[k] − conj(Z[−k]))/(2i).
 */
function rowSpectra(
  rows: Float64Array,
  width: number,
  height: number,
): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(width * height);
  const im = new Float64Array(width * height);
  const zRe = new Float64Array(width);
  const zIm = new Float64Array(width);
  for (let y = 0; y < height; y += 2) {
    const paired = y + 1 < height;
    zRe.set(rows.subarray(y * width, (y + 1) * width));
    if (paired) zIm.set(rows.subarray((y + 1) * width, (y + 2) * width));
    else zIm.fill(0);
    fft(zRe, zIm);
    for (let k = 0; k < width; k += 1) {
      const mirror = (width - k) % width;
      const zr = zRe[k] ?? 0;
      const zi = zIm[k] ?? 0;
      const mr = zRe[mirror] ?? 0;
      const mi = zIm[mirror] ?? 0;
      re[y * width + k] = (zr + mr) / 2;
      im[y * width + k] = (zi - mi) / 2;
      if (paired) {
        re[(y + 1) * width + k] = (zi + mi) / 2;
        im[(y + 1) * width + k] = (mr - zr) / 2;
      }
    }
  }
  return { re, im };
}

/** torch.fft.fftfreq(n): 0, 1, …, ⌈n/2⌉ − 1, −⌊n/2⌋, …, −1, times 1/n. */
function fftFrequencies(n: number): Float64Array {
  const step = 1 / n;
  return Float64Array.from({ length: n }, (_, k) => (k < Math.ceil(n / 2) ? k : k - n) * step);
}

/** torch.round: halves go to the even neighbour. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}
