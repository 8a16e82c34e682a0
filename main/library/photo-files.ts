/** Finding photos on disk and reading what the library records about each. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { readExif } from './exif.js';

const photoExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.avif']);

export function isPhotoFile(file: string): boolean {
  return photoExtensions.has(path.extname(file).toLowerCase());
}

/**
 * Temp, hidden and sidecar names that are never photos of their own: partial
 * downloads, Office lock files, macOS and Windows folder metadata.
 */
export function isIgnoredName(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.startsWith('~$') ||
    name === 'Thumbs.db' ||
    /\.(part|crdownload|tmp|download)$/i.test(name)
  );
}

/** The photos among `paths`: files as given, folders expanded (recursively unless told not to). */
export async function findPhotos(paths: string[], recursive = true): Promise<string[]> {
  const found: string[] = [];
  for (const given of paths) {
    const absolute = path.resolve(given);
    const stats = await stat(absolute);
    if (stats.isDirectory()) found.push(...(await listFolder(absolute, recursive)));
    else found.push(absolute);
  }
  return found;
}

async function listFolder(folder: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const found: string[] = [];
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory() && recursive) found.push(...(await listFolder(full, true)));
    else if (entry.isFile() && isPhotoFile(entry.name)) found.push(full);
  }
  return found;
}

export interface PhotoFacts {
  path: string;
  hash: string;
  bytes: number;
  mtime: number;
  width: number;
  height: number;
  format: string;
  takenAt: number | null;
  camera: string | null;
}

export async function readPhotoFacts(file: string): Promise<PhotoFacts> {
  const [hash, stats, metadata] = await Promise.all([
    hashFile(file),
    stat(file),
    // The header only, whatever the size: a huge photo is still a photo of the library.
    sharp(file, { limitInputPixels: false }).metadata(),
  ]);
  const exif = readExif(metadata.exif);
  // EXIF orientations 5-8 are rotated a quarter turn: report the size as shown.
  const turned = (metadata.orientation ?? 1) >= 5;
  return {
    path: file,
    hash,
    bytes: stats.size,
    mtime: Math.round(stats.mtimeMs),
    width: turned ? metadata.height : metadata.width,
    height: turned ? metadata.width : metadata.height,
    format: metadata.format,
    ...exif,
  };
}

export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => {
        resolve(hash.digest('hex'));
      });
  });
}
