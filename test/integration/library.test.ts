/** The library on real files and a real database: import, dedupe, metadata, thumbnails, missing originals, paging. */
import { existsSync } from 'node:fs';
import { chmod, copyFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { LibraryQuery, Photo } from '../../common/contract.js';
import { thumbnailPath } from '../../main/library/thumbnails.js';
import { headerOnlyPng, writePhoto } from '../support/images.js';
import { tempApp, tempDir } from '../support/temp.js';

async function allPages(
  query: (page: LibraryQuery) => { photos: Photo[]; nextCursor: string | null },
  base: LibraryQuery,
): Promise<Photo[]> {
  const photos: Photo[] = [];
  let cursor: string | null = null;
  do {
    const page = query(cursor === null ? base : { ...base, cursor });
    photos.push(...page.photos);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return Promise.resolve(photos);
}

describe('importing', () => {
  it('imports folders recursively and records size, format, EXIF date and camera', async () => {
    const { library } = await tempApp();
    const photos = await tempDir();
    await writePhoto(path.join(photos, 'a.jpg'), {
      width: 60,
      height: 40,
      seed: 1,
      camera: { make: 'FUJIFILM', model: 'X-T4' },
      takenAt: '2021:07:04 12:34:56',
    });
    await writePhoto(path.join(photos, 'nested/deeper/b.jpg'), { seed: 2 });
    await writePhoto(path.join(photos, '.hidden.jpg'), { seed: 3 });

    const report = await library.importPaths([photos]);
    expect(report).toMatchObject({ added: 2, duplicates: 0, failed: [] });

    const [withExif] = library.query({ search: 'fujifilm' }).photos;
    expect(withExif).toMatchObject({
      name: 'a.jpg',
      folder: photos,
      width: 60,
      height: 40,
      format: 'jpeg',
      camera: 'FUJIFILM X-T4',
      takenAt: Date.UTC(2021, 6, 4, 12, 34, 56),
      date: Date.UTC(2021, 6, 4, 12, 34, 56),
      status: 'new',
      missing: false,
    });
    const nested = library.query({ folder: path.join(photos, 'nested/deeper') }).photos;
    expect(nested.map((photo) => photo.name)).toEqual(['b.jpg']);
    expect(nested[0]?.takenAt).toBeNull();
  });

  it('dedupes by content: a copy under another name is the same photo', async () => {
    const { library } = await tempApp();
    const photos = await tempDir();
    const original = await writePhoto(path.join(photos, 'original.jpg'), { seed: 7 });
    await copyFile(original, path.join(photos, 'copy of original.jpg'));
    await writePhoto(path.join(photos, 'other.jpg'), { seed: 8 });

    const first = await library.importPaths([photos]);
    expect(first).toMatchObject({ added: 2, duplicates: 1 });
    const again = await library.importPaths([photos]);
    expect(again).toMatchObject({ added: 0, duplicates: 1, unchanged: 2 });
    expect(library.query({}).photos).toHaveLength(2);
    // The copy resolves to the photo it duplicates.
    expect(new Set(first.photoIds).size).toBe(2);
  });

  it('reports files it cannot read and goes on', async () => {
    const { library } = await tempApp();
    const photos = await tempDir();
    await writePhoto(path.join(photos, 'good.jpg'), { seed: 1 });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(photos, 'broken.jpg'), 'not a jpeg');
    const report = await library.importPaths([photos]);
    expect(report.added).toBe(1);
    expect(report.failed.map((failure) => path.basename(failure.path))).toEqual(['broken.jpg']);
  });
});

describe('importing paths that are not there', () => {
  it('imports what exists and reports each missing path in plain words', async () => {
    const { library } = await tempApp();
    const photos = await tempDir();
    await writePhoto(path.join(photos, 'good.jpg'), { seed: 1 });
    const gone = path.join(photos, 'gone');
    const report = await library.importPaths([gone, photos, '/nonexistent/x.jpg']);
    expect(report.added).toBe(1);
    expect(report.failed).toEqual([
      { path: gone, error: 'no such file or folder' },
      { path: '/nonexistent/x.jpg', error: 'no such file or folder' },
    ]);
  });

  // Root reads every folder whatever its mode.
  it.skipIf(process.getuid?.() === 0)('says a folder it may not read is not readable', async () => {
    const { library } = await tempApp();
    const locked = await tempDir();
    await writePhoto(path.join(locked, 'a.jpg'));
    await chmod(locked, 0o000);
    try {
      const report = await library.importPaths([locked]);
      expect(report.failed).toEqual([{ path: locked, error: 'permission denied' }]);
    } finally {
      await chmod(locked, 0o700);
    }
  });
});

describe('photos over the pixel limits', () => {
  it('are imported from their header; a bomb gets no thumbnail, and says why', async () => {
    const app = await tempApp();
    const photos = await tempDir();
    await writeFile(path.join(photos, 'bomb.png'), headerOnlyPng(20_000, 20_000));
    const report = await app.library.importPaths([photos]);
    expect(report).toMatchObject({ added: 1, failed: [] });
    const [id = 0] = report.photoIds;
    expect(app.library.photo(id)).toMatchObject({ width: 20_000, height: 20_000 });
    await expect(app.library.thumbnailFile(id)).rejects.toThrow(
      '20000×20000 is 400 MP, over the 268 MP input limit.',
    );
  });
});

describe('thumbnails', () => {
  it('are made with sharp, cached on disk and rebuilt when the cache loses them', async () => {
    const app = await tempApp();
    const photos = await tempDir();
    await writePhoto(path.join(photos, 'big.jpg'), { width: 900, height: 600, seed: 4 });
    const [id] = (await app.library.importPaths([photos])).photoIds;
    if (id === undefined) throw new Error('nothing imported');

    const file = await app.library.thumbnailFile(id);
    const { hash } = app.library.photo(id);
    expect(file).toBe(thumbnailPath(path.join(app.dataDir, 'thumbnails'), hash));
    const metadata = await sharp(file).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 320, 213]);

    await rm(file);
    expect(await app.library.thumbnailFile(id)).toBe(file);
    expect(existsSync(file)).toBe(true);
    expect(await app.library.thumbnailDataUrl(id)).toMatch(/^data:image\/webp;base64,/);
  });
});

