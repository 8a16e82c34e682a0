import { describe, expect, it } from 'vitest';
import { cropBorder, lumaBt601, psnr, scoreY, ssim } from '../../main/engine/metrics.js';

function rgb(width: number, height: number, value: (x: number, y: number, c: number) => number) {
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c += 1) {
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) data[(c * height + y) * width + x] = value(x, y, c);
    }
  }
  return { width, height, channels: 3, data };
}

describe('SR metrics', () => {
  it('compute BT.601 luma in [16, 235]/255', () => {
    expect(lumaBt601(rgb(1, 1, () => 0))[0]).toBeCloseTo(16 / 255, 9);
    expect(lumaBt601(rgb(1, 1, () => 1))[0]).toBeCloseTo(235 / 255, 9);
  });

  it('give PSNR 10·log10(1/MSE)', () => {
    const a = new Float64Array(100).fill(0.5);
    const b = new Float64Array(100).fill(0.6);
    expect(psnr(a, b)).toBeCloseTo(20, 9);
    expect(psnr(a, a)).toBeCloseTo(120, 9);
  });

  it('give SSIM 1 for identical images and less for a noisy copy', () => {
    const clean = rgb(32, 32, (x, y) => (x + y) / 64);
    const noisy = rgb(32, 32, (x, y) => (x + y) / 64 + ((x * 7 + y * 13) % 5) / 50);
    expect(scoreY(clean, clean, 2).ssimY).toBeCloseTo(1, 9);
    const score = scoreY(noisy, clean, 2);
    expect(score.ssimY).toBeLessThan(0.99);
    expect(score.psnrY).toBeLessThan(40);
  });

  it('crop the border before scoring', () => {
    const data = Float64Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(cropBorder({ width: 4, height: 4, data }, 1).data)).toEqual([5, 6, 9, 10]);
    // A difference confined to the border does not count.
    const a = rgb(24, 24, () => 0.5);
    const b = rgb(24, 24, (x) => (x === 0 ? 1 : 0.5));
    expect(scoreY(b, a, 4).psnrY).toBeCloseTo(120, 6);
    const luma = { width: 24, height: 24, data: lumaBt601(a) };
    expect(ssim(luma, luma)).toBeCloseTo(1, 9);
  });
});
