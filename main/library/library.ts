/**
 * The photo library: import (deduplicated by content hash), paged queries,
 * thumbnails, and originals that went missing, which stay listed as missing.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  FolderSummary,
  ImportReport,
  LibraryPage,
  LibraryQuery,
  Photo,
  PhotoDetail,
  PhotoStatus,
  RefreshReport,
  Version,
} from '../../common/contract.js';
import { fileErrorMessage, NotFoundError } from '../../common/errors.js';
import type { EventBus } from '../../common/events.js';
import { readLibraryFile } from './image-access.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { findPhotos, readPhotoFacts, type PhotoFacts } from './photo-files.js';
import { buildPageQuery, encodeCursor } from './query.js';
import { ensureThumbnail } from './thumbnails.js';

interface PhotoRow {
  id: number;
  path: string;
  folder: string;
  name: string;
  hash: string;
  bytes: number;
  width: number;
  height: number;
  format: string;
  taken_at: number | null;
  camera: string | null;
  sort_date: number;
  imported_at: number;
  missing: number;
  status: PhotoStatus;
}

interface VersionRow {
  id: number;
  photo_id: number | null;
  job_id: number | null;
  path: string;
  model_id: string;
  scale: number;
  width: number;
  height: number;
  format: string;
  created_at: number;
}

type ImportOutcome = 'added' | 'duplicates' | 'moved' | 'unchanged';

export class Library {
  #insertStatement: Statement | null = null;

  constructor(
    private readonly db: Db,
    private readonly thumbnailsDir: string,
    private readonly events?: EventBus,
  ) {}

  async importPaths(paths: string[], recursive = true): Promise<ImportReport> {
    const report: ImportReport = {
      added: 0,
      duplicates: 0,
      moved: 0,
      unchanged: 0,
      failed: [],
      photoIds: [],
    };
    const added: number[] = [];
    for (const given of paths) {
      // One path that is not there is reported; the others are imported all the same.
      const files = await findPhotos([given], recursive).catch((error: unknown) => {
        report.failed.push({ path: path.resolve(given), error: fileErrorMessage(error) });
        return [];
      });
      for (const file of files) {
        try {
          const { id, outcome } = this.record(await readPhotoFacts(file));
          report[outcome]++;
          report.photoIds.push(id);
          if (outcome !== 'duplicates') added.push(id);
        } catch (error) {
          report.failed.push({ path: file, error: fileErrorMessage(error) });
        }
      }
    }
    if (added.length > 0) this.events?.emit({ type: 'library', change: 'added', photoIds: added });
    return report;
  }

  /** Imports one file; the id of its library photo (an existing one for a duplicate). */
  async importFile(file: string): Promise<number> {
    const report = await this.importPaths([file], false);
    const [id] = report.photoIds;
    if (id === undefined) throw new Error(report.failed[0]?.error ?? `Could not import ${file}`);
    return id;
  }

  /**
   * Records a file whose facts are read; one transaction, so a crash leaves no
   * half record, and immediate, so another process importing the same file
   * waits instead of failing on a stale read.
   */
  record(facts: PhotoFacts, importedAt = Date.now()): { id: number; outcome: ImportOutcome } {
    return this.db
      .transaction(() => {
        const atPath = this.db
          .prepare<[string], PhotoRow>('SELECT * FROM photos WHERE path = ?')
          .get(facts.path);
        if (atPath?.hash === facts.hash) {
          this.setMissing(atPath.id, false);
          return { id: atPath.id, outcome: 'unchanged' as const };
        }
        const sameContent = this.db
          .prepare<[string], PhotoRow>('SELECT * FROM photos WHERE hash = ?')
          .get(facts.hash);
        if (sameContent !== undefined) {
          if (sameContent.missing === 0 && existsSync(sameContent.path)) {
            return { id: sameContent.id, outcome: 'duplicates' as const };
          }
          // The original left its old path and turned up here: follow it.
          if (atPath !== undefined)
            this.db.prepare('DELETE FROM photos WHERE id = ?').run(atPath.id);
          this.relocate(sameContent.id, facts.path);
          return { id: sameContent.id, outcome: 'moved' as const };
        }
        if (atPath !== undefined) {
          this.db.prepare('DELETE FROM photos WHERE id = ?').run(atPath.id);
        }
        return { id: this.insert(facts, importedAt), outcome: 'added' as const };
      })
      .immediate();
  }

  private insert(facts: PhotoFacts, importedAt: number): number {
    // Prepared once: bulk imports insert many thousands of rows.
    this.#insertStatement ??= this.db.prepare(
      `INSERT INTO photos (path, folder, name, hash, bytes, width, height, format, taken_at,
         camera, sort_date, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const result = this.#insertStatement.run(
      facts.path,
      path.dirname(facts.path),
      path.basename(facts.path),
      facts.hash,
      facts.bytes,
      facts.width,
      facts.height,
      facts.format,
      facts.takenAt,
      facts.camera,
      facts.takenAt ?? facts.mtime,
      importedAt,
    );
    return Number(result.lastInsertRowid);
  }

  /** Bulk insert of already-read facts, in one transaction (the benchmark's import path). */
  insertMany(records: PhotoFacts[], importedAt = Date.now()): void {
    this.db.transaction(() => {
      for (const facts of records) this.insert(facts, importedAt);
    })();
  }

  private relocate(id: number, newPath: string): void {
    this.db
      .prepare('UPDATE photos SET path = ?, folder = ?, name = ?, missing = 0 WHERE id = ?')
      .run(newPath, path.dirname(newPath), path.basename(newPath), id);
  }

  private setMissing(id: number, missing: boolean): void {
    this.db.prepare('UPDATE photos SET missing = ? WHERE id = ?').run(missing ? 1 : 0, id);
  }

  query(query: LibraryQuery): LibraryPage {
    const page = buildPageQuery(query);
    const rows = this.db.prepare<unknown[], PhotoRow>(page.sql).all(...page.params);
    const photos = rows.slice(0, page.limit);
    const last = photos.at(-1);
    const nextCursor =
      rows.length > page.limit && last !== undefined
        ? encodeCursor([last[page.sortColumn], last.id])
        : null;
    return { photos: photos.map(toPhoto), nextCursor };
  }

  photo(id: number): PhotoDetail {
    const row = this.row(id);
    const missing = !existsSync(row.path);
    if (missing !== (row.missing === 1)) this.setMissing(id, missing);
    const versions = this.db
      .prepare<[number], VersionRow>('SELECT * FROM versions WHERE photo_id = ? ORDER BY id')
      .all(id);
    return {
      ...toPhoto({ ...row, missing: missing ? 1 : 0 }),
      hash: row.hash,
      versions: versions.map(toVersion),
    };
  }

  private row(id: number): PhotoRow {
    const row = this.db.prepare<[number], PhotoRow>('SELECT * FROM photos WHERE id = ?').get(id);
    if (row === undefined) throw new NotFoundError(`Photo ${id}`);
    return row;
  }

  /** The original's bytes, read only while its real path is inside the allowed roots. */
  async readOriginal(id: number): Promise<Buffer> {
    return readLibraryFile(this.db, this.row(id).path);
  }

  /** The thumbnail file, rebuilt from the original when the cache lost it. */
  async thumbnailFile(id: number): Promise<string> {
    const row = this.row(id);
    try {
      return await ensureThumbnail(this.thumbnailsDir, row.hash, () => this.readOriginal(id));
    } catch (error) {
      if (!existsSync(row.path)) {
        this.setMissing(id, true);
        throw new Error(
          `The original of photo ${id} is missing (${row.path}); no thumbnail cached`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async thumbnailDataUrl(id: number): Promise<string> {
    const bytes = await readFile(await this.thumbnailFile(id));
    return `data:image/webp;base64,${bytes.toString('base64')}`;
  }

  folders(): FolderSummary[] {
    return this.db
      .prepare<[], FolderSummary>(
        `SELECT folder, count(*) AS photos, sum(missing) AS missing
         FROM photos GROUP BY folder ORDER BY folder`,
      )
      .all();
  }

  /** Checks every original on disk; yields to the event loop between chunks. */
  async refresh(): Promise<RefreshReport> {
    const report: RefreshReport = { checked: 0, missing: 0, found: 0 };
    const changed: number[] = [];
    let afterId = 0;
    for (;;) {
      const rows = this.db
        .prepare<[number], Pick<PhotoRow, 'id' | 'path' | 'missing'>>(
          'SELECT id, path, missing FROM photos WHERE id > ? ORDER BY id LIMIT 500',
        )
        .all(afterId);
      if (rows.length === 0) break;
      for (const row of rows) {
        const missing = !existsSync(row.path);
        report.checked++;
        if (missing) report.missing++;
        if (missing === (row.missing === 1)) continue;
        if (!missing) report.found++;
        this.setMissing(row.id, missing);
        changed.push(row.id);
      }
      afterId = rows.at(-1)?.id ?? afterId;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (changed.length > 0)
      this.events?.emit({ type: 'library', change: 'updated', photoIds: changed });
    return report;
  }

  remove(ids: number[]): number {
    const remove = this.db.prepare('DELETE FROM photos WHERE id = ?');
    const removed = this.db.transaction(() =>
      ids.reduce((total, id) => total + remove.run(id).changes, 0),
    )();
    if (removed > 0) this.events?.emit({ type: 'library', change: 'removed', photoIds: ids });
    return removed;
  }

  /** Re-derives a photo's status from its jobs and versions after a job changed. */
  updateStatus(id: number): void {
    this.db
      .prepare(
        `UPDATE photos SET status = CASE
           WHEN EXISTS (SELECT 1 FROM jobs WHERE photo_id = :id
                        AND state IN ('queued', 'running', 'paused')) THEN 'queued'
           WHEN EXISTS (SELECT 1 FROM versions WHERE photo_id = :id) THEN 'enhanced'
           WHEN EXISTS (SELECT 1 FROM jobs WHERE photo_id = :id AND state = 'failed') THEN 'failed'
           ELSE 'new' END
         WHERE id = :id`,
      )
      .run({ id });
    this.events?.emit({ type: 'library', change: 'updated', photoIds: [id] });
  }
}

function toPhoto(row: PhotoRow): Photo {
  return {
    id: row.id,
    path: row.path,
    folder: row.folder,
    name: row.name,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    format: row.format,
    takenAt: row.taken_at,
    camera: row.camera,
    date: row.sort_date,
    importedAt: row.imported_at,
    status: row.status,
    missing: row.missing === 1,
  };
}

export function toVersion(row: VersionRow): Version {
  return {
    id: row.id,
    photoId: row.photo_id,
    jobId: row.job_id,
    path: row.path,
    modelId: row.model_id,
    scale: row.scale,
    width: row.width,
    height: row.height,
    format: row.format,
    createdAt: row.created_at,
  };
}