describe('missing originals', () => {
  it('stay listed, marked missing, and are found again when they turn up elsewhere', async () => {
    const { library } = await tempApp();
    const photos = await tempDir();
    const file = await writePhoto(path.join(photos, 'wanderer.jpg'), { seed: 5 });
    await writePhoto(path.join(photos, 'stay.jpg'), { seed: 6 });
    const report = await library.importPaths([photos]);
    const wandererId = report.photoIds[1];
    await library.thumbnailFile(wandererId ?? 0);

    const moved = path.join(photos, 'elsewhere', 'wanderer.jpg');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(moved));
    await rename(file, moved);

    expect(await library.refresh()).toEqual({ checked: 2, missing: 1, found: 0 });
    expect(library.query({}).photos).toHaveLength(2);
    const missing = library.query({ missing: true }).photos;
    expect(missing.map((photo) => [photo.id, photo.path, photo.missing])).toEqual([
      [wandererId, file, true],
    ]);
    expect(library.photo(wandererId ?? 0).missing).toBe(true);
    // The cached thumbnail still shows what is missing.
    await expect(library.thumbnailFile(wandererId ?? 0)).resolves.toContain('thumbnails');

    const again = await library.importPaths([moved]);
    expect(again).toMatchObject({ moved: 1, added: 0, photoIds: [wandererId] });
    expect(library.photo(wandererId ?? 0)).toMatchObject({ path: moved, missing: false });
  });

  it('says so when a thumbnail cannot be made because the original is gone', async () => {
    const { library } = await tempApp();
    const photos = await tempDir();
    const file = await writePhoto(path.join(photos, 'gone.jpg'), { seed: 9 });
    const [id] = (await library.importPaths([file])).photoIds;
    await rm(file);
    await expect(library.thumbnailFile(id ?? 0)).rejects.toThrow(/missing/);
    expect(library.query({ missing: true }).photos.map((photo) => photo.id)).toEqual([id]);
  });
});

