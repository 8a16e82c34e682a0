/**
 * Which Yonos processes have a data directory open, so `yonos library recover`
 * never pulls the database from under one of them. Each backend keeps a small
 * file under `<dataDir>/processes/` and renews its time stamp on its heartbeat;
 * a file not renewed for a lease's length belongs to a process that is gone.
 * Files, not the database: recover runs when the database cannot be trusted.
 */
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { leaseMs, type LeaseOwner } from './leases.js';

export function usersDir(dataDir: string): string {
  return path.join(dataDir, 'processes');
}

/** Records `owner` as a user of the data directory until `leave`. */
export class DataDirUser {
  readonly #file: string;
  readonly #record: string;

  constructor(dataDir: string, owner: LeaseOwner) {
    mkdirSync(usersDir(dataDir), { recursive: true });
    this.#file = path.join(usersDir(dataDir), `${owner.id}.json`);
    this.#record = `${JSON.stringify({ label: owner.label })}\n`;
    writeFileSync(this.#file, this.#record);
  }

  /** The heartbeat: still here. */
  renew(): void {
    const now = new Date();
    try {
      utimesSync(this.#file, now, now);
    } catch {
      // Removed by hand, or by a process that took us for gone after a long freeze: say so again.
      writeFileSync(this.#file, this.#record);
    }
  }

  leave(): void {
    rmSync(this.#file, { force: true });
  }
}

/** The labels of the processes using the data directory now, except `exceptId`; stale records are removed. */
export function dataDirUsers(dataDir: string, exceptId?: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(usersDir(dataDir)).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const users: string[] = [];
  for (const name of names) {
    if (name === `${exceptId}.json`) continue;
    const file = path.join(usersDir(dataDir), name);
    const label = liveLabel(file, now);
    if (label === undefined) rmSync(file, { force: true });
    else if (label !== null) users.push(label);
  }
  return users;
}

/** The label of a fresh record; undefined when stale; null when it vanished meanwhile. */
function liveLabel(file: string, now: number): string | undefined | null {
  try {
    if (statSync(file).mtimeMs < now - leaseMs) return undefined;
    const record = JSON.parse(readFileSync(file, 'utf8')) as { label?: unknown };
    return typeof record.label === 'string' ? record.label : 'a Yonos process';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return 'a Yonos process';
  }
}
