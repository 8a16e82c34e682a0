/**
 * IEEE 754 half precision, as ONNX Runtime takes and gives `float16` tensors:
 * the 16-bit patterns in a Uint16Array (Node 20 has no Float16Array). Used at
 * the boundary of a float16 graph; the pipeline itself works in float32.
 * Conversion to half rounds to nearest, ties to even, keeps subnormals,
 * infinities and NaN, and clamps finite values beyond the half range to
 * ±65504 (the largest half) rather than letting them become infinite.
 */

const largestHalf = 0x7bff;
const halfInfinity = 0x7c00;
const halfNaN = 0x7e00;

const single = new Float32Array(1);
const singleBits = new Uint32Array(single.buffer);

/** The half bits nearest to `value`. */
export function toHalfBits(value: number): number {
  single[0] = value;
  const bits = singleBits[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | (mantissa === 0 ? halfInfinity : halfNaN);
  // The half exponent field: the single one rebiased from 127 to 15.
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | largestHalf;
  if (halfExponent <= 0) return sign | subnormalBits(mantissa | 0x800000, 14 - halfExponent);
  const half = (halfExponent << 10) | (mantissa >>> 13);
  // A carry out of the mantissa rightly moves on to the next exponent.
  const rounded = roundShifted(half, mantissa & 0x1fff, 13);
  return sign | Math.min(rounded, largestHalf);
}

/** A half subnormal (or zero): the 24-bit significand shifted right, rounded. */
function subnormalBits(significand: number, shift: number): number {
  if (shift > 24) return 0;
  return roundShifted(significand >>> shift, significand & ((1 << shift) - 1), shift);
}

/** `kept`, rounded by the `shift` low bits `dropped`: to nearest, ties to even. */
function roundShifted(kept: number, dropped: number, shift: number): number {
  const halfway = 1 << (shift - 1);
  return dropped > halfway || (dropped === halfway && (kept & 1) === 1) ? kept + 1 : kept;
}

/** The value of half bits. */
export function fromHalfBits(bits: number): number {
  const sign = (bits & 0x8000) === 0 ? 1 : -1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function toFloat16(values: Float32Array): Uint16Array {
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i += 1) half[i] = toHalfBits(values[i] ?? 0);
  return half;
}

let halfValues: Float32Array | undefined;

export function fromFloat16(half: Uint16Array): Float32Array {
  // Every half is exact in float32: one table of all 65536 makes this a lookup.
  halfValues ??= Float32Array.from({ length: 0x10000 }, (_, bits) => fromHalfBits(bits));
  const table = halfValues;
  const values = new Float32Array(half.length);
  for (let i = 0; i < half.length; i += 1) values[i] = table[half[i] ?? 0] ?? 0;
  return values;
}
