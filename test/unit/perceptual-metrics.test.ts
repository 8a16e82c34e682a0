import { describe, expect, it } from 'vitest';
import type { Planes } from '../../main/engine/bicubic.js';
import { stipplePct } from '../../main/engine/artifacts.js';
import { geometricMean } from '../../main/engine/eval-scores.js';
import { fft } from '../../main/engine/fft.js';
import type { Luma } from '../../main/engine/metrics.js';
import { hannWindow, hfEnergyRatio, radialPower } from '../../main/engine/perceptual.js';

/** A reproducible sequence in [−1, 1) (xorshift32). */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 31 - 1;
  };
}

function luma(width: number, height: number, value: (x: number, y: number) => number): Luma {
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) data[y * width + x] = value(x, y);
  }
  return { width, height, data };
}

function rgb(width: number, height: number, value: (x: number, y: number, c: number) => number) {
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c += 1) {
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) data[(c * height + y) * width + x] = value(x, y, c);
    }
  }
  return { width, height, channels: 3, data } satisfies Planes;
}

describe('fft', () => {
  it.each([1, 2, 3, 5, 8, 12, 16, 97, 100, 128, 210])(
    'equals the direct DFT for length %i',
    (n) => {
      const random = noise(n + 1);
      const re = Float64Array.from({ length: n }, random);
      const im = Float64Array.from({ length: n }, random);
      const direct = Array.from({ length: n }, (_, k) => {
        let sumRe = 0;
        let sumIm = 0;
        for (let t = 0; t < n; t += 1) {
          const angle = (-2 * Math.PI * ((k * t) % n)) / n;
          sumRe += (re[t] ?? 0) * Math.cos(angle) - (im[t] ?? 0) * Math.sin(angle);
          sumIm += (re[t] ?? 0) * Math.sin(angle) + (im[t] ?? 0) * Math.cos(angle);
        }
        return [sumRe, sumIm] as const;
      });
      fft(re, im);
      const scale = Math.sqrt(n);
      direct.forEach(([wantRe, wantIm], k) => {
        expect(Math.abs((re[k] ?? NaN) - wantRe)).toBeLessThan(1e-12 * scale);
        expect(Math.abs((im[k] ?? NaN) - wantIm)).toBeLessThan(1e-12 * scale);
      });
    },
  );
});

describe('the high-frequency energy ratio', () => {
  it("uses torch's periodic Hann window", () => {
    const window = hannWindow(4);
    [0, 0.5, 1, 0.5].forEach((value, k) => {
      expect(window[k]).toBeCloseTo(value, 15);
    });
  });

  it('finds a pure tone in its ring, and nothing in a flat image', () => {
    // 12 cycles across 96 px: 0.125 cycles per pixel, ring 0.125 × min(96, 80) = 10.
    const tone = radialPower(luma(96, 80, (x) => Math.sin((2 * Math.PI * 12 * x) / 96)));
    expect(tone.length).toBe(41);
    const peak = tone.indexOf(Math.max(...tone));
    expect(peak).toBe(10);
    expect(Math.max(...radialPower(luma(50, 40, () => 0.7)))).toBeLessThan(1e-20);
  });

  it('is 1 for the HR itself, below 1 for a blurred copy and above 1 with added noise', () => {
    const random = noise(7);
    const hr = luma(90, 70, (x, y) => 0.5 + 0.2 * Math.sin(x / 5 + y / 9) + 0.05 * random());
    const blurred = luma(90, 70, (x, y) => {
      const at = (dx: number) => hr.data[y * 90 + Math.min(89, Math.max(0, x + dx))] ?? 0;
      return (at(-1) + 2 * at(0) + at(1)) / 4;
    });
    const noisy = { ...hr, data: hr.data.map((v) => v + 0.05 * random()) };
    const ratio = (image: Luma) => hfEnergyRatio(radialPower(image), radialPower(hr), 0.25, 70);
    expect(ratio(hr)).toBeCloseTo(1, 12);
    expect(ratio(blurred)).toBeLessThan(0.7);
    expect(ratio(noisy)).toBeGreaterThan(1.5);
  });

  it('averages over images geometrically, ratios floored at 1e-12', () => {
    expect(geometricMean([0.5, 2])).toBeCloseTo(1, 12);
    expect(geometricMean([1, 4])).toBeCloseTo(2, 12);
    expect(geometricMean([0, 1])).toBeCloseTo(1e-6, 18);
  });
});

describe('the stipple share', () => {
  const checker = (amplitude: number) => (x: number, y: number) =>
    0.5 + (((x + y) % 2) * 2 - 1) * (amplitude / 255);

  it('is 0 on a flat or smooth image and 100 on a visible 2-px checker', () => {
    expect(stipplePct(rgb(64, 48, () => 0.4))).toBe(0);
    expect(stipplePct(rgb(64, 48, (x, y) => 0.3 + x / 200 + y / 300))).toBe(0);
    const visible = checker(3);
    expect(stipplePct(rgb(64, 48, (x, y) => visible(x, y)))).toBe(100);
  });

  it('ignores a checker weaker than one 8-bit level', () => {
    const faint = checker(0.4);
    expect(stipplePct(rgb(64, 48, (x, y) => faint(x, y)))).toBe(0);
  });

  it('counts the windows with stipple, in the worst channel (here a colour stripe)', () => {
    // A red/cyan 2-px stripe on the left 24 px: Cr carries it, Y barely.
    const image = rgb(64, 48, (x, _y, c) => {
      const stripe = x < 24 ? ((x % 2) * 2 - 1) * (6 / 255) : 0;
      return 0.5 + (c === 0 ? stripe : -stripe / 2);
    });
    // The windows at x = 0 and 8 hold it, 2 of 7 per row; at x = 16, half over it, its edge spreads
    // the power below the 2-px period, so the tone does not stand out.
    expect(stipplePct(image)).toBe(28.57);
  });

  it('is null for an image smaller than one 16-px window', () => {
    expect(stipplePct(rgb(15, 40, () => 0.5))).toBeNull();
  });
});