describe('paging, filters and search', () => {
  async function libraryOf(count: number) {
    const app = await tempApp();
    const root = await tempDir();
    for (let index = 0; index < count; index++) {
      const folder = path.join(root, index % 2 === 0 ? 'even' : 'odd', index % 4 < 2 ? '' : 'sub');
      await writePhoto(path.join(folder, `IMG_${String(index).padStart(3, '0')}.jpg`), {
        width: 8,
        height: 8,
        seed: index,
        takenAt: `2020:01:${String((index % 28) + 1).padStart(2, '0')} 10:00:00`,
        camera:
          index % 3 === 0
            ? { make: 'Canon', model: 'Canon EOS R6' }
            : { make: 'NIKON', model: 'Z 5' },
      });
    }
    await app.library.importPaths([root]);
    return { library: app.library, root };
  }

  it('visits every photo exactly once, in order, across keyset pages', async () => {
    const { library } = await libraryOf(23);
    for (const sort of ['date', 'name', 'imported'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const paged = await allPages((query) => library.query(query), { sort, order, limit: 5 });
        const whole = library.query({ sort, order, limit: 1000 }).photos;
        expect(paged.map((photo) => photo.id)).toEqual(whole.map((photo) => photo.id));
        expect(new Set(paged.map((photo) => photo.id)).size).toBe(23);
      }
    }
    const byName = library.query({ sort: 'name', order: 'asc', limit: 3 }).photos;
    expect(byName.map((photo) => photo.name)).toEqual([
      'IMG_000.jpg',
      'IMG_001.jpg',
      'IMG_002.jpg',
    ]);
    const byDate = library.query({ sort: 'date', order: 'desc', limit: 1000 }).photos;
    const dates = byDate.map((photo) => photo.date);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
  });

  it('filters by folder, subfolders, date, status and text', async () => {
    const { library, root } = await libraryOf(12);
    const even = path.join(root, 'even');
    expect(library.query({ folder: even }).photos).toHaveLength(3);
    expect(library.query({ folder: even, includeSubfolders: true }).photos).toHaveLength(6);
    expect(library.query({ search: 'canon' }).photos).toHaveLength(4);
    expect(
      library
        .query({ search: 'img_01' })
        .photos.map((photo) => photo.name)
        .sort(),
    ).toEqual(['IMG_010.jpg', 'IMG_011.jpg']);
    expect(library.query({ search: 'odd sub' }).photos).toHaveLength(3);
    expect(library.query({ search: '"quoted' }).photos).toHaveLength(0);
    const day = Date.UTC(2020, 0, 5, 10);
    expect(library.query({ dateFrom: day, dateTo: day }).photos.map((photo) => photo.name)).toEqual(
      ['IMG_004.jpg'],
    );
    expect(library.query({ status: 'new' }).photos).toHaveLength(12);
    expect(library.query({ status: 'enhanced' }).photos).toHaveLength(0);
    expect(
      library.folders().map((folder) => [path.relative(root, folder.folder), folder.photos]),
    ).toEqual([
      ['even', 3],
      [path.join('even', 'sub'), 3],
      ['odd', 3],
      [path.join('odd', 'sub'), 3],
    ]);
  });

  it('forgets removed photos without touching their files', async () => {
    const { library } = await libraryOf(2);
    const [first] = library.query({}).photos;
    expect(library.remove([first?.id ?? 0])).toBe(1);
    expect(library.query({}).photos).toHaveLength(1);
    expect(existsSync(first?.path ?? '')).toBe(true);
  });
});
