/**
 * NIQE (Mittal, Soundararajan and Bovik 2013, "Making a 'completely blind' image quality analyzer")
 * exactly as the trainer computes it (trainer/yonos_train/niqe.py `niqe`, `image_features`), with the
 * natural-scene model the trainer fitted on our own sharp photos, exported as JSON by
 * `yonos-train niqe-export` (native-models/niqe/photos-train.json). Lower is more natural.
 *
 * Per P×P patch of the luma, at full and half resolution: the MSCN coefficients' generalised Gaussian
 * fit (shape, variance), and the asymmetric generalised Gaussian fits (shape, mean, left and right
 * variances) of the products of horizontally, vertically and diagonally neighbouring coefficients:
 * 36 numbers. The score is the distance between the model's Gaussian and the Gaussian of the image's
 * own patch features.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { downscaleAntialiased, type Planes } from './bicubic.js';
import { pseudoInverse } from './pseudo-inverse.js';
import { findBuiltInModelsDir } from './registry.js';

const featureCount = 36;

const niqeModelSchema = z.object({
  schema: z.literal('yonos-niqe-model/1'),
  patch: z.number().int().min(8).multipleOf(2),
  mean: z.array(z.number()).length(featureCount),
  cov: z.array(z.array(z.number()).length(featureCount)).length(featureCount),
  facts: z.record(z.string(), z.unknown()),
});

export interface NiqeModel {
  patch: number;
  mean: Float64Array;
  /** Row-major 36×36. */
  cov: Float64Array;
  facts: Record<string, unknown>;
}

/** The built-in model: fitted by `yonos-train niqe-fit` on the training photos (trainer/README.md). */
export function builtInNiqeModelPath(modelsDir = findBuiltInModelsDir()): string | null {
  return modelsDir === null ? null : path.join(modelsDir, 'niqe', 'photos-train.json');
}

