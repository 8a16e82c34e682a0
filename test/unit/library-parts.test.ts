/** Small pure pieces of the library, jobs and watch code. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTempFileOf } from '../../main/jobs/temp-files.js';
import { parseExifDate, readExif } from '../../main/library/exif.js';
import { isIgnoredName, isPhotoFile } from '../../main/library/photo-files.js';
import { buildPageQuery, decodeCursor, encodeCursor, ftsQuery } from '../../main/library/query.js';
import { defaultDataDir } from '../../main/engine/data-dir.js';

describe('EXIF', () => {
  it('parses EXIF dates and refuses blanks', () => {
    expect(parseExifDate('2021:07:04 12:34:56')).toBe(Date.UTC(2021, 6, 4, 12, 34, 56));
    expect(parseExifDate('0000:00:00 00:00:00')).toBeNull();
    expect(parseExifDate('    :  :     :  :  ')).toBeNull();
    expect(parseExifDate(undefined)).toBeNull();
  });

  it('survives a missing or truncated block', () => {
    expect(readExif(undefined)).toEqual({ takenAt: null, camera: null });
    expect(readExif(Buffer.from('Exif\0\0II*\0\x08\0\0\0\x05\0', 'latin1'))).toEqual({
      takenAt: null,
      camera: null,
    });
  });
});

describe('names', () => {
  it.each(['a.jpg.part', 'a.crdownload', '~$a.jpg', '.DS_Store', 'Thumbs.db', '._a.jpg', '.a.jpg'])(
    'ignores %s',
    (name) => {
      expect(isIgnoredName(name)).toBe(true);
    },
  );

  it('keeps ordinary photo names and knows photo extensions', () => {
    expect(isIgnoredName('IMG_0001.JPG')).toBe(false);
    expect(isPhotoFile('IMG_0001.JPG')).toBe(true);
    expect(isPhotoFile('scan.tiff')).toBe(true);
    expect(isPhotoFile('notes.txt')).toBe(false);
  });

  it("recognises the engine's temp files for an output, and only those", () => {
    const output = '/out/photo_x4.png';
    expect(isTempFileOf('.photo_x4.png.0b6c.part', output)).toBe(true);
    expect(isTempFileOf('.other_x4.png.0b6c.part', output)).toBe(false);
    expect(isTempFileOf('photo_x4.png', output)).toBe(false);
  });
});

describe('library queries', () => {
  it('round-trips cursors and rejects forged ones', () => {
    expect(decodeCursor(encodeCursor(['IMG_1.jpg', 42]))).toEqual(['IMG_1.jpg', 42]);
    expect(() => decodeCursor(Buffer.from('[1]').toString('base64url'))).toThrow(
      'Invalid library cursor',
    );
    expect(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url'))).toThrow();
  });

  it('turns words into prefix FTS terms, quoting what FTS would read as syntax', () => {
    expect(ftsQuery('  canon  eos ')).toBe('"canon"* "eos"*');
    expect(ftsQuery('say "hi" OR')).toBe('"say"* """hi"""* "OR"*');
    expect(ftsQuery('   ')).toBeNull();
  });

  it('pages by key and id, never by offset', () => {
    const { sql, params } = buildPageQuery({
      sort: 'name',
      order: 'asc',
      limit: 10,
      cursor: encodeCursor(['b.jpg', 7]),
    });
    expect(sql).toBe(
      'SELECT * FROM photos WHERE (name, id) > (?, ?) ORDER BY name ASC, id ASC LIMIT ?',
    );
    expect(params).toEqual(['b.jpg', 7, 11]);
    expect(sql).not.toMatch(/OFFSET/i);
  });
});

describe('the data directory', () => {
  const home = '/home/ada';

  it('follows each platform’s convention', () => {
    expect(defaultDataDir({}, 'linux', home)).toBe(path.join(home, '.local/share/yonos'));
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux', home)).toBe(
      path.join('/xdg', 'yonos'),
    );
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative' }, 'linux', home)).toBe(
      path.join(home, '.local/share/yonos'),
    );
    expect(defaultDataDir({}, 'darwin', home)).toBe(
      path.join(home, 'Library/Application Support/Yonos'),
    );
    expect(defaultDataDir({ APPDATA: '/appdata' }, 'win32', home)).toBe(
      path.join('/appdata', 'Yonos'),
    );
  });

  it('lets YONOS_DATA_DIR override it', () => {
    expect(
      defaultDataDir({ YONOS_DATA_DIR: '/data/yonos', XDG_DATA_HOME: '/xdg' }, 'linux', home),
    ).toBe('/data/yonos');
  });
});
