/** Watch folders as persisted in the library database. */
import path from 'node:path';
import type { Db } from '../library/db.js';
import type { WatchAdd, WatchFolder } from '../../common/contract.js';
import { outputFormatSchema, scaleSchema } from '../../common/contract.js';
import { NotFoundError } from '../../common/errors.js';

interface WatchRow {
  id: number;
  path: string;
  recursive: number;
  scale: number;
  model_id: string | null;
  out_dir: string | null;
  format: string | null;
  paused: number;
  created_at: number;
}

export class WatchStore {
  constructor(private readonly db: Db) {}

  list(): WatchFolder[] {
    return this.db
      .prepare<[], WatchRow>('SELECT * FROM watch_folders ORDER BY id')
      .all()
      .map(toWatch);
  }

  get(id: number): WatchFolder {
    const row = this.db
      .prepare<[number], WatchRow>('SELECT * FROM watch_folders WHERE id = ?')
      .get(id);
    if (row === undefined) throw new NotFoundError(`Watch folder ${id}`);
    return toWatch(row);
  }

  /** Adds a watch folder, or updates the settings of the one already on that path. */
  upsert(request: WatchAdd): WatchFolder {
    const row = this.db
      .prepare<unknown[], { id: number }>(
        `INSERT INTO watch_folders (path, recursive, scale, model_id, out_dir, format, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET recursive = excluded.recursive, scale = excluded.scale,
           model_id = excluded.model_id, out_dir = excluded.out_dir, format = excluded.format
         RETURNING id`,
      )
      .get(
        path.resolve(request.path),
        request.recursive === true ? 1 : 0,
        request.scale,
        request.modelId ?? null,
        request.outDir === undefined ? null : path.resolve(request.outDir),
        request.format ?? null,
        Date.now(),
      );
    if (row === undefined) throw new Error('Could not save the watch folder');
    return this.get(row.id);
  }

  setPaused(id: number, paused: boolean): WatchFolder {
    this.db.prepare('UPDATE watch_folders SET paused = ? WHERE id = ?').run(paused ? 1 : 0, id);
    return this.get(id);
  }

  remove(id: number): number {
    return this.db.prepare('DELETE FROM watch_folders WHERE id = ?').run(id).changes;
  }
}

function toWatch(row: WatchRow): WatchFolder {
  return {
    id: row.id,
    path: row.path,
    recursive: row.recursive === 1,
    scale: scaleSchema.parse(row.scale),
    modelId: row.model_id,
    outDir: row.out_dir,
    format: row.format === null ? null : outputFormatSchema.parse(row.format),
    paused: row.paused === 1,
    createdAt: row.created_at,
  };
}
