/** Test photos made on the spot with sharp: distinct content per seed, optional EXIF. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

export interface PhotoSpec {
  width?: number;
  height?: number;
  /** Different seeds give different pixels, hence different content hashes. */
  seed?: number;
  camera?: { make: string; model: string };
  /** EXIF "YYYY:MM:DD HH:MM:SS". */
  takenAt?: string;
}

export function photoBuffer(spec: PhotoSpec = {}): Promise<Buffer> {
  const { width = 48, height = 32, seed = 0 } = spec;
  const pixels = Buffer.alloc(width * height * 3);
  for (let index = 0; index < pixels.length; index++) {
    pixels[index] = (index * 31 + seed * 97 + ((index * seed) % 251)) % 256;
  }
  let image = sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 });
  if (spec.camera !== undefined || spec.takenAt !== undefined) {
    image = image.withExif({
      IFD0: spec.camera === undefined ? {} : { Make: spec.camera.make, Model: spec.camera.model },
      IFD2: spec.takenAt === undefined ? {} : { DateTimeOriginal: spec.takenAt },
    });
  }
  return image.toBuffer();
}

export async function writePhoto(file: string, spec: PhotoSpec = {}): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await photoBuffer(spec));
  return file;
}
