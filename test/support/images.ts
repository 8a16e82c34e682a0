/** Test photos made on the spot with sharp: distinct content per seed, optional EXIF. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
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

/**
 * A PNG whose header claims `width` × `height` grey pixels, with image data
 * for one row only: readers that look at the header see its full size, a
 * decoder fails. Stands in for decompression bombs and huge photos.
 */
export function headerOnlyPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // 8-bit; colour type 0 (grey), default compression, filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
