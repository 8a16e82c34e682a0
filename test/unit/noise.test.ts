import { describe, expect, it } from 'vitest';
import { fillNoise } from '../../main/engine/noise.js';
import { must } from '../support/must.js';

function window(
  seed: number,
  channels: number,
  top: number,
  left: number,
  height: number,
  width: number,
) {
  const out = new Float32Array(channels * height * width);
  fillNoise(out, 0, { seed, channels, top, left, height, width });
  return out;
}

describe('noise canvas', () => {
  it('gives a tile exactly its slice of the whole canvas, whatever the layout', () => {
    const channels = 5;
    const canvas = window(7, channels, 0, 0, 40, 56);
    for (const [top, left, height, width] of [
      [0, 0, 16, 16],
      [12, 20, 16, 24],
      [24, 40, 16, 16],
      [3, 9, 1, 1],
    ] as const) {
      const tile = window(7, channels, top, left, height, width);
      for (let c = 0; c < channels; c += 1) {
        for (let y = 0; y < height; y += 1) {
          for (let x = 0; x < width; x += 1) {
            expect(tile[(c * height + y) * width + x]).toBe(
              canvas[(c * 40 + top + y) * 56 + left + x],
            );
          }
        }
      }
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(window(1, 4, 0, 0, 8, 8)).toEqual(window(1, 4, 0, 0, 8, 8));
    expect(window(1, 4, 0, 0, 8, 8)).not.toEqual(window(2, 4, 0, 0, 8, 8));
  });

  it('writes at the given offset and leaves the rest alone', () => {
    const out = new Float32Array(2 + 2 * 3 * 3).fill(99);
    fillNoise(out, 2, { seed: 0, channels: 2, top: 0, left: 0, height: 3, width: 3 });
    expect(out.slice(0, 2)).toEqual(Float32Array.from([99, 99]));
    expect(out.slice(2)).toEqual(window(0, 2, 0, 0, 3, 3));
  });

  it('is standard normal and uncorrelated between channels and neighbours', () => {
    const values = window(3, 4, 0, 0, 128, 128);
    const n = values.length;
    const mean = values.reduce((s, v) => s + v, 0) / n;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(variance).toBeGreaterThan(0.97);
    expect(variance).toBeLessThan(1.03);
    const plane = 128 * 128;
    let channelProduct = 0;
    let neighbourProduct = 0;
    for (let i = 0; i < plane - 1; i += 1) {
      channelProduct += must(values[i]) * must(values[plane + i]);
      neighbourProduct += must(values[i]) * must(values[i + 1]);
    }
    expect(Math.abs(channelProduct / plane)).toBeLessThan(0.03);
    expect(Math.abs(neighbourProduct / plane)).toBeLessThan(0.03);
  });
});
