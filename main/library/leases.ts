/**
 * Leases: how the processes sharing a data directory (the app, `yonos serve`,
 * CLI commands) divide work without trusting process ids, which the system
 * reuses (after a reboot, pid 1 is always alive). A lease names its owner, one
 * random id per backend, and expires unless the owner's heartbeat renews it.
 * Work is taken back from an owner that is gone (its lock in the data
 * directory is free: see data-dir-users.ts) at once, and from one that froze
 * when its lease runs out.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';

/** How long a lease lasts without a heartbeat. */
export const leaseMs = 60_000;
/** How often a backend renews its leases: several times per lease, so one late beat loses nothing. */
export const heartbeatMs = 15_000;

export interface LeaseOwner {
  id: string;
  /** For people: which process holds it, e.g. "yonos serve (pid 1234)". */
  label: string;
}

/** Whether the process behind an owner id still runs. */
export type OwnerCheck = (ownerId: string) => boolean;

export function newLeaseOwner(name = 'Yonos'): LeaseOwner {
  return { id: randomUUID(), label: `${name} (pid ${process.pid})` };
}

export function leaseExpiry(now = Date.now()): number {
  return now + leaseMs;
}

/** Whether a lease held by `owner` until `expiresAt` still binds others. */
export function leaseHolds(
  owner: string | null,
  expiresAt: number | null,
  isAlive: OwnerCheck,
  now = Date.now(),
): boolean {
  return owner !== null && expiresAt !== null && expiresAt >= now && isAlive(owner);
}

interface LeaseRow {
  owner: string;
  holder: string;
  expires_at: number;
}

/** Leases on named things in the database's `leases` table, e.g. running the watch folders. */
export class NamedLeases {
  constructor(
    private readonly db: Db,
    private readonly owner: LeaseOwner,
    private readonly isAlive: OwnerCheck,
  ) {}

  /** Takes the lease when it is free, lapsed or already ours; false when another process holds it. */
  acquire(name: string, now = Date.now()): boolean {
    return this.db
      .transaction(() => {
        if (this.holder(name, now) !== null) return false;
        this.db
          .prepare(
            `INSERT INTO leases (name, owner, holder, expires_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, holder = excluded.holder,
               expires_at = excluded.expires_at`,
          )
          .run(name, this.owner.id, this.owner.label, leaseExpiry(now));
        return true;
      })
      .immediate();
  }

  /** Who holds the lease, when another process does. */
  holder(name: string, now = Date.now()): string | null {
    const row = this.db
      .prepare<[string], LeaseRow>('SELECT * FROM leases WHERE name = ?')
      .get(name);
    if (row === undefined || row.owner === this.owner.id) return null;
    return leaseHolds(row.owner, row.expires_at, this.isAlive, now) ? row.holder : null;
  }

  /** Extends the lease; false when it is no longer ours (we froze past its expiry and lost it). */
  renew(name: string, now = Date.now()): boolean {
    return (
      this.db
        .prepare('UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ?')
        .run(leaseExpiry(now), name, this.owner.id).changes > 0
    );
  }

  release(name: string): void {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, this.owner.id);
  }
}
