/** Small values kept in the library database's app_state table (one row per key). */
import type { Db } from './db.js';

/** The value under `key`, made by `make` and stored the first time; every process then reads the same one. */
export function storedValue(db: Db, key: string, make: () => string): string {
  db.prepare('INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(
    key,
    make(),
  );
  const row = db
    .prepare<[string], { value: string }>('SELECT value FROM app_state WHERE key = ?')
    .get(key);
  if (row === undefined) throw new Error(`app_state lost ${key}`);
  return row.value;
}
