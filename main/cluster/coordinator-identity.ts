/**
 * A coordinator's lasting identity, kept in its library: an id (its jobs in
 * Redis are named after it, so a restarted coordinator finds them again) and
 * the secret its job tokens are derived from (so tokens in flight stay valid
 * across the restart).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { storedValue } from '../library/app-state.js';
import type { Db } from '../library/db.js';

export interface CoordinatorIdentity {
  id: string;
  /** The token a worker presents for this job: it opens that job's input and output, nothing else. */
  tokenFor(jobId: number): string;
  /** Whether `presented` is the token of `jobId` (constant time). */
  admits(jobId: number, presented: string): boolean;
}

export function coordinatorIdentity(db: Db): CoordinatorIdentity {
  const id = storedValue(db, 'cluster.coordinatorId', () => randomBytes(6).toString('hex'));
  const secret = Buffer.from(
    storedValue(db, 'cluster.secret', () => randomBytes(32).toString('base64')),
    'base64',
  );
  const tokenFor = (jobId: number): string =>
    createHmac('sha256', secret)
      .update(`job:${String(jobId)}`)
      .digest('base64url');
  return {
    id,
    tokenFor,
    admits: (jobId, presented) => {
      const expected = Buffer.from(tokenFor(jobId));
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
