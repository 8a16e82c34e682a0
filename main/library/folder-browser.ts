/**
 * `yonos serve`'s folder browser: a web page cannot open the native folder
 * dialog nor learn real paths, so the UI lists folders on the serving machine
 * through these functions instead (the desktop app keeps its native dialog).
 * Hidden folders are left out; errors are one plain sentence.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Db } from './db.js';
import { isIgnoredName, isPhotoFile } from './photo-files.js';
import type { FolderListing, Places } from '../../common/contract.js';
import { ForbiddenError, NotFoundError } from '../../common/errors.js';

const recentLimit = 8;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** A path the user typed: `~` is the home folder; relative paths start there too. */
export function resolveTypedPath(typed: string, home = homedir()): string {
  const trimmed = typed.trim();
  if (trimmed === '' || trimmed === '~') return home;
  if (trimmed.startsWith('~/') || trimmed.startsWith('~\\')) {
    return path.join(home, trimmed.slice(2));
  }
  return path.resolve(home, trimmed);
}

export async function browseFolder(typed: string | undefined): Promise<FolderListing> {
  const folder = resolveTypedPath(typed ?? '');
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    throw unreadable(folder, error);
  });
  const folders: FolderListing['folders'] = [];
  const models: FolderListing['models'] = [];
  let photos = 0;
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const full = path.join(folder, entry.name);
    if (await isFolderEntry(entry, full)) folders.push({ name: entry.name, path: full });
    else if (isPhotoFile(entry.name)) photos++;
    else if (entry.name.toLowerCase().endsWith('.onnx'))
      models.push({ name: entry.name, path: full });
  }
  folders.sort((a, b) => collator.compare(a.name, b.name));
  models.sort((a, b) => collator.compare(a.name, b.name));
  const parent = path.dirname(folder);
  return {
    path: folder,
    parent: parent === folder ? null : parent,
    crumbs: crumbsOf(folder),
    folders,
    photos,
    models,
  };
}

/** Directories, and links to directories (a linked Pictures folder is common). */
async function isFolderEntry(
  entry: { isDirectory(): boolean; isSymbolicLink(): boolean },
  full: string,
): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return stat(full).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

/** A typed error, so HTTP answers 404/403 with the sentence instead of logging a 500. */
function unreadable(folder: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new NotFoundError(`There is no folder at ${folder}.`);
  if (code === 'ENOTDIR') return new NotFoundError(`${folder} is a file, not a folder.`);
  if (code === 'EACCES' || code === 'EPERM')
    return new ForbiddenError(`Yonos is not allowed to open ${folder}.`);
  return new Error(`${folder} cannot be opened.`);
}

/** `/home/me/Pictures` → `/`, `home`, `me`, `Pictures`, each with its full path. */
export function crumbsOf(folder: string): FolderListing['crumbs'] {
  const crumbs: FolderListing['crumbs'] = [];
  for (let current = folder; ; current = path.dirname(current)) {
    const parent = path.dirname(current);
    crumbs.unshift({ name: parent === current ? current : path.basename(current), path: current });
    if (parent === current) return crumbs;
  }
}

export async function browsePlaces(db: Db, home = homedir()): Promise<Places> {
  return { home, recent: recentFolders(db), mounts: await listMounts() };
}

/** Folders photos were imported from, most recent import first, that still exist. */
function recentFolders(db: Db): string[] {
  return db
    .prepare<[], { folder: string }>(
      'SELECT folder FROM photos GROUP BY folder ORDER BY max(imported_at) DESC, folder LIMIT 50',
    )
    .all()
    .map((row) => row.folder)
    .filter((folder) => existsSync(folder))
    .slice(0, recentLimit);
}

async function listMounts(): Promise<Places['mounts']> {
  if (process.platform === 'win32') return windowsDrives();
  if (process.platform === 'darwin') {
    const volumes = await readdir('/Volumes').catch(() => []);
    return volumes.map((name) => ({ name, path: path.join('/Volumes', name) }));
  }
  const table = await readFile('/proc/mounts', 'utf8').catch(() => '');
  return [{ name: 'Computer', path: '/' }, ...mediaMounts(table)];
}

function windowsDrives(): Places['mounts'] {
  const letters = 'CDEFGHIJKLMNOPQRSTUVWXYZAB'.split('');
  return letters
    .map((letter) => `${letter}:\\`)
    .filter((drive) => existsSync(drive))
    .map((drive) => ({ name: drive.slice(0, 2), path: drive }));
}

/** Removable and extra drives from /proc/mounts: what is mounted under /media, /mnt or /run/media. */
export function mediaMounts(procMounts: string): Places['mounts'] {
  const mounts: Places['mounts'] = [];
  for (const line of procMounts.split('\n')) {
    const mountPoint = line.split(' ')[1];
    if (mountPoint === undefined) continue;
    // /proc/mounts writes spaces and other odd characters as octal escapes.
    const decoded = mountPoint.replace(/\\([0-7]{3})/g, (_, octal: string) =>
      String.fromCharCode(parseInt(octal, 8)),
    );
    if (/^\/(media|mnt|run\/media)\/./.test(decoded)) {
      mounts.push({ name: path.basename(decoded), path: decoded });
    }
  }
  return mounts;
}
