/**
 * Opens the library database: WAL, foreign keys, an integrity check at start,
 * and migrations with a backup copy taken first. A damaged file is never
 * touched; `recoverLibrary` (recover.ts) is the way out the error message names.
 */
import { randomUUID } from 'node:crypto';
import {
  constants,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { latestSchemaVersion, migrate, schemaVersion } from './migrations.js';

export type Db = Database.Database;

export const databaseFileName = 'library.db';

export class DamagedDatabaseError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(
      `The library database ${file} is damaged (${detail}). Your photos and enhanced files are ` +
        'not affected. Run `yonos library recover` to set the damaged file aside (it is kept, ' +
        'never deleted) and go back to the newest daily backup, or start a fresh library; then ' +
        'import your folders again.',
    );
    this.name = 'DamagedDatabaseError';
  }
}

export class NewerDatabaseError extends Error {
  constructor(file: string, version: number) {
    super(
      `The library database ${file} has schema version ${version}, newer than this Yonos ` +
        `understands (${latestSchemaVersion}). Update Yonos, or point --data-dir elsewhere.`,
    );
    this.name = 'NewerDatabaseError';
  }
}

export function databasePath(dataDir: string): string {
  return path.join(dataDir, databaseFileName);
}

export function openDatabase(file: string): Db {
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file)) createDatabase(file);
  // SQLite reads an empty file as an empty database; ours never is one (see createDatabase).
  if (statSync(file).size === 0) throw new DamagedDatabaseError(file, 'the file is empty');
  const db = new Database(file, { fileMustExist: true });
  try {
    configure(db);
    checkIntegrity(db, file);
    const version = schemaVersion(db);
    if (version > latestSchemaVersion) throw new NewerDatabaseError(file, version);
    if (version > 0 && version < latestSchemaVersion) backUp(db, file, version);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    if (isCorruption(error)) throw new DamagedDatabaseError(file, errorMessage(error));
    throw error;
  }
}

/**
 * Makes a fresh database beside `file` and moves it into place only when
 * complete (a hard link never replaces a file another process created
 * meanwhile). So no reader ever sees a half-made database.
 */
function createDatabase(file: string): void {
  const fresh = `${file}.${randomUUID()}.new`;
  try {
    const db = new Database(fresh);
    try {
      configure(db);
      migrate(db);
    } finally {
      db.close();
    }
    placeIfAbsent(fresh, file);
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(fresh + suffix, { force: true });
  }
}

/** Copies `source` to `target` unless a file appeared there meanwhile; never a half copy at `target`. */
export function placeCopy(source: string, target: string): void {
  const copy = `${target}.${randomUUID()}.new`;
  try {
    copyFileSync(source, copy);
    placeIfAbsent(copy, target);
  } finally {
    rmSync(copy, { force: true });
  }
}

function placeIfAbsent(source: string, target: string): void {
  try {
    linkSync(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    // File systems without hard links (FAT): an exclusive copy still never replaces a file.
    try {
      copyFileSync(source, target, constants.COPYFILE_EXCL);
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code !== 'EEXIST') throw copyError;
    }
  }
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // The app, `yonos serve` and CLI commands may share the file.
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
}

function checkIntegrity(db: Db, file: string): void {
  const problem = integrityProblem(db);
  if (problem !== null) throw new DamagedDatabaseError(file, problem);
}

/** What `PRAGMA quick_check` finds wrong, or null when the database passes it. */
export function integrityProblem(db: Db): string | null {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  const problems = rows.map((row) => row.quick_check).filter((result) => result !== 'ok');
  return problems.length === 0 ? null : problems.slice(0, 3).join('; ');
}

/** Why the database file cannot be used, or null when it passes the integrity check. Changes nothing. */
export function databaseProblem(file: string): string | null {
  if (statSync(file).size === 0) return 'the file is empty';
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return integrityProblem(db);
  } catch (error) {
    if (isCorruption(error)) return errorMessage(error);
    throw error;
  } finally {
    db?.close();
  }
}

/** A consistent copy beside the database, e.g. library.db.v2.bak, before migrating from v2. */
export function backupPath(file: string, version: number): string {
  return `${file}.v${version}.bak`;
}

function backUp(db: Db, file: string, version: number): void {
  const target = backupPath(file, version);
  if (existsSync(target)) return;
  db.prepare('VACUUM INTO ?').run(target);
}

function isCorruption(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_CORRUPT' || error.code === 'SQLITE_NOTADB')
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Renames the database (and its WAL files) to `<file>.damaged-<time>`; returns the new name. */
export function setAsideDamagedDatabase(file: string, now: Date = new Date()): string | null {
  if (!existsSync(file)) return null;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = `${file}.damaged-${stamp}`;
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  renameSync(file, target);
  return target;
}
