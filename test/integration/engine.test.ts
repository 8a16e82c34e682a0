import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import type { UpscaleProgress } from '../../main/engine/index.js';
import { rawImage, smoothPhoto, testEngine, writeTestImage } from '../support/engine.js';
import { tempDir } from '../support/temp.js';

const photo = (width: number, height: number) =>
  rawImage({ width, height, channels: 3, value: smoothPhoto });

describe('Engine.upscaleFile', () => {
  it('upscales ×2, ×4 and ×8 with progress per tile and reports the provider that ran', async () => {
    const { engine } = await testEngine();
    const input = await writeTestImage('in.png', photo(50, 34));
    for (const scale of [2, 4, 8] as const) {
      const events: UpscaleProgress[] = [];
      const output = path.join(path.dirname(input), `out_x${scale}.png`);
      const result = await engine.upscaleFile(
        input,
        output,
        { scale, tile: 32 },
        { onProgress: (event) => events.push(event) },
      );
      expect(result).toMatchObject({ input, output, width: 50 * scale, height: 34 * scale });
      expect(result.device).toBe('cpu');
      expect(result.modelId).toBe(`yonos-tiny-x${scale}`);
      const metadata = await sharp(output).metadata();
      expect([metadata.width, metadata.height]).toEqual([50 * scale, 34 * scale]);
      expect(events.length).toBeGreaterThan(1);
      expect(events.map((event) => event.tilesDone)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)).toMatchObject({ file: input, tilesDone: events.length, etaMs: 0 });
      expect(events.every((event) => event.tilesTotal === events.length)).toBe(true);
    }
    expect(engine.providers()).toMatchObject({ active: 'cpu' });
    expect(engine.providers().available).toContain('cpu');
  });

  it('is deterministic for a seed, and the seed changes the noise', async () => {
    const { engine } = await testEngine();
    const input = await writeTestImage('in.png', photo(40, 40));
    const dir = path.dirname(input);
    const run = async (name: string, seed?: number): Promise<Buffer> => {
      const output = path.join(dir, name);
      await engine.upscaleFile(input, output, {
        scale: 2,
        steps: 2,
        ...(seed === undefined ? {} : { seed }),
      });
      return sharp(output).raw().toBuffer();
    };
    const first = await run('a.png');
    expect((await run('b.png')).equals(first)).toBe(true);
    expect((await run('c.png', 5)).equals(first)).toBe(false);
  });

  it('cancels within a tile and leaves no partial or temp file', async () => {
    const { engine } = await testEngine();
    const input = await writeTestImage('in.png', photo(96, 96));
    const dir = path.dirname(input);
    const controller = new AbortController();
    const events: UpscaleProgress[] = [];
    const upscale = engine.upscaleFile(
      input,
      path.join(dir, 'out.png'),
      { scale: 4, tile: 32 },
      {
        signal: controller.signal,
        onProgress: (event) => {
          events.push(event);
          controller.abort();
        },
      },
    );
    await expect(upscale).rejects.toMatchObject({ name: 'AbortError' });
    expect(events.length).toBeLessThanOrEqual(2);
    expect(events[0]?.tilesTotal).toBeGreaterThan(4);
    expect(readdirSync(dir)).toEqual(['in.png']);
    // The engine is still usable afterwards.
    const result = await engine.upscaleFile(input, path.join(dir, 'again.png'), { scale: 2 });
    expect(result.width).toBe(192);
  });

  it('cancels a queued upscale at once, while the one before it runs on', async () => {
    const { engine } = await testEngine();
    const input = await writeTestImage('in.png', photo(64, 64));
    const dir = path.dirname(input);
    const controller = new AbortController();
    const first = engine.upscaleFile(input, path.join(dir, 'first.png'), { scale: 4, tile: 32 });
    const second = engine.upscaleFile(
      input,
      path.join(dir, 'second.png'),
      { scale: 4 },
      {
        signal: controller.signal,
      },
    );
    const firstDone = vi.fn();
    void first.then(firstDone);
    controller.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    expect(firstDone).not.toHaveBeenCalled();
    expect((await first).width).toBe(256);
    expect(readdirSync(dir).sort()).toEqual(['first.png', 'in.png']);
  });

  it('rejects an already aborted signal without starting', async () => {
    const { engine } = await testEngine();
    const input = await writeTestImage('in.png', photo(16, 16));
    const upscale = engine.upscaleFile(
      input,
      `${input}.out.png`,
      { scale: 2 },
      {
        signal: AbortSignal.abort(),
      },
    );
    await expect(upscale).rejects.toMatchObject({ name: 'AbortError' });
    expect(readdirSync(path.dirname(input))).toEqual(['in.png']);
  });

  it('never overwrites its input', async () => {
    const { engine } = await testEngine();
    const input = await writeTestImage('in.png', photo(16, 16));
    const before = readFileSync(input);
    await expect(engine.upscaleFile(input, input, { scale: 2 })).rejects.toThrow(
      /Refusing to overwrite the input/,
    );
    const sameFile = path.join(path.dirname(input), '.', 'in.png');
    await expect(engine.upscaleFile(input, sameFile, { scale: 2 })).rejects.toThrow(
      /overwrite the input/,
    );
    expect(readFileSync(input).equals(before)).toBe(true);
  });

  it('gives a clear per-file error for broken inputs and keeps going', async () => {
    const { engine } = await testEngine();
    const dir = await tempDir();
    const good = await writeTestImage('good.jpg', photo(24, 24).jpeg(), dir);
    const jpeg = readFileSync(good);
    const broken = {
      'empty.jpg': Buffer.alloc(0),
      'notes.jpg': Buffer.from('these are not pixels\n'),
      'truncated.jpg': jpeg.subarray(0, Math.floor(jpeg.length / 2)),
      'corrupt.png': Buffer.concat([
        Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
        Buffer.alloc(64, 7),
      ]),
    };
    const messages: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(broken)) {
      writeFileSync(path.join(dir, name), bytes);
      const upscale = engine.upscaleFile(path.join(dir, name), path.join(dir, `x_${name}.png`), {
        scale: 2,
      });
      messages[name] = await upscale.then(
        () => 'succeeded',
        (error: unknown) => (error as Error).message,
      );
    }
    expect(messages['empty.jpg']).toBe('empty file (0 bytes), not an image');
    expect(messages['notes.jpg']).toBe('not an image, or a format Yonos cannot read');
    expect(messages['truncated.jpg']).toMatch(/^cannot decode the image \(.*premature end.*\)$/i);
    expect(messages['corrupt.png']).toBe('cannot decode the image (Input file has corrupt header)');
    const result = await engine.upscaleFile(good, path.join(dir, 'good_x2.jpg'), { scale: 2 });
    expect(result.width).toBe(48);
    expect(readdirSync(dir).sort()).toEqual(
      [...Object.keys(broken), 'good.jpg', 'good_x2.jpg'].sort(),
    );
  });

  it('says which scale has no model, and where it looked', async () => {
    const dataDir = await tempDir();
    const { engine } = await testEngine({ modelDirs: [], dataDir });
    const input = await writeTestImage('in.png', photo(16, 16));
    await expect(engine.upscaleFile(input, `${input}.x4.png`, { scale: 4 })).rejects.toThrow(
      `No ×4 model installed (looked in ${path.join(dataDir, 'models')}).`,
    );
  });

  it('refuses options no model could honour', async () => {
    const { engine } = await testEngine();
    const input = await writeTestImage('in.png', photo(16, 16));
    await expect(
      engine.upscaleFile(input, `${input}.x.png`, { scale: 2, steps: 0 }),
    ).rejects.toThrow(/steps must be a whole number from 1/);
    await expect(
      engine.upscaleFile(input, `${input}.x.png`, { scale: 2, modelId: 'yonos-tiny-x4' }),
    ).rejects.toThrow(/upscales ×4, not ×2/);
  });
});

describe('execution provider fallback', () => {
  it('falls back to CPU when the requested GPU provider cannot load, and says so', async () => {
    const { engine, log } = await testEngine({ device: 'webgpu' });
    const input = await writeTestImage('in.png', photo(16, 16));
    const result = await engine.upscaleFile(input, `${input}.x2.png`, { scale: 2 });
    // This machine has no WebGPU adapter; one that has would run it.
    if (result.device === 'cpu') {
      expect(log).toEqual([
        expect.stringMatching(/^WebGPU is not available \(.+\); using the CPU\.$/),
      ]);
    }
    expect(engine.providers().active).toBe(result.device);
  });

  it('tries an injected provider list in order', async () => {
    const { engine, log } = await testEngine({ executionProviders: ['no-such-provider', 'cpu'] });
    const input = await writeTestImage('in.png', photo(16, 16));
    const result = await engine.upscaleFile(input, `${input}.x2.png`, { scale: 2 });
    expect(result.device).toBe('cpu');
    expect(log).toEqual([expect.stringMatching(/^Execution provider no-such-provider failed/)]);
    expect(engine.providers().active).toBe('cpu');
  });
});
