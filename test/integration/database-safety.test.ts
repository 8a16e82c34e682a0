/**
 * Keeping the library database safe, on real SQLite files: an empty file is
 * damage, not an empty library; daily copies with the online backup API; and
 * `recover`, which never touches a healthy database or one in use.
 */
import { existsSync, statSync } from 'node:fs';
import { open, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backUpToday, backupsDir, listBackups } from '../../main/library/backups.js';
import {
  databasePath,
  DamagedDatabaseError,
  openDatabase,
  type Db,
} from '../../main/library/db.js';
import { recoverLibrary, RecoverRefusedError } from '../../main/library/recover.js';
import { YonosApp } from '../../main/app/app.js';
import { tempApp, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

function addPhoto(db: Db, name: string): void {
  db.prepare(
    `INSERT INTO photos (path, folder, name, hash, bytes, width, height, format, sort_date, imported_at)
     VALUES (?, '/p', ?, ?, 1, 1, 1, 'jpeg', 1, 1)`,
  ).run(`/p/${name}`, name, `hash-${name}`);
}

function photoNames(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], { name: string }>('SELECT name FROM photos ORDER BY name')
      .all()
      .map((row) => row.name);
  } finally {
    db.close();
  }
}

/** Overwrites a page in the middle of a closed database, where its tables live. */
async function damage(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  const { size } = await handle.stat();
  await handle.write(Buffer.alloc(4096, 0xff), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
  await handle.close();
}

/** A library big enough that damage in its middle hits the photo table. */
function libraryWithPhotos(dataDir: string, count = 2000): string {
  const file = databasePath(dataDir);
  const db = openDatabase(file);
  db.transaction(() => {
    for (let index = 0; index < count; index++) addPhoto(db, `${index}.jpg`);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return file;
}

describe('an empty database file', () => {
  it('is damaged, not an empty library, and recover sets it aside', async () => {
    const dataDir = await tempDir();
    const file = databasePath(dataDir);
    await writeFile(file, '');

    expect(() => openDatabase(file)).toThrow(DamagedDatabaseError);
    expect(() => openDatabase(file)).toThrow(/damaged \(the file is empty\)/);
    expect(statSync(file).size).toBe(0);

    const recovered = recoverLibrary(dataDir);
    expect(recovered.setAside).toMatch(/library\.db\.damaged-/);
    expect(statSync(recovered.setAside ?? '').size).toBe(0);
    openDatabase(file).close();
  });

  it('never shows up while a new library is made: it appears whole, in one step', async () => {
    const dataDir = await tempDir();
    openDatabase(databasePath(dataDir)).close();
    expect(statSync(databasePath(dataDir)).size).toBeGreaterThan(0);
    // No half-made copies are left beside it.
    expect((await readdir(dataDir)).filter((name) => name.endsWith('.new'))).toEqual([]);
  });
});

describe('daily backups', () => {
  it('keeps one copy a day, the last seven, each a whole library', async () => {
    const dataDir = await tempDir();
    const db = openDatabase(databasePath(dataDir));
    try {
      for (let day = 1; day <= 9; day++) {
        addPhoto(db, `day-${day}.jpg`);
        expect(await backUpToday(db, dataDir, new Date(2025, 0, day, 10))).toMatch(
          new RegExp(`library-2025-01-0${day}\\.db$`),
        );
        // Later the same day: nothing more.
        expect(await backUpToday(db, dataDir, new Date(2025, 0, day, 22))).toBeNull();
      }
    } finally {
      db.close();
    }
    const backups = listBackups(dataDir);
    expect(backups.map((file) => path.basename(file))).toEqual(
      [9, 8, 7, 6, 5, 4, 3].map((day) => `library-2025-01-0${day}.db`),
    );
    expect(photoNames(backups[0] ?? '')).toHaveLength(9);
    expect(photoNames(backups[6] ?? '')).toEqual(['day-1.jpg', 'day-2.jpg', 'day-3.jpg']);
    // Plain files: no WAL beside them, no temp copies left.
    expect((await readdir(backupsDir(dataDir))).sort()).toEqual(
      backups.map((file) => path.basename(file)).sort(),
    );
  });

  it('never copies a damaged database', async () => {
    const dataDir = await tempDir();
    const file = libraryWithPhotos(dataDir);
    await damage(file);
    const db = new Database(file);
    try {
      expect(await backUpToday(db, dataDir)).toBeNull();
    } finally {
      db.close();
    }
    expect(listBackups(dataDir)).toEqual([]);
  });

  it('is made by the long-running modes as they start (app, serve, watch, jobs run --wait)', async () => {
    const app = await tempApp();
    app.keepDailyBackups();
    const [backup] = await waitFor(() => {
      const found = listBackups(app.dataDir);
      return found.length > 0 && found;
    }, 'the daily backup');
    expect(path.dirname(backup ?? '')).toBe(path.join(app.dataDir, 'backups'));
  });
});

describe('recover', () => {
  it('refuses a database that passes the integrity check, and changes nothing', async () => {
    const dataDir = await tempDir();
    const file = libraryWithPhotos(dataDir, 3);
    expect(() => recoverLibrary(dataDir)).toThrow(RecoverRefusedError);
    expect(() => recoverLibrary(dataDir)).toThrow(/passes the integrity check/);
    expect(photoNames(file)).toHaveLength(3);
    expect((await readdir(dataDir)).filter((name) => name.includes('damaged'))).toEqual([]);
  });

  it('refuses while another backend has the library open, naming it', async () => {
    const dataDir = await tempDir();
    const file = libraryWithPhotos(dataDir);
    const other = YonosApp.open({ dataDir, processName: 'yonos serve' });
    try {
      await damage(file);
      expect(() => recoverLibrary(dataDir)).toThrow(
        `The library in ${dataDir} is in use by yonos serve (pid ${process.pid})`,
      );
      expect(existsSync(file)).toBe(true);
    } finally {
      await other.close();
    }
    expect(recoverLibrary(dataDir).setAside).toMatch(/damaged-/);
  });

  it('puts the newest healthy backup in place of a damaged database', async () => {
    const dataDir = await tempDir();
    const file = libraryWithPhotos(dataDir);
    const db = openDatabase(file);
    await backUpToday(db, dataDir, new Date(2025, 0, 1));
    addPhoto(db, 'after-the-backup.jpg');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    await damage(file);

    const result = recoverLibrary(dataDir);
    expect(result.restored).toBe(listBackups(dataDir)[0]);
    expect(existsSync(result.setAside ?? '')).toBe(true);
    const restored = openDatabase(file);
    try {
      expect(restored.prepare('SELECT count(*) AS n FROM photos').get()).toEqual({ n: 2000 });
    } finally {
      restored.close();
    }
  });
});
