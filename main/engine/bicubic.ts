/**
 * The two resizes of the SR protocol, matching PyTorch (trainer/yonos_train/imaging.py):
 * - upsampleBicubic: F.interpolate(scale_factor=s, mode='bicubic', align_corners=False),
 *   Keys a = −0.75 with edge-clamped taps; what the model's encoder does in-graph, so
 *   it is the bicubic baseline.
 * - downscaleAntialiased: F.interpolate(mode='bicubic', antialias=True), i.e. PIL's
 *   filter: Keys a = −0.5 stretched by the factor, weights renormalised at the edges.
 * Images are planar float32 (C×H×W) in [0, 1].
 */

export interface Planes {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

function keys(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** One output sample's source taps and weights along an axis. */
interface Taps {
  index: Int32Array;
  weight: Float32Array;
}

function upsampleTaps(inLength: number, scale: number): Taps[] {
  return Array.from({ length: inLength * scale }, (_, out) => {
    const source = (out + 0.5) / scale - 0.5;
    const base = Math.floor(source);
    const t = source - base;
    const index = Int32Array.from([-1, 0, 1, 2], (k) =>
      Math.min(inLength - 1, Math.max(0, base + k)),
    );
    const weight = Float32Array.from([1 + t, t, 1 - t, 2 - t], (d) => keys(d, -0.75));
    return { index, weight };
  });
}

function antialiasTaps(inLength: number, factor: number): Taps[] {
  const outLength = Math.floor(inLength / factor);
  // Like torch, the true ratio: it differs from `factor` when the size is not a multiple.
  const ratio = inLength / outLength;
  const support = 2 * ratio;
  return Array.from({ length: outLength }, (_, out) => {
    const center = (out + 0.5) * ratio;
    const first = Math.max(Math.floor(center - support + 0.5), 0);
    const last = Math.min(Math.floor(center + support + 0.5), inLength);
    const index = Int32Array.from({ length: last - first }, (_, k) => first + k);
    const raw = Array.from(index, (i) => keys((i - center + 0.5) / ratio, -0.5));
    const total = raw.reduce((sum, w) => sum + w, 0);
    return { index, weight: Float32Array.from(raw, (w) => w / total) };
  });
}

/** Applies taps along x, then along y (separable). */
function resample(image: Planes, xTaps: Taps[], yTaps: Taps[]): Planes {
  const { width, height, channels, data } = image;
  const outWidth = xTaps.length;
  const outHeight = yTaps.length;
  const rows = new Float32Array(channels * height * outWidth);
  for (let c = 0; c < channels; c += 1) {
    for (let y = 0; y < height; y += 1) {
      const source = (c * height + y) * width;
      const target = (c * height + y) * outWidth;
      xTaps.forEach(({ index, weight }, x) => {
        let sum = 0;
        for (let k = 0; k < index.length; k += 1) {
          sum += (weight[k] ?? 0) * (data[source + (index[k] ?? 0)] ?? 0);
        }
        rows[target + x] = sum;
      });
    }
  }
  const out = new Float32Array(channels * outHeight * outWidth);
  for (let c = 0; c < channels; c += 1) {
    yTaps.forEach(({ index, weight }, y) => {
      const target = (c * outHeight + y) * outWidth;
      for (let k = 0; k < index.length; k += 1) {
        const w = weight[k] ?? 0;
        const source = (c * height + (index[k] ?? 0)) * outWidth;
        for (let x = 0; x < outWidth; x += 1) {
          out[target + x] = (out[target + x] ?? 0) + w * (rows[source + x] ?? 0);
        }
      }
    });
  }
  return { width: outWidth, height: outHeight, channels, data: out };
}

export function upsampleBicubic(image: Planes, scale: number): Planes {
  return resample(image, upsampleTaps(image.width, scale), upsampleTaps(image.height, scale));
}

/** Downscale by an integer factor (sizes floor-divided), clamped to [0, 1] as the trainer does. */
export function downscaleAntialiased(image: Planes, factor: number): Planes {
  const result = resample(
    image,
    antialiasTaps(image.width, factor),
    antialiasTaps(image.height, factor),
  );
  result.data.forEach((value, i) => (result.data[i] = Math.min(1, Math.max(0, value))));
  return result;
}
