import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkOutputSize, defaultLimits, readImageHeader } from '../../main/engine/image-io.js';
import { rawImage, rawPixels, smoothPhoto, testEngine, writeTestImage } from '../support/engine.js';
import { exifTag, readExifTags } from '../support/exif-tags.js';
import { headerOnlyPng } from '../support/images.js';
import { tempDir } from '../support/temp.js';

const xmp =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Ada Lovelace</dc:creator>' +
  '</rdf:Description></rdf:RDF></x:xmpmeta>';

/** 40×30 stored sideways: EXIF orientation 6 means "rotate 90° clockwise to view" (30×40 upright). */
async function cameraJpeg(): Promise<string> {
  const image = rawImage({ width: 40, height: 30, channels: 3, value: smoothPhoto })
    .withIccProfile('p3')
    .withExif({ IFD0: { Make: 'YonosCam', Model: 'One' } })
    .withMetadata({ orientation: 6 })
    .withXmp(xmp)
    .jpeg({ quality: 95 });
  return writeTestImage('camera.jpg', image);
}

async function writeHeaderOnlyPng(name: string, width: number, height: number): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, headerOnlyPng(width, height));
  return file;
}

describe('metadata', () => {
  it.each(['jpg', 'png', 'webp'] as const)(
    'keeps EXIF, ICC and XMP on %s output, applies the orientation and fixes the dimensions',
    async (format) => {
      const { engine } = await testEngine();
      const input = await cameraJpeg();
      const source = await sharp(input).metadata();
      const output = path.join(path.dirname(input), `camera_x2.${format}`);
      const result = await engine.upscaleFile(input, output, { scale: 2, format });
      expect([result.width, result.height]).toEqual([60, 80]);
      const metadata = await sharp(output).metadata();
      expect([metadata.width, metadata.height]).toEqual([60, 80]);
      expect(metadata.icc?.equals(source.icc ?? Buffer.alloc(0))).toBe(true);
      expect(metadata.xmpAsString).toContain('Ada Lovelace');
      const tags = readExifTags(metadata.exif);
      expect(tags.get(exifTag.make)).toBe('YonosCam');
      expect(tags.get(exifTag.orientation) ?? 1).toBe(1);
      expect(tags.get(exifTag.pixelXDimension)).toBe(60);
      expect(tags.get(exifTag.pixelYDimension)).toBe(80);
    },
  );

  it('keeps pixel values in the file’s own colour encoding (no ICC conversion)', async () => {
    const { engine } = await testEngine();
    const flat = rawImage({
      width: 24,
      height: 24,
      channels: 3,
      value: (_x, _y, c) => [200, 60, 30][c] ?? 0,
    });
    const input = await writeTestImage('p3.png', flat.withIccProfile('p3'));
    const output = path.join(path.dirname(input), 'p3_x2.png');
    await engine.upscaleFile(input, output, { scale: 2 });
    const stored = await sharp(input).keepIccProfile().raw().toBuffer();
    const upscaled = await sharp(output).keepIccProfile().raw().toBuffer();
    const centre = (24 * 48 + 24) * 3;
    const converted = await sharp(output).raw().toBuffer();
    for (let c = 0; c < 3; c += 1) {
      expect(Math.abs((upscaled[centre + c] ?? 0) - (stored[c] ?? 0))).toBeLessThanOrEqual(2);
    }
    // Viewers that apply the profile see the original colour again.
    expect(Math.abs((converted[centre] ?? 0) - 200)).toBeLessThanOrEqual(3);
  });
});

