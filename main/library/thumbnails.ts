/**
 * Thumbnails: small WebP files cached on disk by content hash, so a moved or
 * duplicated photo shares one, and a deleted cache file is simply made again.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { checkInputSize, defaultLimits } from '../engine/image-io.js';

export const thumbnailSize = 320;

/**
 * Larger photos than an upscale takes (100 MP) still get a thumbnail: up to
 * libvips' own default guard, checked from the header in our words.
 */
const thumbnailLimits = { ...defaultLimits, maxInputPixels: 0x3fff * 0x3fff };

export function thumbnailPath(cacheDir: string, hash: string): string {
  return path.join(cacheDir, hash.slice(0, 2), `${hash}.webp`);
}

/** Returns the cached thumbnail's path, making it from the original's bytes when it is not there. */
export async function ensureThumbnail(
  cacheDir: string,
  hash: string,
  readSource: () => Promise<Buffer>,
): Promise<string> {
  const target = thumbnailPath(cacheDir, hash);
  if (existsSync(target)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  const source = await readSource();
  const { width, height } = await sharp(source, { limitInputPixels: false }).metadata();
  checkInputSize(width, height, thumbnailLimits);
  try {
    await sharp(source, { limitInputPixels: thumbnailLimits.maxInputPixels })
      .rotate()
      .resize(thumbnailSize, thumbnailSize, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toFile(temp);
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  return target;
}
