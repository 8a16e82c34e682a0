/**
 * The library benchmark (`yonos library bench`, `npm run bench:library`):
 * import and keyset paging at 10k and 100k photos, on a real database file.
 * Rows are synthetic (their metadata is made up rather than read from files,
 * which would time the disk, not the library); a small real-file import is
 * timed separately.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { LibraryQuery } from '../../common/contract.js';
import { appVersion } from '../../common/version.js';
import { databasePath, openDatabase } from './db.js';
import { Library } from './library.js';
import type { PhotoFacts } from './photo-files.js';

export interface QueryTiming {
  name: string;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface LibraryBenchResult {
  rows: number;
  importMs: number;
  rowsPerSecond: number;
  queries: QueryTiming[];
}

export interface LibraryBenchReport {
  schema: 'yonos-library-bench/1';
  createdAt: string;
  yonosVersion: string;
  machine: { platform: string; arch: string; cpus: number; cpuModel: string; node: string };
  pageSize: number;
  results: LibraryBenchResult[];
  realFiles: { files: number; ms: number; msPerFile: number };
}

export interface LibraryBenchOptions {
  rows: number[];
  /** Timed runs of each query shape. */
  samples: number;
  pageSize: number;
  realFiles: number;
}

export const defaultLibraryBenchOptions: LibraryBenchOptions = {
  rows: [10_000, 100_000],
  samples: 200,
  pageSize: 100,
  realFiles: 200,
};

const cameras = ['Canon EOS R5', 'NIKON Z 6', 'FUJIFILM X-T4', 'SONY ILCE-7M3', 'Apple iPhone 13'];

export async function runLibraryBench(
  options: LibraryBenchOptions = defaultLibraryBenchOptions,
): Promise<LibraryBenchReport> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'yonos-library-bench-'));
  try {
    const results: LibraryBenchResult[] = [];
    for (const rows of options.rows) {
      results.push(benchRows(path.join(workDir, `rows-${rows}`), rows, options));
    }
    return {
      schema: 'yonos-library-bench/1',
      createdAt: new Date().toISOString(),
      yonosVersion: appVersion,
      machine: {
        platform: process.platform,
        arch: process.arch,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        node: process.versions.node,
      },
      pageSize: options.pageSize,
      results,
      realFiles: await benchRealFiles(path.join(workDir, 'files'), options.realFiles),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function benchRows(dir: string, rows: number, options: LibraryBenchOptions): LibraryBenchResult {
  const db = openDatabase(databasePath(dir));
  try {
    const library = new Library(db, path.join(dir, 'thumbnails'));
    const started = performance.now();
    for (let first = 0; first < rows; first += 5000) {
      library.insertMany(syntheticFacts(first, Math.min(5000, rows - first)));
    }
    const importMs = performance.now() - started;
    markSomeEnhancedAndMissing(db);
    db.pragma('optimize');
    const queries = queryShapes(library, options.pageSize).map(([name, query]) =>
      timeQuery(library, name, query, options.samples),
    );
    return {
      rows,
      importMs: round(importMs),
      rowsPerSecond: Math.round((rows / importMs) * 1000),
      queries,
    };
  } finally {
    db.close();
  }
}

function syntheticFacts(first: number, count: number): PhotoFacts[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = first + offset;
    const folder = `/photos/${2015 + (index % 10)}/album-${index % 97}`;
    const takenAt = Date.UTC(2015, 0, 1) + ((index * 7_919_993) % (10 * 365 * 86_400_000));
    return {
      path: `${folder}/IMG_${String(index).padStart(6, '0')}.jpg`,
      hash: `synthetic-${index}`,
      bytes: 2_000_000 + (index % 1000),
      mtime: takenAt,
      width: 6000,
      height: 4000,
      format: 'jpeg',
      takenAt: index % 20 === 0 ? null : takenAt,
      camera: cameras[index % cameras.length] ?? null,
    };
  });
}

function markSomeEnhancedAndMissing(db: ReturnType<typeof openDatabase>): void {
  db.exec(`UPDATE photos SET status = 'enhanced' WHERE id % 10 = 0;
           UPDATE photos SET missing = 1 WHERE id % 100 = 7;`);
}

/** The shapes the UI asks for; each timing covers one page, first or deep (by cursor). */
function queryShapes(library: Library, limit: number): [string, LibraryQuery][] {
  const deep = (query: LibraryQuery): LibraryQuery => ({
    ...query,
    ...cursorDeepInto(library, query),
  });
  const byDate: LibraryQuery = { sort: 'date', order: 'desc', limit };
  const byName: LibraryQuery = { sort: 'name', order: 'asc', limit };
  return [
    ['date, first page', byDate],
    ['date, deep page', deep(byDate)],
    ['name, deep page', deep(byName)],
    ['folder + date', { ...byDate, folder: '/photos/2019/album-42' }],
    ['folder tree + name', { ...byName, folder: '/photos/2019', includeSubfolders: true }],
    ['status + date, deep page', deep({ ...byDate, status: 'enhanced' })],
    ['missing only', { ...byDate, missing: true }],
    ['search "IMG_0123"', { ...byDate, search: 'IMG_0123' }],
    ['search camera "fujifilm"', { ...byDate, search: 'fujifilm' }],
  ];
}

/** A cursor halfway through the results, reached by walking pages as a user scrolling would. */
function cursorDeepInto(library: Library, query: LibraryQuery): { cursor?: string } {
  let cursor: string | null = null;
  const pages = 40;
  for (let page = 0; page < pages; page++) {
    const result = library.query(cursor === null ? query : { ...query, cursor });
    if (result.nextCursor === null) break;
    cursor = result.nextCursor;
  }
  return cursor === null ? {} : { cursor };
}

function timeQuery(
  library: Library,
  name: string,
  query: LibraryQuery,
  samples: number,
): QueryTiming {
  library.query(query);
  const times: number[] = [];
  for (let run = 0; run < samples; run++) {
    const started = performance.now();
    library.query(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    name,
    samples,
    p50Ms: round(percentile(times, 0.5)),
    p95Ms: round(percentile(times, 0.95)),
    maxMs: round(times.at(-1) ?? 0),
  };
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function benchRealFiles(
  dir: string,
  files: number,
): Promise<LibraryBenchReport['realFiles']> {
  const photos = path.join(dir, 'photos');
  await mkdir(photos, { recursive: true });
  for (let index = 0; index < files; index++) {
    await sharp({
      create: {
        width: 640,
        height: 480,
        channels: 3,
        background: { r: index % 256, g: (index * 7) % 256, b: 99 },
      },
    })
      .jpeg()
      .toFile(path.join(photos, `photo-${index}.jpg`));
  }
  const db = openDatabase(databasePath(dir));
  try {
    const started = performance.now();
    await new Library(db, path.join(dir, 'thumbnails')).importPaths([photos]);
    const ms = performance.now() - started;
    return { files, ms: round(ms), msPerFile: round(ms / Math.max(1, files)) };
  } finally {
    db.close();
  }
}