export function loadNiqeModel(file: string): NiqeModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the NIQE model ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const notModel = `The NIQE model ${file} is not a yonos-niqe-model/1 file (from yonos-train niqe-export)`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${notModel}: not JSON.`, { cause: error });
  }
  const parsed = niqeModelSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${notModel}: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
  }
  const { patch, mean, cov, facts } = parsed.data;
  return { patch, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()), facts };
}

/**
 * NIQE = √((ν₁ − ν₂)ᵀ ((Σ₁ + Σ₂)/2)⁺ (ν₁ − ν₂)) between the model (ν₁, Σ₁) and the Gaussian (ν₂, Σ₂)
 * of the image's patch features (Mittal et al. 2013, eq. 10; trainer: `niqe`). Null for an image
 * smaller than one patch.
 */
export function niqe(image: Planes, model: NiqeModel): number | null {
  const features = imageFeatures(image, model.patch);
  if (features === null) return null;
  const count = features.length / featureCount;
  const mean = columnMeans(features, count);
  const cov = count > 1 ? covariance(features, count, mean) : new Float64Array(featureCount ** 2);
  const pooled = model.cov.map((value, i) => (value + (cov[i] ?? 0)) / 2);
  const inverse = pseudoInverse(pooled, featureCount);
  const difference = model.mean.map((value, i) => value - (mean[i] ?? 0));
  let distance = 0;
  for (let i = 0; i < featureCount; i += 1) {
    for (let j = 0; j < featureCount; j += 1) {
      distance +=
        (difference[i] ?? 0) * (inverse[i * featureCount + j] ?? 0) * (difference[j] ?? 0);
    }
  }
  return Math.sqrt(Math.max(0, distance));
}

interface Grey {
  width: number;
  height: number;
  data: Float64Array;
}

/** Row-major (patches × 36): 18 features at full resolution, then 18 at half. Null below one patch. */
export function imageFeatures(image: Planes, patch: number): Float64Array | null {
  const width = Math.floor(image.width / patch) * patch;
  const height = Math.floor(image.height / patch) * patch;
  if (width === 0 || height === 0) return null;
  const grey = greyLevels(image, width, height);
  const fine = patchFeatures(mscn(grey), patch);
  const half = downscaleAntialiased(
    { width, height, channels: 1, data: new Float32Array(grey.data.map((v) => v / 255)) },
    2,
  );
  const coarse = patchFeatures(
    mscn({
      width: half.width,
      height: half.height,
      data: new Float64Array(half.data).map((v) => v * 255),
    }),
    patch / 2,
  );
  const count = (width / patch) * (height / patch);
  const features = new Float64Array(count * featureCount);
  for (let i = 0; i < count; i += 1) {
    features.set(fine.subarray(i * 18, (i + 1) * 18), i * featureCount);
    features.set(coarse.subarray(i * 18, (i + 1) * 18), i * featureCount + 18);
  }
  return features;
}

/** MATLAB's rgb2gray weights on [0, 255], as the reference code uses; the top-left width × height. */
function greyLevels(image: Planes, width: number, height: number): Grey {
  const plane = image.width * image.height;
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = y * image.width + x;
      const r = (image.data[i] ?? 0) * 255;
      const g = (image.data[plane + i] ?? 0) * 255;
      const b = (image.data[2 * plane + i] ?? 0) * 255;
      data[y * width + x] = 0.2989 * r + 0.587 * g + 0.114 * b;
    }
  }
  return { width, height, data };
}

/** 7-tap Gaussian, σ = 7/6, normalised: the MSCN window is its outer product. */
const gaussian7 = (() => {
  const g = Array.from({ length: 7 }, (_, i) => Math.exp(-((i - 3) ** 2) / (2 * (7 / 6) ** 2)));
  const sum = g.reduce((s, v) => s + v, 0);
  return Float64Array.from(g, (v) => v / sum);
})();

/** MSCN coefficients (y − μ)/(σ + 1), μ and σ over the Gaussian window, edges replicated. */
function mscn(grey: Grey): Grey {
  const mu = blur7(grey.data, grey.width, grey.height);
  const meanSquare = blur7(
    grey.data.map((v) => v * v),
    grey.width,
    grey.height,
  );
  const data = grey.data.map((v, i) => {
    const m = mu[i] ?? 0;
    return (v - m) / (Math.sqrt(Math.abs((meanSquare[i] ?? 0) - m * m)) + 1);
  });
  return { ...grey, data };
}

/** The separable 7×7 Gaussian of `mscn`, edges replicated (F.pad mode="replicate"). */
function blur7(data: Float64Array, width: number, height: number): Float64Array {
  const rows = new Float64Array(width * height);
  const padded = new Float64Array(width + 6);
  for (let y = 0; y < height; y += 1) {
    const row = data.subarray(y * width, (y + 1) * width);
    padded.set(row, 3);
    padded.fill(row[0] ?? 0, 0, 3);
    padded.fill(row[width - 1] ?? 0, width + 3);
    for (let x = 0; x < width; x += 1) {
      let sum = 0;
      for (let k = 0; k < 7; k += 1) sum += (gaussian7[k] ?? 0) * (padded[x + k] ?? 0);
      rows[y * width + x] = sum;
    }
  }
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let k = 0; k < 7; k += 1) {
      const weight = gaussian7[k] ?? 0;
      const source = Math.min(height - 1, Math.max(0, y + k - 3)) * width;
      for (let x = 0; x < width; x += 1) {
        out[y * width + x] = (out[y * width + x] ?? 0) + weight * (rows[source + x] ?? 0);
      }
    }
  }
  return out;
}

/** Neighbour shifts (dy, dx): horizontal, vertical, main and secondary diagonal. */
const shifts = [
  [0, 1],
  [1, 0],
  [1, 1],
  [-1, 1],
] as const;

/**
 * Per size×size patch, row-major: the GGD fit (shape, variance) of its coefficients, then per shift
 * the AGGD fit of the products of each coefficient with its neighbour, wrapped within the patch as
 * `computefeature.m`'s circshift does. (patches × 18).
 */
function patchFeatures(coefficients: Grey, size: number): Float64Array {
  const across = coefficients.width / size;
  const down = coefficients.height / size;
  const features = new Float64Array(across * down * 18);
  const values = new Float64Array(size * size);
  const products = new Float64Array(size * size);
  for (let py = 0; py < down; py += 1) {
    for (let px = 0; px < across; px += 1) {
      for (let y = 0; y < size; y += 1) {
        const start = (py * size + y) * coefficients.width + px * size;
        values.set(coefficients.data.subarray(start, start + size), y * size);
      }
      const offset = (py * across + px) * 18;
      features.set(ggdFit(values), offset);
      shifts.forEach(([dy, dx], s) => {
        for (let y = 0; y < size; y += 1) {
          const fromY = (y - dy + size) % size;
          for (let x = 0; x < size; x += 1) {
            const from = fromY * size + ((x - dx + size) % size);
            products[y * size + x] = (values[y * size + x] ?? 0) * (values[from] ?? 0);
          }
        }
        features.set(aggdFit(products), offset + 2 + 4 * s);
      });
    }
  }
  return features;
}

/** The fits' grid of shape parameters, torch.arange(0.2, 10.0005, 0.001), and its moment ratios. */
interface ShapeGrid {
  shapes: Float64Array;
  /** Γ(1/α)Γ(3/α)/Γ(2/α)² per shape α: E[x²]/E[|x|]² of a generalised Gaussian. */
  ggdRatios: Float64Array;
  /** Its inverse, Γ(2/α)²/(Γ(1/α)Γ(3/α)), written as the trainer writes it. */
  aggdRatios: Float64Array;
}

let grid: ShapeGrid | undefined;

function shapeGrid(): ShapeGrid {
  if (grid !== undefined) return grid;
  const shapes = Float64Array.from({ length: 9801 }, (_, i) => 0.2 + 0.001 * i);
  grid = {
    shapes,
    ggdRatios: shapes.map((a) => Math.exp(logGamma(1 / a) + logGamma(3 / a) - 2 * logGamma(2 / a))),
    aggdRatios: shapes.map((a) =>
      Math.exp(2 * logGamma(2 / a) - logGamma(1 / a) - logGamma(3 / a)),
    ),
  };
  return grid;
}

/** Moment matching (`estimateggdparam.m`): the grid shape nearest E[x²]/E[|x|]², and E[x²]. */
function ggdFit(x: Float64Array): [number, number] {
  let squares = 0;
  let magnitudes = 0;
  for (const v of x) {
    squares += v * v;
    magnitudes += Math.abs(v);
  }
  const variance = squares / x.length;
  const rho = variance / Math.max((magnitudes / x.length) ** 2, 1e-20);
  const { shapes, ggdRatios } = shapeGrid();
  return [shapes[nearest(ggdRatios, rho, false)] ?? 0, variance];
}

/** `estimateaggdparam.m`: shape ν, mean η, left σ_l² and right σ_r² variances. */
function aggdFit(x: Float64Array): [number, number, number, number] {
  let leftSum = 0;
  let leftCount = 0;
  let rightSum = 0;
  let rightCount = 0;
  let magnitudes = 0;
  for (const v of x) {
    if (v < 0) {
      leftSum += v * v;
      leftCount += 1;
    } else if (v > 0) {
      rightSum += v * v;
      rightCount += 1;
    }
    magnitudes += Math.abs(v);
  }
  const left = Math.sqrt(leftSum / Math.max(leftCount, 1));
  const right = Math.sqrt(rightSum / Math.max(rightCount, 1));
  const gammaHat = left / Math.max(right, 1e-20);
  const rHat = (magnitudes / x.length) ** 2 / Math.max((leftSum + rightSum) / x.length, 1e-20);
  const rNorm = (rHat * (gammaHat ** 3 + 1) * (gammaHat + 1)) / (gammaHat ** 2 + 1) ** 2;
  const { shapes, aggdRatios } = shapeGrid();
  const shape = shapes[nearest(aggdRatios, rNorm, true)] ?? 0;
  const mean =
    (right - left) *
    Math.exp(logGamma(2 / shape) - 0.5 * logGamma(1 / shape) - 0.5 * logGamma(3 / shape));
  return [shape, mean, left * left, right * right];
}

/**
 * The first index of the table entry nearest `target` (torch.argmin): by |entry − target|, or by
 * (entry − target)² where the trainer squares it.
 */
function nearest(table: Float64Array, target: number, squared: boolean): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < table.length; i += 1) {
    const difference = (table[i] ?? 0) - target;
    const distance = squared ? difference * difference : Math.abs(difference);
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/**
 * ln Γ(x) for x > 0: the Lanczos approximation (g = 7, 9 terms; Numerical Recipes, 3rd ed., §6.1),
 * with the reflection formula below ½; about 1e-15 accurate, as torch.lgamma's libm.
 */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = lanczos[0] ?? 0;
  for (let i = 1; i < lanczos.length; i += 1) sum += (lanczos[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function columnMeans(rows: Float64Array, count: number): Float64Array {
  const mean = new Float64Array(featureCount);
  for (let r = 0; r < count; r += 1) {
    for (let c = 0; c < featureCount; c += 1) {
      mean[c] = (mean[c] ?? 0) + (rows[r * featureCount + c] ?? 0);
    }
  }
  return mean.map((sum) => sum / count);
}

/** numpy.cov(rows, rowvar=False): the unbiased (N − 1) covariance of the columns. */
function covariance(rows: Float64Array, count: number, mean: Float64Array): Float64Array {
  const cov = new Float64Array(featureCount ** 2);
  for (let r = 0; r < count; r += 1) {
    for (let i = 0; i < featureCount; i += 1) {
      const di = (rows[r * featureCount + i] ?? 0) - (mean[i] ?? 0);
      for (let j = 0; j < featureCount; j += 1) {
        const dj = (rows[r * featureCount + j] ?? 0) - (mean[j] ?? 0);
        cov[i * featureCount + j] = (cov[i * featureCount + j] ?? 0) + di * dj;
      }
    }
  }
  return cov.map((sum) => sum / (count - 1));
}
