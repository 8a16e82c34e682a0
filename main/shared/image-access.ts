/**
 * Which image files the UI may load at full size (compare view): only a
 * library photo or one of its enhanced versions, looked up by id, and only
 * when the file lies inside an allowed root (a library folder or an output
 * folder Yonos wrote to). Both hosts use it: the Electron media protocol and
 * the `yonos serve` file route.
 */
import path from 'node:path';
import type { Db } from '../library/db.js';

export type ImageKind = 'photo' | 'version';

const imageTypes: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

/** The media type for an image file name, or null for anything that is not a web-viewable image. */
export function imageContentType(file: string): string | null {
  return imageTypes[path.extname(file).toLowerCase()] ?? null;
}

/** True when `file` is `root` or inside it, after resolving `..` segments. */
export function isInsideRoots(file: string, roots: readonly string[]): boolean {
  const resolved = path.resolve(file);
  return roots.some((root) => {
    const relative = path.relative(path.resolve(root), resolved);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
}

/** Library folders and the folders enhanced versions were written to. */
export function allowedRoots(db: Db): string[] {
  const folders = db
    .prepare<[], { folder: string }>('SELECT DISTINCT folder FROM photos')
    .all()
    .map((row) => row.folder);
  const outputs = db
    .prepare<[], { path: string }>('SELECT path FROM versions')
    .all()
    .map((row) => path.dirname(row.path));
  return [...new Set([...folders, ...outputs])];
}

/** Parses `photo/12` or `version/3` (a URL path's tail). */
export function parseImageRef(ref: string): { kind: ImageKind; id: number } | null {
  const match = /^\/*(photo|version)\/(\d{1,12})$/.exec(ref);
  if (match === null) return null;
  return { kind: match[1] as ImageKind, id: Number(match[2]) };
}

/** The file for an image reference, or null when there is none or it is not allowed. */
export function resolveImage(db: Db, kind: ImageKind, id: number): string | null {
  const table = kind === 'photo' ? 'photos' : 'versions';
  const row = db
    .prepare<[number], { path: string }>(`SELECT path FROM ${table} WHERE id = ?`)
    .get(id);
  if (row === undefined || imageContentType(row.path) === null) return null;
  return isInsideRoots(row.path, allowedRoots(db)) ? row.path : null;
}
