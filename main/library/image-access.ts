/**
 * Which library files may be read, and how: only a library photo or one of
 * its enhanced versions, and only while its real path lies inside an allowed
 * root (a library folder or an output folder Yonos wrote to, real paths too).
 * The check is made on the opened descriptor, so a path swapped for a link
 * between check and read changes nothing. The Electron media protocol, the
 * `yonos serve` file route, thumbnails and previews all read through here.
 *
 * A library folder that is itself a link counts where it leads (people keep
 * photos on other disks that way), so one replaced by a link is followed too;
 * it can only lead to files with the names and extensions of library photos.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from './db.js';
import { ForbiddenError } from '../../common/errors.js';

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

/** True when `file` is `root` or inside it (both absolute and resolved). */
function isInside(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  const leaves = relative === '..' || relative.startsWith(`..${path.sep}`);
  return !leaves && !path.isAbsolute(relative);
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

// A FIFO swapped in for a photo must not block the open; regular files ignore the flag.
const readFlags = constants.O_RDONLY | (process.platform === 'win32' ? 0 : constants.O_NONBLOCK);

/**
 * Opens `file` for reading when it is a regular file whose real path, taken
 * from the opened descriptor, lies inside one of `roots` as they really are
 * now. Links are followed (a library file may link to another library file);
 * only where they lead counts. Throws ForbiddenError otherwise.
 */
export async function openInsideRoots(file: string, roots: readonly string[]): Promise<FileHandle> {
  const handle = await open(file, readFlags);
  try {
    if (!(await handle.stat()).isFile()) {
      throw new ForbiddenError(`${file} is not a file; it is not read.`);
    }
    const real = await descriptorPath(handle, file);
    if (!(await insideSomeRoot(real, file, roots))) {
      throw new ForbiddenError(`${file} leads outside the library folders; it is not read.`);
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Where an open descriptor really is. Linux says so exactly (/proc); elsewhere
 * the path's real path counts only if it is the very file that was opened.
 */
async function descriptorPath(handle: FileHandle, file: string): Promise<string> {
  if (process.platform === 'linux') {
    const exact = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    if (exact !== null) return exact;
  }
  const real = await realpath(file);
  const [opened, found] = await Promise.all([handle.stat(), stat(real)]);
  if (opened.dev !== found.dev || opened.ino !== found.ino) {
    throw new ForbiddenError(`${file} changed while it was opened; it is not read.`);
  }
  return real;
}

/** Resolves the roots lazily, the ones the path is filed under first: usually one is enough. */
async function insideSomeRoot(
  real: string,
  file: string,
  roots: readonly string[],
): Promise<boolean> {
  const likelyFirst = [...roots].sort(
    (a, b) => Number(isInside(file, path.resolve(b))) - Number(isInside(file, path.resolve(a))),
  );
  for (const root of likelyFirst) {
    const realRoot = await realpath(root).catch(() => null);
    if (realRoot !== null && isInside(real, realRoot)) return true;
  }
  return false;
}

/** A library file's bytes, read inside the allowed roots (thumbnails, previews). */
export async function readLibraryFile(db: Db, file: string): Promise<Buffer> {
  const handle = await openInsideRoots(file, allowedRoots(db));
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Parses `photo/12` or `version/3` (a URL path's tail). */
export function parseImageRef(ref: string): { kind: ImageKind; id: number } | null {
  const match = /^\/*(photo|version)\/(\d{1,12})$/.exec(ref);
  if (match === null) return null;
  return { kind: match[1] as ImageKind, id: Number(match[2]) };
}

export interface OpenedImage {
  /** Open for reading; whoever takes it closes it (a read stream does on its end). */
  handle: FileHandle;
  type: string;
  size: number;
}

/** The image for a reference (`photo/12`), opened, or null when there is none or it is not allowed. */
export async function openImage(db: Db, ref: string): Promise<OpenedImage | null> {
  const parsed = parseImageRef(ref);
  if (parsed === null) return null;
  const table = parsed.kind === 'photo' ? 'photos' : 'versions';
  const row = db
    .prepare<[number], { path: string }>(`SELECT path FROM ${table} WHERE id = ?`)
    .get(parsed.id);
  const type = row === undefined ? null : imageContentType(row.path);
  if (row === undefined || type === null) return null;
  const handle = await openInsideRoots(row.path, allowedRoots(db)).catch(() => null);
  if (handle === null) return null;
  return { handle, type, size: (await handle.stat()).size };
}

/** Only files Yonos knows (library photos and their versions) may be revealed. */
export function isKnownFile(db: Db, file: string): boolean {
  return (
    db
      .prepare('SELECT 1 FROM photos WHERE path = ? UNION SELECT 1 FROM versions WHERE path = ?')
      .get(file, file) !== undefined
  );
}
