/**
 * Which Yonos processes have a data directory open, known without trusting
 * process ids (the system reuses them: after a reboot, pid 1 is always alive).
 * Each backend keeps, under `<dataDir>/processes/`, a label file and a lock:
 * a tiny SQLite file it holds an exclusive lock on for as long as it runs. The
 * system drops that lock the moment the process ends, however it ends (crash,
 * kill -9, power cut), so "is its lock still held?" is exact and immediate.
 * `yonos library recover` uses it to leave a library in use alone; leases use
 * it to take back the work of a process that is gone without waiting them out.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { LeaseOwner } from './leases.js';

function usersDir(dataDir: string): string {
  return path.join(dataDir, 'processes');
}

/** Owner ids are UUIDs; anything else (a row from elsewhere) names no file of ours. */
const ownerIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function lockFile(dataDir: string, ownerId: string): string {
  return path.join(usersDir(dataDir), `${ownerId}.lock`);
}

function labelFile(dataDir: string, ownerId: string): string {
  return path.join(usersDir(dataDir), `${ownerId}.json`);
}

/** Records `owner` as a user of the data directory until `leave` (or until the process ends). */
export class DataDirUser {
  readonly #lock: Database.Database;

  constructor(
    private readonly dataDir: string,
    private readonly owner: LeaseOwner,
  ) {
    mkdirSync(usersDir(dataDir), { recursive: true });
    writeFileSync(labelFile(dataDir, owner.id), `${JSON.stringify({ label: owner.label })}\n`);
    this.#lock = new Database(lockFile(dataDir, owner.id));
    // Exclusive locking mode keeps the lock the first write takes until the connection closes.
    this.#lock.pragma('journal_mode = OFF');
    this.#lock.pragma('locking_mode = EXCLUSIVE');
    this.#lock.pragma('user_version = 1');
  }

  leave(): void {
    this.#lock.close();
    removeRecord(this.dataDir, this.owner.id);
  }
}

/** Whether the backend with this owner id is still running (on this data directory). */
export function ownerIsAlive(dataDir: string, ownerId: string): boolean {
  if (!ownerIdPattern.test(ownerId) || !existsSync(lockFile(dataDir, ownerId))) return false;
  let probe: Database.Database | undefined;
  try {
    probe = new Database(lockFile(dataDir, ownerId), { fileMustExist: true, timeout: 0 });
    probe.pragma('user_version');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    // Removed meanwhile: its owner just left.
    if (!existsSync(lockFile(dataDir, ownerId))) return false;
    throw error;
  } finally {
    probe?.close();
  }
}

/** The labels of the processes using the data directory now, except `exceptId`; records of gone ones are removed. */
export function dataDirUsers(dataDir: string, exceptId?: string): string[] {
  let names: string[];
  try {
    names = readdirSync(usersDir(dataDir));
  } catch {
    return [];
  }
  const users: string[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.lock'))) {
    const ownerId = name.slice(0, -'.lock'.length);
    if (ownerId === exceptId) continue;
    if (ownerIsAlive(dataDir, ownerId)) users.push(readLabel(dataDir, ownerId));
    else if (isOld(lockFile(dataDir, ownerId))) removeRecord(dataDir, ownerId);
  }
  return users;
}

/** A lock a minute old is not one whose owner is still starting up (made, not yet taken). */
function isOld(file: string): boolean {
  try {
    return statSync(file).mtimeMs < Date.now() - 60_000;
  } catch {
    return false;
  }
}

function readLabel(dataDir: string, ownerId: string): string {
  try {
    const record = JSON.parse(readFileSync(labelFile(dataDir, ownerId), 'utf8')) as {
      label?: unknown;
    };
    if (typeof record.label === 'string') return record.label;
  } catch {
    // Being written, or lost: the process is there all the same.
  }
  return 'a Yonos process';
}

function removeRecord(dataDir: string, ownerId: string): void {
  rmSync(lockFile(dataDir, ownerId), { force: true });
  rmSync(labelFile(dataDir, ownerId), { force: true });
}
