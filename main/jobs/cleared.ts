/**
 * "Clear finished" in the queue view: a mark in app_state rather than deleted
 * rows, so the jobs keep serving what needs their history (this machine's
 * measured speed, "overwrite only our own outputs", watch folders' activity).
 */
import type { Db } from '../library/db.js';

const clearedKey = 'queueClearedBefore';
const finishedStates = "('done', 'failed', 'cancelled', 'skipped')";

/** Jobs that finished before this time are hidden from the queue view; null: never cleared. */
export function clearedBefore(db: Db): number | null {
  const row = db
    .prepare<[string], { value: string }>('SELECT value FROM app_state WHERE key = ?')
    .get(clearedKey);
  const value = row === undefined ? NaN : Number(row.value);
  return Number.isFinite(value) ? value : null;
}

/** Hides every job finished until now; returns how many newly disappear and the new mark. */
export function clearFinished(
  db: Db,
  now = Date.now(),
): { changed: number; clearedBefore: number } {
  return db.transaction(() => {
    const since = clearedBefore(db) ?? -1;
    const { changed } = db
      .prepare<[number, number], { changed: number }>(
        `SELECT count(*) AS changed FROM jobs
         WHERE state IN ${finishedStates} AND finished_at > ? AND finished_at <= ?`,
      )
      .get(since, now) ?? { changed: 0 };
    db.prepare(
      'INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(clearedKey, String(now));
    return { changed, clearedBefore: now };
  })();
}
