/** Half-precision conversion at a float16 graph's boundary (main/engine/float16.ts). */
import { describe, expect, it } from 'vitest';
import { fromFloat16, fromHalfBits, toFloat16, toHalfBits } from '../../main/engine/float16.js';

describe('float32 → half bits', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [255, 0x5bf8],
    [65504, 0x7bff],
  ])('is exact for %d', (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  it.each([
    ['a tie, to the even neighbour below', 1 + 2 ** -11, 0x3c00],
    ['a tie, to the even neighbour above', 1 + 3 * 2 ** -11, 0x3c02],
    ['just past a tie, up', 1 + 2 ** -11 + 2 ** -20, 0x3c01],
    ['just short of a tie, down', 1 + 2 ** -11 - 2 ** -20, 0x3c00],
    ['2049, a tie between 2048 and 2050', 2049, 0x6800],
    ['a carry into the next exponent', 2 - 2 ** -12, 0x4000],
  ])('rounds %s', (_case, value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  it.each([
    ['the smallest subnormal', 2 ** -24, 0x0001],
    ['three times it', 3 * 2 ** -24, 0x0003],
    ['the largest subnormal', 1023 * 2 ** -24, 0x03ff],
    ['the smallest normal', 2 ** -14, 0x0400],
    ['a tie below the smallest normal, up to it (even)', 2 ** -14 - 2 ** -25, 0x0400],
    ['half the smallest subnormal, a tie, to zero', 2 ** -25, 0x0000],
    ['past half of it, up to it', 1.5 * 2 ** -25, 0x0001],
    ['a negative subnormal', -5 * 2 ** -24, 0x8005],
    ['far below, to zero', 1e-30, 0x0000],
    ['far below and negative, to -0', -1e-30, 0x8000],
  ])('keeps subnormals: %s', (_case, value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  it('keeps infinities and NaN', () => {
    expect(toHalfBits(Infinity)).toBe(0x7c00);
    expect(toHalfBits(-Infinity)).toBe(0xfc00);
    expect(toHalfBits(NaN)).toBe(0x7e00);
  });

  it.each([65505, 65519, 65520, 1e10, 3.4e38])(
    'clamps %d, beyond the half range, to the largest half',
    (value) => {
      expect(toHalfBits(value)).toBe(0x7bff);
      expect(toHalfBits(-value)).toBe(0xfbff);
    },
  );
});

describe('half bits → float32', () => {
  it('reads normals, subnormals, zeros, infinities and NaN', () => {
    expect(fromHalfBits(0x3c00)).toBe(1);
    expect(fromHalfBits(0x7bff)).toBe(65504);
    expect(fromHalfBits(0x0001)).toBe(2 ** -24);
    expect(fromHalfBits(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(fromHalfBits(0x8000), -0)).toBe(true);
    expect(fromHalfBits(0x7c00)).toBe(Infinity);
    expect(fromHalfBits(0xfc00)).toBe(-Infinity);
    expect(fromHalfBits(0x7e00)).toBeNaN();
  });

  it('round-trips every half that is a number', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits += 1) {
      const value = fromHalfBits(bits);
      if (!Number.isNaN(value) && toHalfBits(value) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('arrays', () => {
  it('converts pixels both ways within half precision', () => {
    const pixels = Float32Array.from({ length: 1000 }, (_, i) => i / 999);
    const half = toFloat16(pixels);
    expect(half).toBeInstanceOf(Uint16Array);
    expect(Array.from(half)).toEqual(Array.from(pixels, toHalfBits));
    const back = fromFloat16(half);
    expect(Array.from(back)).toEqual(Array.from(half, fromHalfBits));
    for (let i = 0; i < pixels.length; i += 1) {
      // Half keeps 11 significant bits: within half an ulp.
      expect(Math.abs((back[i] ?? 0) - (pixels[i] ?? 0))).toBeLessThanOrEqual(2 ** -12);
    }
    expect(Array.from(fromFloat16(toFloat16(Float32Array.of(NaN, -Infinity, 1e6))))).toEqual([
      NaN,
      -Infinity,
      65504,
    ]);
  });
});
