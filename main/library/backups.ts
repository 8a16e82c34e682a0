/**
 * Daily copies of a healthy library database, made with SQLite's online backup
 * API while the library is in use: `<dataDir>/backups/library-YYYY-MM-DD.db`
 * (local date), the last `backupsKept` kept. `yonos library recover` restores
 * the newest one after setting a damaged database aside.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { integrityProblem, type Db } from './db.js';

export const backupsKept = 7;

const backupName = /^library-\d{4}-\d{2}-\d{2}\.db$/;

export function backupsDir(dataDir: string): string {
  return path.join(dataDir, 'backups');
}

function backupFile(dataDir: string, day: Date): string {
  const date = [day.getFullYear(), day.getMonth() + 1, day.getDate()]
    .map((part) => String(part).padStart(2, '0'))
    .join('-');
  return path.join(backupsDir(dataDir), `library-${date}.db`);
}

/** The backups, newest first. */
export function listBackups(dataDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(backupsDir(dataDir));
  } catch {
    return [];
  }
  return names
    .filter((name) => backupName.test(name))
    .sort()
    .reverse()
    .map((name) => path.join(backupsDir(dataDir), name));
}

/**
 * Makes today's copy unless there is one, or the database fails its integrity
 * check (a damaged copy must never push a good one out). Returns the new file.
 */
export async function backUpToday(
  db: Db,
  dataDir: string,
  now = new Date(),
): Promise<string | null> {
  const target = backupFile(dataDir, now);
  if (existsSync(target) || integrityProblem(db) !== null) return null;
  mkdirSync(backupsDir(dataDir), { recursive: true });
  // Written under a temp name, so a copy cut short never passes for a backup.
  const temp = `${target}.${randomUUID()}.tmp`;
  try {
    await db.backup(temp);
    // A plain file, no WAL: it can be checked, copied and restored on its own.
    const copy = new Database(temp);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
  for (const old of listBackups(dataDir).slice(backupsKept)) rmSync(old, { force: true });
  removeAbandonedTemps(dataDir, now.getTime());
  return target;
}

/** Temp copies a killed process left; a day old, so none still being written. */
function removeAbandonedTemps(dataDir: string, now: number): void {
  for (const name of readdirSync(backupsDir(dataDir))) {
    const file = path.join(backupsDir(dataDir), name);
    if (name.endsWith('.tmp') && statSync(file).mtimeMs < now - 24 * 3600_000) {
      rmSync(file, { force: true });
    }
  }
}
