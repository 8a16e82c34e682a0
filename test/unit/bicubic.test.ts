import { describe, expect, it } from 'vitest';
import { downscaleAntialiased, upsampleBicubic } from '../../main/engine/bicubic.js';

/** Reference values from PyTorch 2.13 (float64), see each test. */
describe('torch-style bicubic upsampling (a = −0.75, align_corners=False, clamped edges)', () => {
  it('matches F.interpolate(scale_factor=2, mode="bicubic")', () => {
    const image = {
      width: 3,
      height: 2,
      channels: 1,
      data: Float32Array.from([0, 0.2, 0.9, 0.5, 1, 0.3]),
    };
    const expected = [
      -0.070491, -0.044391, -0.01192, 0.325429, 0.777153, 1.052682, 0.085019, 0.160535, 0.280164,
      0.496243, 0.686752, 0.804437, 0.341153, 0.498059, 0.761243, 0.777585, 0.537857, 0.395563,
      0.496663, 0.702985, 1.053326, 0.948399, 0.447456, 0.147318,
    ];
    const result = upsampleBicubic(image, 2);
    expect(result).toMatchObject({ width: 6, height: 4, channels: 1 });
    result.data.forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i] ?? NaN, 5);
    });
  });

  it('keeps a constant image constant and resizes every channel', () => {
    const image = { width: 4, height: 3, channels: 3, data: new Float32Array(36).fill(0.25) };
    const result = upsampleBicubic(image, 4);
    expect(result.data.length).toBe(3 * 16 * 12);
    for (const value of result.data) expect(value).toBeCloseTo(0.25, 6);
  });
});

describe('antialiased bicubic downscaling (a = −0.5, support × factor)', () => {
  it('matches F.interpolate(mode="bicubic", antialias=True)', () => {
    const row = [0, 0.2, 0.4, 0.6, 0.8, 0];
    const data = Float32Array.from([
      ...row,
      ...[0.2, 0.4, 0.6, 0.8, 0, 0.2],
      ...[0.4, 0.6, 0.8, 0, 0.2, 0.4],
      ...[0.6, 0.8, 0, 0.2, 0.4, 0.6],
      ...[0.8, 0, 0.2, 0.4, 0.6, 0.8],
      ...[0, 0.2, 0.4, 0.6, 0.8, 0],
    ]);
    const expected = [
      0.238896, 0.576384, 0.276151, 0.576384, 0.305897, 0.370053, 0.276151, 0.370053, 0.566202,
    ];
    const result = downscaleAntialiased({ width: 6, height: 6, channels: 1, data }, 2);
    expect(result).toMatchObject({ width: 3, height: 3 });
    result.data.forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i] ?? NaN, 5);
    });
  });

  it('floors odd sizes and clamps to [0, 1]', () => {
    const data = Float32Array.from({ length: 9 * 7 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const result = downscaleAntialiased({ width: 9, height: 7, channels: 1, data }, 4);
    expect(result).toMatchObject({ width: 2, height: 1 });
    for (const value of result.data) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
  });
});
