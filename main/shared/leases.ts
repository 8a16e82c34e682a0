/**
 * Leases: how the processes sharing a data directory (the app, `yonos serve`,
 * CLI commands) divide work without trusting process ids, which the system
 * reuses (after a reboot, pid 1 is always alive). A lease names its owner, one
 * random id per backend, and expires unless the owner's heartbeat renews it:
 * work held by a process that died or froze is taken over once its lease runs out.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../library/db.js';

/** How long a lease lasts without a heartbeat. */
export const leaseMs = 60_000;
/** How often a backend renews its leases: several times per lease, so one late beat loses nothing. */
export const heartbeatMs = 15_000;

export interface LeaseOwner {
  id: string;
  /** For people: which process holds it, e.g. "yonos serve (pid 1234)". */
  label: string;
}

export function newLeaseOwner(name = 'Yonos'): LeaseOwner {
  return { id: randomUUID(), label: `${name} (pid ${process.pid})` };
}

export function leaseExpiry(now = Date.now()): number {
  return now + leaseMs;
}

/** Leases on named things in the database's `leases` table, e.g. running the watch folders. */
export class NamedLeases {
  constructor(
    private readonly db: Db,
    private readonly owner: LeaseOwner,
  ) {}

  /** Takes the lease when it is free, expired or already ours; false when another process holds it. */
  acquire(name: string, now = Date.now()): boolean {
    const row = this.db
      .prepare<[string, string, string, number, number], { owner: string }>(
        `INSERT INTO leases (name, owner, holder, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, holder = excluded.holder,
           expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at < ?
         RETURNING owner`,
      )
      .get(name, this.owner.id, this.owner.label, leaseExpiry(now), now);
    return row !== undefined;
  }

  /** Who holds the lease, when someone else does and it has not expired. */
  holder(name: string, now = Date.now()): string | null {
    const row = this.db
      .prepare<[string, string, number], { holder: string }>(
        'SELECT holder FROM leases WHERE name = ? AND owner != ? AND expires_at >= ?',
      )
      .get(name, this.owner.id, now);
    return row?.holder ?? null;
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
