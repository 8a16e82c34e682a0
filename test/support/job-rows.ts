/** The job rows of a library's SQLite file, read as the tests see them: read-only, beside a running `yonos`. */
import Database from 'better-sqlite3';
import { databasePath } from '../../main/library/db.js';

export interface JobRow {
  id: number;
  state: string;
  attempts: number;
  progress: number;
  output: string;
}

export function readJobs(dataDir: string): JobRow[] {
  const db = new Database(databasePath(dataDir), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], JobRow>('SELECT id, state, attempts, progress, output FROM jobs ORDER BY id')
      .all();
  } finally {
    db.close();
  }
}
