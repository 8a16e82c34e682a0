/**
 * The library schema, as an append-only list of migrations. `user_version`
 * records how many have run. Never edit a released migration: add a new one,
 * and test/integration/migrations.test.ts checks it from every older version.
 */
import type { Db } from './db.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'photos, with the indexes keyset paging needs',
    sql: `
      CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        folder TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        hash TEXT NOT NULL UNIQUE,
        bytes INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        format TEXT NOT NULL,
        taken_at INTEGER,
        camera TEXT,
        sort_date INTEGER NOT NULL,
        imported_at INTEGER NOT NULL
      );
      CREATE INDEX photos_by_date ON photos (sort_date, id);
      CREATE INDEX photos_by_name ON photos (name, id);
      CREATE INDEX photos_by_imported ON photos (imported_at, id);
      CREATE INDEX photos_by_folder_date ON photos (folder, sort_date, id);
      CREATE INDEX photos_by_folder_name ON photos (folder, name, id);
    `,
  },
  {
    version: 2,
    description: 'missing originals and full-text search',
    sql: `
      ALTER TABLE photos ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
      CREATE VIRTUAL TABLE photos_fts USING fts5(
        name, folder, camera, content = 'photos', content_rowid = 'id'
      );
      CREATE TRIGGER photos_fts_insert AFTER INSERT ON photos BEGIN
        INSERT INTO photos_fts (rowid, name, folder, camera)
        VALUES (new.id, new.name, new.folder, new.camera);
      END;
      CREATE TRIGGER photos_fts_delete AFTER DELETE ON photos BEGIN
        INSERT INTO photos_fts (photos_fts, rowid, name, folder, camera)
        VALUES ('delete', old.id, old.name, old.folder, old.camera);
      END;
      CREATE TRIGGER photos_fts_update AFTER UPDATE OF name, folder, camera ON photos BEGIN
        INSERT INTO photos_fts (photos_fts, rowid, name, folder, camera)
        VALUES ('delete', old.id, old.name, old.folder, old.camera);
        INSERT INTO photos_fts (rowid, name, folder, camera)
        VALUES (new.id, new.name, new.folder, new.camera);
      END;
      INSERT INTO photos_fts (photos_fts) VALUES ('rebuild');
    `,
  },
  {
    version: 3,
    description: 'job queue, batches, enhanced versions and photo status',
    sql: `
      ALTER TABLE photos ADD COLUMN status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'queued', 'enhanced', 'failed'));
      CREATE INDEX photos_by_status_date ON photos (status, sort_date, id);
      CREATE INDEX photos_by_status_name ON photos (status, name, id);
      CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        photo_id INTEGER REFERENCES photos (id) ON DELETE SET NULL,
        input TEXT NOT NULL,
        settings TEXT NOT NULL,
        output TEXT NOT NULL,
        output_claimed INTEGER NOT NULL DEFAULT 0,
        device TEXT NOT NULL DEFAULT 'auto',
        priority INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'queued'
          CHECK (state IN ('queued', 'running', 'paused', 'done', 'failed', 'cancelled', 'skipped')),
        progress REAL NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        worker_pid INTEGER,
        error TEXT,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER
      );
      CREATE INDEX jobs_next ON jobs (state, priority DESC, id);
      CREATE INDEX jobs_by_state ON jobs (state, id);
      CREATE INDEX jobs_by_batch ON jobs (batch_id, id);
      CREATE INDEX jobs_by_photo ON jobs (photo_id);
      CREATE INDEX jobs_by_input ON jobs (input);
      CREATE INDEX jobs_by_output ON jobs (output);
      CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER REFERENCES photos (id) ON DELETE CASCADE,
        job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        path TEXT NOT NULL UNIQUE,
        model_id TEXT NOT NULL,
        scale INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        format TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX versions_by_photo ON versions (photo_id);
      CREATE INDEX versions_by_job ON versions (job_id);
      CREATE TABLE app_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 4,
    description: 'watch folders',
    sql: `
      CREATE TABLE watch_folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        recursive INTEGER NOT NULL,
        scale INTEGER NOT NULL,
        model_id TEXT,
        out_dir TEXT,
        format TEXT,
        paused INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
      ALTER TABLE batches ADD COLUMN watch_id INTEGER REFERENCES watch_folders (id) ON DELETE SET NULL;
      CREATE INDEX batches_by_watch ON batches (watch_id);
    `,
  },
  {
    version: 5,
    description: 'leases instead of worker pids, and the key that finds duplicate jobs',
    sql: `
      ALTER TABLE jobs DROP COLUMN worker_pid;
      ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
      ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER;
      ALTER TABLE jobs ADD COLUMN work_key TEXT;
      CREATE INDEX jobs_by_work_key ON jobs (work_key);
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
];

export const latestSchemaVersion = migrations.length;

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Runs the migrations after the current version, up to `target`, each in its
 * own transaction. Immediate, and the version read inside it: two processes
 * opening one old database never run a migration twice.
 */
export function migrate(db: Db, target: number = latestSchemaVersion): void {
  for (const migration of migrations) {
    if (migration.version > target) continue;
    db.transaction(() => {
      if (migration.version <= schemaVersion(db)) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
