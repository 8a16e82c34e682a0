/**
 * Migrations, from every older schema version to the latest, on real SQLite
 * files: data survives, the schema ends identical to a fresh one, and a backup
 * is taken first. Plus the start-up integrity check and its way out.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  backupPath,
  DamagedDatabaseError,
  NewerDatabaseError,
  openDatabase,
  setAsideDamagedDatabase,
} from '../../main/library/db.js';
import { latestSchemaVersion, migrate, schemaVersion } from '../../main/library/migrations.js';
import { tempDir } from '../support/temp.js';

/** Rows each version can hold, added right after migrating to it. */
const seeds: Record<number, string> = {
  1: `INSERT INTO photos (path, folder, name, hash, bytes, width, height, format, taken_at, camera,
        sort_date, imported_at)
      VALUES ('/p/IMG_1.jpg', '/p', 'IMG_1.jpg', 'h1', 10, 4, 3, 'jpeg', 1000, 'Canon EOS', 1000, 5)`,
  2: `UPDATE photos SET missing = 1 WHERE id = 1`,
  3: `INSERT INTO batches (id, label, created_at) VALUES (1, 'b', 5);
      INSERT INTO jobs (batch_id, photo_id, input, settings, output, state, worker_pid, created_at)
      VALUES (1, 1, '/p/IMG_1.jpg', '{}', '/p/IMG_1_x4.jpg', 'running', 1, 6)`,
  4: `INSERT INTO watch_folders (path, recursive, scale, created_at) VALUES ('/w', 1, 4, 7)`,
  5: `INSERT INTO leases (name, owner, holder, expires_at) VALUES ('watches', 'o', 'yonos', 8);
      UPDATE jobs SET lease_owner = 'o', lease_expires_at = 8, work_key = 'k'`,
};

function schemaOf(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<[], { sql: string }>(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((row) => row.sql.replace(/\s+/g, ' '));
  } finally {
    db.close();
  }
}

/** A database file left at `version` by an older Yonos, with that version's data in it. */
function databaseAt(file: string, version: number): void {
  const db = new Database(file);
  // As every Yonos did first: this writes the header, so even version 0 is not an empty file.
  db.pragma('journal_mode = WAL');
  for (let step = 1; step <= version; step++) {
    migrate(db, step);
    db.exec(seeds[step] ?? '');
  }
  db.close();
}

describe('migrations', () => {
  it('has seed data for every version, so each test below exercises real rows', () => {
    expect(Object.keys(seeds).map(Number)).toEqual(
      Array.from({ length: latestSchemaVersion }, (_, index) => index + 1),
    );
  });

  const olderVersions = Array.from({ length: latestSchemaVersion }, (_, version) => version);

  it.each(olderVersions)('upgrades a version %i database to the latest', async (version) => {
    const dir = await tempDir();
    const fresh = path.join(dir, 'fresh.db');
    openDatabase(fresh).close();
    const file = path.join(dir, 'library.db');
    databaseAt(file, version);

    const db = openDatabase(file);
    try {
      expect(schemaVersion(db)).toBe(latestSchemaVersion);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      if (version >= 1) {
        const photo = db.prepare('SELECT name, camera, missing, status FROM photos').get();
        expect(photo).toEqual({
          name: 'IMG_1.jpg',
          camera: 'Canon EOS',
          missing: version >= 2 ? 1 : 0,
          status: 'new',
        });
        // Photos that predate search are found by it after the upgrade.
        const found = db
          .prepare("SELECT rowid FROM photos_fts WHERE photos_fts MATCH 'canon'")
          .all();
        expect(found).toEqual([{ rowid: 1 }]);
      }
      if (version >= 3) {
        // A job running under a pid before leases has no lease: the next runner takes it back.
        expect(db.prepare('SELECT state, lease_owner, lease_expires_at FROM jobs').all()).toEqual([
          { state: 'running', lease_owner: null, lease_expires_at: null },
        ]);
      }
      if (version >= 4) {
        expect(db.prepare('SELECT path FROM watch_folders').get()).toEqual({ path: '/w' });
      }
    } finally {
      db.close();
    }
    expect(schemaOf(file)).toEqual(schemaOf(fresh));
    // A backup of the old file, at its old version, is kept beside it.
    const backup = backupPath(file, version);
    expect(existsSync(backup)).toBe(version > 0);
    if (version > 0) {
      const old = new Database(backup, { readonly: true });
      expect(old.pragma('user_version', { simple: true })).toBe(version);
      old.close();
    }
  });

  it('refuses a database from a newer Yonos', async () => {
    const file = path.join(await tempDir(), 'library.db');
    const db = new Database(file);
    db.pragma(`user_version = ${latestSchemaVersion + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(NewerDatabaseError);
  });
});

describe('the start-up integrity check', () => {
  it('names the damaged file and the way out, and the way out works', async () => {
    const file = path.join(await tempDir(), 'library.db');
    await writeFile(file, Buffer.alloc(8192, 0x5a));

    let caught: unknown;
    try {
      openDatabase(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DamagedDatabaseError);
    expect((caught as Error).message).toContain(file);
    expect((caught as Error).message).toContain('yonos library recover');

    const setAside = setAsideDamagedDatabase(file);
    expect(setAside).not.toBeNull();
    expect(existsSync(setAside ?? '')).toBe(true);
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
    db.close();
  });

  it('detects damage inside an otherwise valid file', async () => {
    const file = path.join(await tempDir(), 'library.db');
    const db = openDatabase(file);
    const insert = db.prepare(
      `INSERT INTO photos (path, folder, name, hash, bytes, width, height, format, sort_date, imported_at)
       VALUES (?, '/p', ?, ?, 1, 1, 1, 'jpeg', 1, 1)`,
    );
    for (let index = 0; index < 2000; index++)
      insert.run(`/p/${index}.jpg`, `${index}.jpg`, `h${index}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    // Overwrite a page in the middle of the file, where the tables and indexes live.
    const { open } = await import('node:fs/promises');
    const handle = await open(file, 'r+');
    const { size } = await handle.stat();
    await handle.write(Buffer.alloc(4096, 0xff), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    await handle.close();

    expect(() => openDatabase(file)).toThrow(DamagedDatabaseError);
  });
});
