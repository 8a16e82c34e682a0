/**
 * The seeded noise canvas of the whole image's latent, as a pure function of
 * (seed, channel, row, column). A tile asks for its own window and gets exactly
 * the values every other layout would see there, without the canvas ever
 * existing in memory (a ×4 upscale of a 2000×1500 photo would need ~100 MB).
 */

/** Wellons' lowbias32 integer hash: cheap, and good enough to drive Box–Muller. */
function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const twoPi = 2 * Math.PI;
const twoTo32 = 4294967296;

export interface NoiseWindow {
  seed: number;
  channels: number;
  /** Canvas coordinates of the window's top-left latent pixel. */
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Writes the window as C×H×W float32 at `offset`. Channels come in pairs that
 * share one Box–Muller draw (cos and sin), halving the transcendental work.
 */
export function fillNoise(out: Float32Array, offset: number, window: NoiseWindow): void {
  const { seed, channels, top, left, height, width } = window;
  const plane = height * width;
  const seedHash = hash32(seed);
  for (let pair = 0; pair * 2 < channels; pair += 1) {
    const pairHash = hash32(seedHash ^ pair);
    const first = offset + 2 * pair * plane;
    const hasSecond = 2 * pair + 1 < channels;
    for (let y = 0; y < height; y += 1) {
      const rowHash = hash32(pairHash ^ (top + y));
      for (let x = 0; x < width; x += 1) {
        const a = hash32(rowHash ^ Math.imul(left + x, 0x9e3779b1));
        const b = hash32(a ^ 0x68e31da4);
        const radius = Math.sqrt(-2 * Math.log((a + 0.5) / twoTo32));
        const angle = (twoPi * b) / twoTo32;
        const index = first + y * width + x;
        out[index] = radius * Math.cos(angle);
        if (hasSecond) out[index + plane] = radius * Math.sin(angle);
      }
    }
  }
}
