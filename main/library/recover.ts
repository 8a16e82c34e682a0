/**
 * `yonos library recover` and the app's "Start a fresh library": set a damaged
 * database aside (kept, never deleted) and put the newest healthy daily backup
 * in its place, if there is one, else let the next start make a fresh library.
 * It refuses while another process has the library open (it would go on
 * writing to the file set aside) and when the database is not damaged.
 */
import { existsSync } from 'node:fs';
import { dataDirUsers } from './data-dir-users.js';
import { listBackups } from './backups.js';
import { databasePath, databaseProblem, placeCopy, setAsideDamagedDatabase } from './db.js';

export class RecoverRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecoverRefusedError';
  }
}

export interface RecoverResult {
  database: string;
  /** Where the damaged file went; null when there was no database. */
  setAside: string | null;
  /** The backup put in its place; null when the next start makes a fresh library. */
  restored: string | null;
}

export function recoverLibrary(dataDir: string): RecoverResult {
  const file = databasePath(dataDir);
  const users = dataDirUsers(dataDir);
  if (users.length > 0) {
    throw new RecoverRefusedError(
      `The library in ${dataDir} is in use by ${users.join(', ')}. Close that first, then run ` +
        '`yonos library recover` again.',
    );
  }
  if (!existsSync(file)) return { database: file, setAside: null, restored: null };
  if (databaseProblem(file) === null) {
    throw new RecoverRefusedError(
      `The library database ${file} passes the integrity check; there is nothing to recover.`,
    );
  }
  const setAside = setAsideDamagedDatabase(file);
  const backup = listBackups(dataDir).find((candidate) => databaseProblem(candidate) === null);
  if (backup !== undefined) placeCopy(backup, file);
  return { database: file, setAside, restored: backup ?? null };
}