describe('pixel formats', () => {
  it('upscales alpha separately (Lanczos) and re-attaches it', async () => {
    const { engine } = await testEngine();
    const image = rawImage({
      width: 32,
      height: 24,
      channels: 4,
      value: (x, y, c) => (c === 3 ? (x < 16 ? 0 : 255) : smoothPhoto(x, y, c)),
    });
    const input = await writeTestImage('alpha.png', image.png());
    const output = path.join(path.dirname(input), 'alpha_x4.png');
    await engine.upscaleFile(input, output, { scale: 4 });
    const { data, info } = await rawPixels(output);
    expect(info).toMatchObject({ width: 128, height: 96, channels: 4 });
    const alphaAt = (x: number, y: number): number => data[(y * 128 + x) * 4 + 3] ?? -1;
    expect(alphaAt(10, 50)).toBe(0);
    expect(alphaAt(120, 50)).toBe(255);
    // JPEG has no alpha: the photo is flattened onto white.
    const jpeg = path.join(path.dirname(input), 'alpha_x4.jpg');
    await engine.upscaleFile(input, jpeg, { scale: 4 });
    const flattened = await rawPixels(jpeg);
    expect(flattened.info.channels).toBe(3);
    expect(flattened.data[(50 * 128 + 10) * 3]).toBeGreaterThan(245);
  });

  it('keeps alpha on 16-bit grey images', async () => {
    const { engine } = await testEngine();
    const image = rawImage({
      width: 20,
      height: 20,
      channels: 2,
      bits: 16,
      value: (x, y, c) => (c === 1 ? (y < 10 ? 0 : 65535) : 30_000 + 500 * x),
    });
    const input = await writeTestImage('grey-alpha.png', image.png());
    const output = path.join(path.dirname(input), 'grey-alpha_x2.png');
    await engine.upscaleFile(input, output, { scale: 2 });
    expect(await sharp(output).metadata()).toMatchObject({ channels: 2, depth: 'ushort' });
    const data = await sharp(output).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    expect(samples.length).toBe(40 * 40 * 2);
    expect(samples[(5 * 40 + 20) * 2 + 1]).toBe(0);
    expect(samples[(35 * 40 + 20) * 2 + 1]).toBe(65535);
  });

  it('keeps grey images grey', async () => {
    const { engine } = await testEngine();
    const grey = rawImage({ width: 30, height: 20, channels: 1, value: (x, y) => 40 + 3 * x + y });
    const input = await writeTestImage('grey.png', grey.png());
    const output = path.join(path.dirname(input), 'grey_x2.png');
    await engine.upscaleFile(input, output, { scale: 2 });
    const metadata = await sharp(output).metadata();
    expect(metadata).toMatchObject({ width: 60, height: 40, channels: 1, space: 'b-w' });
    const data = await sharp(output).toColourspace('b-w').raw().toBuffer();
    expect(data.length).toBe(60 * 40);
    expect(Math.abs((data[20 * 60 + 30] ?? 0) - (40 + 3 * 15 + 10))).toBeLessThanOrEqual(4);
  });

  it('keeps 16-bit precision in 16-bit outputs', async () => {
    const { engine } = await testEngine();
    const deep = rawImage({
      width: 24,
      height: 16,
      channels: 3,
      bits: 16,
      value: (x, y, c) => 20_000 + 700 * x + 300 * y + 5000 * c,
    });
    const input = await writeTestImage('deep.png', deep.png());
    expect((await sharp(input).metadata()).depth).toBe('ushort');
    const output = path.join(path.dirname(input), 'deep_x2.png');
    await engine.upscaleFile(input, output, { scale: 2 });
    const metadata = await sharp(output).metadata();
    expect(metadata).toMatchObject({ width: 48, height: 32, depth: 'ushort' });
    const data = await sharp(output).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
    const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    // 8-bit data widened to 16 bits would only hold multiples of 257.
    expect(samples.filter((value) => value % 257 !== 0).length).toBeGreaterThan(samples.length / 2);
    const centre = (16 * 48 + 24) * 3;
    expect(Math.abs((samples[centre] ?? 0) - (20_000 + 700 * 12 + 300 * 8))).toBeLessThan(1500);
  });

  it('reads the first frame of an animated GIF', async () => {
    const { engine } = await testEngine();
    const frames = rawImage({
      width: 16,
      height: 32,
      channels: 3,
      value: (_x, y, c) => (y < 16 ? ([220, 20, 20][c] ?? 0) : ([20, 20, 220][c] ?? 0)),
    });
    const animation = sharp(await frames.raw().toBuffer(), {
      raw: { width: 16, height: 32, channels: 3, pageHeight: 16 },
    }).gif();
    const input = await writeTestImage('anim.gif', animation);
    expect((await sharp(input).metadata()).pages).toBe(2);
    const output = path.join(path.dirname(input), 'anim_x2.png');
    await engine.upscaleFile(input, output, { scale: 2 });
    const { data, info } = await rawPixels(output);
    expect([info.width, info.height]).toEqual([32, 32]);
    expect(data[(16 * 32 + 16) * info.channels]).toBeGreaterThan(180);
  });

  it.each(['avif', 'tiff', 'webp'] as const)('writes %s at the chosen quality', async (format) => {
    const { engine } = await testEngine();
    const input = await writeTestImage(
      'in.png',
      rawImage({ width: 20, height: 20, channels: 3, value: smoothPhoto }).png(),
    );
    const output = path.join(path.dirname(input), `in_x2.${format}`);
    await engine.upscaleFile(input, output, { scale: 2, format, quality: 80 });
    const metadata = await sharp(output).metadata();
    expect(metadata.format).toBe(format === 'avif' ? 'heif' : format);
    expect([metadata.width, metadata.height]).toEqual([40, 40]);
  });
});

describe('limits', () => {
  it('refuses inputs over the pixel limit before decoding them', async () => {
    const input = await writeTestImage(
      'big.png',
      rawImage({ width: 50, height: 40, channels: 3, value: () => 9 }).png(),
    );
    await expect(
      readImageHeader(input, { ...defaultLimits, maxInputPixels: 1000 }),
    ).rejects.toThrow('50×40 is 0.0 MP, over the 0.0 MP input limit.');
    expect(readFileSync(input).length).toBeGreaterThan(0);
  });

  it('says a PNG bomb is over the 100 MP input limit, in the documented words', async () => {
    const { engine } = await testEngine();
    const input = await writeHeaderOnlyPng('bomb.png', 20_000, 20_000);
    await expect(
      engine.upscaleFile(input, path.join(path.dirname(input), 'bomb_x2.png'), { scale: 2 }),
    ).rejects.toThrow('20000×20000 is 400 MP, over the 100 MP input limit.');
  });

  it('refuses an output over the limit from the header, without decoding the input', async () => {
    const { engine } = await testEngine();
    // 81 MP in the header, and no pixel data a decoder could read: only the header is looked at.
    const input = await writeHeaderOnlyPng('big.png', 9000, 9000);
    await expect(
      engine.upscaleFile(input, path.join(path.dirname(input), 'big_x4.png'), { scale: 4 }),
    ).rejects.toThrow(
      'the output would be 36000×36000 (1296 MP), over the 400 MP output limit; choose a smaller scale.',
    );
  });

  it('refuses outputs over the output limit or the format’s largest side', () => {
    expect(() => {
      checkOutputSize(40_000, 30_000, 'png', defaultLimits);
    }).toThrow(/40000×30000 \(1200 MP\), over the 400 MP output limit/);
    expect(() => {
      checkOutputSize(20_000, 1000, 'webp', defaultLimits);
    }).toThrow(/webp cannot store 20000×1000: its largest side is 16383 px/);
    expect(() => {
      checkOutputSize(20_000, 1000, 'png', defaultLimits);
    }).not.toThrow();
  });
});
