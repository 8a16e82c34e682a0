/**
 * `yonos eval` scores as the trainer's `yonos-train eval` does: the app's metrics against the numbers
 * the trainer's own code computed on the same generated images (test/fixtures/perceptual, written by
 * its make_fixtures.py with trainer/niqe/photos-train.npz), with the model the app ships.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { downscaleAntialiased } from '../../main/engine/bicubic.js';
import { readPlanes } from '../../main/engine/eval.js';
import { hrReference, imageMetrics, referenceMetrics } from '../../main/engine/eval-scores.js';
import { builtInNiqeModelPath, loadNiqeModel, type NiqeModel } from '../../main/engine/niqe.js';
import { must } from '../support/must.js';

const fixtures = path.resolve('test/fixtures/perceptual');

interface TrainerScores {
  psnr_y: number;
  ssim_y: number;
  hf_ratio: number;
  stipple_pct: number;
  niqe: number | null;
}

const expected = JSON.parse(readFileSync(path.join(fixtures, 'expected.json'), 'utf8')) as Record<
  'a' | 'b' | 'c',
  { scale: number; output: TrainerScores; hr: Pick<TrainerScores, 'stipple_pct' | 'niqe'> }
> & { downscale: number[] };

function expectRelative(actual: number | null, wanted: number | null, tolerance: number): void {
  if (wanted === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs((actual ?? NaN) - wanted)).toBeLessThanOrEqual(tolerance * Math.abs(wanted));
}

let model: NiqeModel;
beforeAll(() => {
  model = loadNiqeModel(must(builtInNiqeModelPath(), 'the built-in models folder'));
});

describe.each(['a', 'b', 'c'] as const)('image %s: the app scores as the trainer', (name) => {
  const { scale, output, hr: reference } = expected[name];
  const load = (kind: string) => readPlanes(path.join(fixtures, `${name}-${kind}.png`), scale);

  it('scores the output on PSNR/SSIM-Y, the HF ratio, stipple and NIQE', async () => {
    const scores = imageMetrics(await load('sr'), hrReference(await load('hr'), scale), model);
    // The trainer's luma is float32, the app's double: they differ in the 8th digit at most.
    expectRelative(scores.psnrY, output.psnr_y, 1e-7);
    expectRelative(scores.ssimY, output.ssim_y, 1e-7);
    expectRelative(scores.hfRatio, output.hf_ratio, 1e-6);
    expect(scores.stipplePct).toBe(output.stipple_pct);
    expectRelative(scores.niqe, output.niqe, 1e-4);
  });

  it('scores the HR photo on stipple and NIQE', async () => {
    const scores = referenceMetrics(await load('hr'), model);
    expect(scores.stipplePct).toBe(reference.stipple_pct);
    expectRelative(scores.niqe, reference.niqe, 1e-4);
  });
});

it("NIQE's half-resolution grey levels are the trainer's antialiased bicubic (torch, float32)", async () => {
  const hr = await readPlanes(path.join(fixtures, 'a-hr.png'), 2);
  const plane = hr.width * hr.height;
  const grey = Float32Array.from({ length: 64 * 32 }, (_, i) => {
    const at = Math.floor(i / 64) * hr.width + (i % 64);
    const [r = 0, g = 0, b = 0] = [0, 1, 2].map((c) => (hr.data[c * plane + at] ?? 0) * 255);
    return (0.2989 * r + 0.587 * g + 0.114 * b) / 255;
  });
  const half = downscaleAntialiased({ width: 64, height: 32, channels: 1, data: grey }, 2);
  const differences = Array.from(half.data, (value, i) =>
    Math.abs(value - (expected.downscale[i] ?? NaN)),
  );
  // Not bit for bit (torch sums in float32, the app in double), but within one float32 unit in the
  // last place of values below 1.
  expect(Math.max(...differences)).toBeLessThanOrEqual(2 ** -23);
});
