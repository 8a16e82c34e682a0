import { describe, expect, it } from 'vitest';
import { runBench } from '../../main/engine/bench.js';
import { lanczosUpscale, noiseImage } from '../../main/engine/resample.js';

describe('Lanczos resampling', () => {
  it('upscales raw pixels by the requested factor', async () => {
    const source = await noiseImage(32, 24);
    const result = await lanczosUpscale(source, 4);
    expect(result).toMatchObject({ width: 128, height: 96, channels: 3 });
    expect(result.data.length).toBe(128 * 96 * 3);
  });
});

describe('the bench', () => {
  it('reports milliseconds per output megapixel', async () => {
    const report = await runBench({ width: 64, height: 48, scale: 2, runs: 2 });
    expect(report.schema).toBe('yonos-bench/1');
    const [lanczos] = report.results;
    expect(lanczos).toMatchObject({ name: 'lanczos3-resample', scale: 2, runs: 2 });
    expect(lanczos?.outputMegapixels).toBeCloseTo((128 * 96) / 1e6);
    expect(lanczos?.samplesMs).toHaveLength(2);
    expect(lanczos?.msPerOutputMegapixel).toBeGreaterThan(0);
  });
});
