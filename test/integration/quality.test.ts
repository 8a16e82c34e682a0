/**
 * End to end: a generated photo, downscaled ×4 with antialiased bicubic,
 * upscaled by the engine and scored against the original next to bicubic.
 * Uses the shipped model (native-models/yonos-photo-x4) when it is installed,
 * which must beat bicubic; otherwise the barely trained fixture, which must
 * at least match it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { downscaleAntialiased, upsampleBicubic } from '../../main/engine/bicubic.js';
import { readPlanes, writePlanes } from '../../main/engine/eval.js';
import { scoreY } from '../../main/engine/metrics.js';
import { syntheticPhoto } from '../../main/engine/synthetic.js';
import { testEngine } from '../support/engine.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';

const shippedDir = path.resolve('native-models/yonos-photo-x4');
const shipped = existsSync(path.join(shippedDir, 'manifest.json'));

describe(`×4 end to end with ${shipped ? 'the shipped model' : 'the fixture model'}`, () => {
  it('gives the right size and beats (or, for the fixture, matches) bicubic on PSNR-Y', async () => {
    const dir = await tempDir();
    const [width, height] = [192, 160];
    const hrFile = path.join(dir, 'hr.png');
    await sharp(syntheticPhoto(width, height), { raw: { width, height, channels: 3 } })
      .png()
      .toFile(hrFile);
    const hr = await readPlanes(hrFile, 4);
    const lrFile = path.join(dir, 'lr.png');
    await writePlanes(downscaleAntialiased(hr, 4), lrFile);
    const lr = await readPlanes(lrFile, 1);
    expect([lr.width, lr.height]).toEqual([48, 40]);

    const { engine } = await testEngine(
      shipped ? { modelDirs: [shippedDir] } : { modelDirs: [fixtureModelsDir] },
    );
    const modelId = shipped ? 'yonos-photo-x4' : 'yonos-tiny-x4';
    const result = await engine.upscaleFile(lrFile, path.join(dir, 'sr.png'), {
      scale: 4,
      modelId,
    });
    expect([result.width, result.height]).toEqual([width, height]);
    const metadata = await sharp(result.output).metadata();
    expect([metadata.width, metadata.height]).toEqual([width, height]);

    const model = scoreY(await readPlanes(result.output, 1), hr, 4);
    const bicubic = scoreY(upsampleBicubic(lr, 4), hr, 4);
    if (shipped) expect(model.psnrY).toBeGreaterThan(bicubic.psnrY);
    else expect(model.psnrY).toBeGreaterThanOrEqual(bicubic.psnrY - 0.05);
    expect(model.ssimY).toBeGreaterThan(0.4);
  });
});
