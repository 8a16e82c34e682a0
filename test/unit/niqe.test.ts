import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Planes } from '../../main/engine/bicubic.js';
import {
  builtInNiqeModelPath,
  imageFeatures,
  loadNiqeModel,
  logGamma,
  niqe,
  type NiqeModel,
} from '../../main/engine/niqe.js';
import { pseudoInverse, symmetricEigen } from '../../main/engine/pseudo-inverse.js';
import { syntheticPhoto } from '../../main/engine/synthetic.js';
import { must } from '../support/must.js';
import { tempDir } from '../support/temp.js';

function photo(width: number, height: number): Planes {
  const pixels = syntheticPhoto(width, height);
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i += 1) {
    for (let c = 0; c < 3; c += 1) data[c * plane + i] = (pixels[i * 3 + c] ?? 0) / 255;
  }
  return { width, height, channels: 3, data };
}

/** A 3×3 box blur of every channel (edges clamped). */
function blurred(image: Planes): Planes {
  const { width, height } = image;
  const data = image.data.map((_, i) => {
    const c = Math.floor(i / (width * height));
    const y = Math.floor(i / width) % height;
    const x = i % width;
    let sum = 0;
    for (let dy = -1; dy <= 1; dy += 1) {
      for (let dx = -1; dx <= 1; dx += 1) {
        const yy = Math.min(height - 1, Math.max(0, y + dy));
        const xx = Math.min(width - 1, Math.max(0, x + dx));
        sum += image.data[(c * height + yy) * width + xx] ?? 0;
      }
    }
    return sum / 9;
  });
  return { ...image, data };
}

describe('logGamma', () => {
  it.each([
    [0.1, 2.252712651734206],
    [0.5, 0.5 * Math.log(Math.PI)],
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [15, Math.log(87178291200)],
  ])('ln Γ(%f)', (x, expected) => {
    expect(Math.abs(logGamma(x) - expected)).toBeLessThan(1e-13);
  });
});

describe('pseudoInverse (numpy.linalg.pinv of a symmetric matrix)', () => {
  it('inverts a well-conditioned symmetric matrix', () => {
    const a = Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]);
    const inverse = pseudoInverse(a, 3);
    for (let i = 0; i < 3; i += 1) {
      for (let j = 0; j < 3; j += 1) {
        let sum = 0;
        for (let k = 0; k < 3; k += 1) sum += (a[i * 3 + k] ?? 0) * (inverse[k * 3 + j] ?? 0);
        expect(sum).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('drops the null space of a singular one: pinv(v·vᵀ) = v·vᵀ / |v|⁴', () => {
    const v = [1, 2, 2];
    const outer = Float64Array.from(
      { length: 9 },
      (_, i) => (v[Math.floor(i / 3)] ?? 0) * (v[i % 3] ?? 0),
    );
    pseudoInverse(outer, 3).forEach((value, i) => {
      expect(value).toBeCloseTo((outer[i] ?? 0) / 81, 12);
    });
  });

  it('finds the eigenvalues of a symmetric matrix', () => {
    const { values } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(Array.from(values).sort()).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14)]);
  });
});

describe('NIQE', () => {
  let model: NiqeModel;
  beforeAll(() => {
    model = loadNiqeModel(must(builtInNiqeModelPath(), 'the built-in models folder'));
  });

  it('loads the built-in model fitted on our photos', () => {
    expect(model.patch).toBe(96);
    expect(model.mean).toHaveLength(36);
    expect(model.cov).toHaveLength(36 * 36);
    expect(model.facts).toMatchObject({ images: 216, patch: 96 });
  });

  it('has 36 features per 96-px patch, the ragged edge dropped', () => {
    expect(imageFeatures(photo(200, 100), 96)).toHaveLength(2 * 36);
  });

  it('scores a blurred photo and a noisy one as less natural than the sharp one', () => {
    const sharp = photo(192, 192);
    const random = (i: number): number => (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5) * 0.3;
    const noisy = {
      ...sharp,
      data: sharp.data.map((v, i) => Math.min(1, Math.max(0, v + random(i)))),
    };
    const score = (image: Planes): number => must(niqe(image, model), 'a NIQE score');
    expect(score(blurred(sharp))).toBeGreaterThan(score(sharp) + 1);
    expect(score(noisy)).toBeGreaterThan(score(sharp) + 1);
  });

  it('scores a single patch (no covariance of its own) and gives null below one patch', () => {
    expect(niqe(photo(96, 120), model)).toBeGreaterThan(0);
    expect(niqe(photo(95, 300), model)).toBeNull();
  });

  it('refuses a file that is not an exported NIQE model, saying what it needs', async () => {
    const dir = await tempDir();
    const notModel =
      /^The NIQE model .* is not a yonos-niqe-model\/1 file \(from yonos-train niqe-export\)/;
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ mean: [1, 2] }));
    expect(() => loadNiqeModel(path.join(dir, 'model.json'))).toThrow(notModel);
    writeFileSync(path.join(dir, 'model.npz'), 'PK\u0003\u0004 not JSON');
    expect(() => loadNiqeModel(path.join(dir, 'model.npz'))).toThrow(/model\.npz .*: not JSON\.$/);
    expect(() => loadNiqeModel(path.join(dir, 'none.json'))).toThrow(
      /^Cannot read the NIQE model .*none\.json: ENOENT/,
    );
  });
});
