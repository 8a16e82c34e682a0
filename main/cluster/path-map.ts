/**
 * Shared-storage mapping for workers: `--path-map /srv/photos=/mnt/photos`
 * says that what the coordinator calls /srv/photos/… is /mnt/photos/… here.
 * A mapped input is read in place (after its sha256 matches) and a mapped
 * output folder is written into directly, so neither crosses the network.
 */
import path from 'node:path';
import { InvalidError } from '../../common/errors.js';

export interface PathMap {
  from: string;
  to: string;
}

export function parsePathMap(value: string): PathMap {
  const [from, to, ...rest] = value.split('=');
  if (from === undefined || to === undefined || rest.length > 0 || from === '' || to === '') {
    throw new InvalidError(`--path-map takes COORDINATOR_FOLDER=LOCAL_FOLDER, not "${value}".`);
  }
  return { from: trimSeparator(from), to: trimSeparator(to) };
}

/** The local path of a coordinator path, or null when no mapping covers it. */
export function mapPath(coordinatorPath: string, maps: readonly PathMap[]): string | null {
  for (const { from, to } of maps) {
    if (coordinatorPath === from) return to;
    // Coordinator paths may be Windows or POSIX: either separator ends the prefix.
    const next = coordinatorPath[from.length];
    if (coordinatorPath.startsWith(from) && (next === '/' || next === '\\')) {
      const rest = coordinatorPath.slice(from.length + 1).split(/[\\/]/);
      return path.join(to, ...rest);
    }
  }
  return null;
}

function trimSeparator(folder: string): string {
  return folder.length > 1 ? folder.replace(/[\\/]+$/, '') : folder;
}
