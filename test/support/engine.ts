/** Engines on the fixture models, and images generated on the spot, for engine tests. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { Engine, type EngineOptions } from '../../main/engine/index.js';
import { fixtureModelsDir, onCleanup, tempDir } from './temp.js';

/** An engine that sees only the fixture models (not native-models/), closed after the test. */
export async function testEngine(
  options: EngineOptions = {},
): Promise<{ engine: Engine; log: string[] }> {
  const log: string[] = [];
  const engine = await Engine.create({
    modelDirs: [fixtureModelsDir],
    builtInModelsDir: null,
    dataDir: await tempDir('yonos-data-'),
    device: 'cpu',
    log: (message) => log.push(message),
    ...options,
  });
  onCleanup(() => engine.close());
  return { engine, log };
}

export interface RawSpec {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** Sample value (0–255, or 0–65535 with `bits: 16`) at x, y for channel c. */
  value: (x: number, y: number, c: number) => number;
  bits?: 8 | 16;
}

export function rawImage(spec: RawSpec): Sharp {
  const { width, height, channels, value, bits = 8 } = spec;
  const length = width * height * channels;
  const data = bits === 16 ? new Uint16Array(length) : new Uint8Array(length);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      for (let c = 0; c < channels; c += 1) data[(y * width + x) * channels + c] = value(x, y, c);
    }
  }
  const image = sharp(data, { raw: { width, height, channels } });
  if (bits === 16) return image.toColourspace(channels <= 2 ? 'grey16' : 'rgb16');
  return channels <= 2 ? image.toColourspace('b-w') : image;
}

/** Writes to a fresh temp folder (or `dir`) and returns the path. */
export async function writeTestImage(name: string, image: Sharp, dir?: string): Promise<string> {
  const folder = dir ?? (await tempDir());
  const file = path.join(folder, name);
  await mkdir(path.dirname(file), { recursive: true });
  await image.toFile(file);
  return file;
}

/** A smooth test photo with some structure, deterministic. */
export const smoothPhoto = (x: number, y: number, c: number): number =>
  Math.round(128 + 60 * Math.sin(x / 7 + c) * Math.cos(y / 9) + 30 * Math.sin((x + y) / 13));

export async function rawPixels(file: string): Promise<{ data: Buffer; info: OutputInfo }> {
  return sharp(file).raw().toBuffer({ resolveWithObject: true });
}
