/**
 * Library paging: keyset pagination (WHERE (key, id) < (last key, last id)),
 * never OFFSET, so page 1,000 costs what page 1 does, and every sort key has a
 * covering (key, id) index, alone and behind folder and status.
 */
import path from 'node:path';
import type { LibraryQuery } from '../../common/contract.js';
import { InvalidError } from '../../common/errors.js';

const sortColumns = { date: 'sort_date', name: 'name', imported: 'imported_at' } as const;

export const defaultPageSize = 100;

export interface PageSql {
  sql: string;
  params: (string | number)[];
  /** The column the cursor is made from. */
  sortColumn: (typeof sortColumns)[keyof typeof sortColumns];
  limit: number;
}

type CursorKey = [string | number, number];

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  const invalid = new InvalidError(
    'Invalid library cursor: use the nextCursor of a previous page.',
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !['string', 'number'].includes(typeof parsed[0]) ||
    !Number.isInteger(parsed[1])
  ) {
    throw invalid;
  }
  return parsed as CursorKey;
}

/** Turns user words into an FTS5 query: every word must match, each as a prefix. */
export function ftsQuery(search: string): string | null {
  const words = search.split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return null;
  return words.map((word) => `"${word.replaceAll('"', '""')}"*`).join(' ');
}

export function buildPageQuery(query: LibraryQuery): PageSql {
  const sortColumn = sortColumns[query.sort ?? 'date'];
  const descending = (query.order ?? 'desc') === 'desc';
  const limit = query.limit ?? defaultPageSize;
  const where: string[] = [];
  const params: (string | number)[] = [];

  if (query.folder !== undefined)
    addFolderFilter(query.folder, query.includeSubfolders, where, params);
  if (query.status !== undefined) {
    where.push('status = ?');
    params.push(query.status);
  }
  if (query.missing !== undefined) {
    where.push('missing = ?');
    params.push(query.missing ? 1 : 0);
  }
  if (query.dateFrom !== undefined) {
    where.push('sort_date >= ?');
    params.push(query.dateFrom);
  }
  if (query.dateTo !== undefined) {
    where.push('sort_date <= ?');
    params.push(query.dateTo);
  }
  const match = ftsQuery(query.search ?? '');
  if (match !== null) {
    where.push('id IN (SELECT rowid FROM photos_fts WHERE photos_fts MATCH ?)');
    params.push(match);
  }
  if (query.cursor !== undefined) {
    where.push(`(${sortColumn}, id) ${descending ? '<' : '>'} (?, ?)`);
    params.push(...decodeCursor(query.cursor));
  }
  const direction = descending ? 'DESC' : 'ASC';
  const sql =
    `SELECT * FROM photos${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}` +
    ` ORDER BY ${sortColumn} ${direction}, id ${direction} LIMIT ?`;
  // One extra row tells whether there is a next page.
  params.push(limit + 1);
  return { sql, params, sortColumn, limit };
}

function addFolderFilter(
  folder: string,
  includeSubfolders: boolean | undefined,
  where: string[],
  params: (string | number)[],
): void {
  const resolved = path.resolve(folder);
  if (includeSubfolders !== true) {
    where.push('folder = ?');
    params.push(resolved);
    return;
  }
  // Subfolders are the range [folder + sep, folder + (sep + 1)): an index range, not LIKE.
  const prefix = resolved.endsWith(path.sep) ? resolved : resolved + path.sep;
  const upper = prefix.slice(0, -1) + String.fromCharCode(path.sep.charCodeAt(0) + 1);
  where.push('(folder = ? OR (folder >= ? AND folder < ?))');
  params.push(resolved, prefix, upper);
}
