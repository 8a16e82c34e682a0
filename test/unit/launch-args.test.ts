/** The desktop app's command line, as first launches, second instances and file managers deliver it. */
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LaunchArgsError, parseLaunchArgs } from '../../main/launch/launch-args.js';

const packaged = { skip: 1, cwd: '/home/ana' };
const development = { skip: 2, cwd: '/home/ana' };
const exe = '/opt/Yonos/yonos';

describe('parseLaunchArgs', () => {
  it('reads nothing from a plain start, whatever Chromium and macOS add', () => {
    expect(parseLaunchArgs([exe], packaged)).toEqual({ kind: 'none' });
    expect(parseLaunchArgs([exe, '-psn_0_1234'], packaged)).toEqual({ kind: 'none' });
    expect(
      parseLaunchArgs(
        [exe, '--no-sandbox', '--enable-features=A,B', '--original-process-start-time=13371'],
        packaged,
      ),
    ).toEqual({ kind: 'none' });
  });

  it('takes --upscale with a separate or an attached value, and --out', () => {
    const expected = {
      kind: 'upscale',
      scale: 4,
      outDir: '/tmp/out',
      files: ['/tmp/a.jpg', '/tmp/b.png'],
    };
    expect(
      parseLaunchArgs(
        [exe, '--upscale', '4', '--out', '/tmp/out', '/tmp/a.jpg', '/tmp/b.png'],
        packaged,
      ),
    ).toEqual(expected);
    expect(
      parseLaunchArgs(
        [exe, '--upscale=4', '--out=/tmp/out', '--', '/tmp/a.jpg', '/tmp/b.png'],
        packaged,
      ),
    ).toEqual(expected);
    expect(parseLaunchArgs([exe, '--upscale=8', '/tmp/a.jpg'], packaged)).toMatchObject({
      scale: 8,
      outDir: null,
    });
  });

  it('ignores Chromium and Electron switches anywhere', () => {
    expect(
      parseLaunchArgs(
        [
          exe,
          '--allow-file-access-from-files',
          '--upscale',
          '8',
          '--enable-features=A,B',
          '/tmp/a.jpg',
          '--original-process-start-time=13371',
          '-psn_0_1234',
          '/tmp/b.jpg',
        ],
        packaged,
      ),
    ).toEqual({ kind: 'upscale', scale: 8, outDir: null, files: ['/tmp/a.jpg', '/tmp/b.jpg'] });
  });

  it('skips the executable and, in development, the main script', () => {
    expect(
      parseLaunchArgs(
        ['/usr/lib/electron/electron', 'dist/electron/main.mjs', 'a.jpg'],
        development,
      ),
    ).toEqual({ kind: 'open', files: ['/home/ana/a.jpg'] });
    // Switches before the main script do not shift what is skipped.
    expect(
      parseLaunchArgs(
        ['electron', '--inspect', 'dist/electron/main.mjs', '--upscale=4', 'a.jpg'],
        development,
      ),
    ).toMatchObject({ kind: 'upscale', files: ['/home/ana/a.jpg'] });
  });

  it('keeps spaces and non-ASCII characters in paths', () => {
    const file = '/tmp/Fotos für Oma/été 2024.jpg';
    expect(parseLaunchArgs([exe, '--upscale=4', '--', file, '写真 1.png'], packaged)).toEqual({
      kind: 'upscale',
      scale: 4,
      outDir: null,
      files: [file, '/home/ana/写真 1.png'],
    });
    expect(parseLaunchArgs([exe, pathToFileURL(file).href], packaged)).toEqual({
      kind: 'open',
      files: [file],
    });
  });

  it('takes everything after -- as files, even when it looks like a switch', () => {
    expect(
      parseLaunchArgs([exe, '--upscale=4', '--', '--upscale=8', '-psn.jpg', 'a.jpg'], packaged),
    ).toEqual({
      kind: 'upscale',
      scale: 4,
      outDir: null,
      files: ['/home/ana/--upscale=8', '/home/ana/-psn.jpg', '/home/ana/a.jpg'],
    });
  });

  it('resolves relative files and --out against the launching working directory', () => {
    expect(
      parseLaunchArgs([exe, '--upscale=4', '--out', 'big', '../b.jpg', 'c.jpg'], {
        skip: 1,
        cwd: '/srv/photos/2024',
      }),
    ).toEqual({
      kind: 'upscale',
      scale: 4,
      outDir: '/srv/photos/2024/big',
      files: ['/srv/photos/b.jpg', '/srv/photos/2024/c.jpg'],
    });
  });

  it('opens files given without --upscale', () => {
    expect(parseLaunchArgs([exe, '/tmp/a.jpg', 'b.jpg'], packaged)).toEqual({
      kind: 'open',
      files: ['/tmp/a.jpg', '/home/ana/b.jpg'],
    });
  });

  describe("Windows' reordered second-instance argv (switches first, then the rest)", () => {
    it('does not let --upscale swallow a Chromium switch; its value is the first argument', () => {
      // Sent as: Yonos.exe --upscale 4 a.jpg
      expect(
        parseLaunchArgs(
          [
            'C:/Yonos/Yonos.exe',
            '--upscale',
            '--allow-file-access-from-files',
            '--original-process-start-time=13371',
            '4',
            '/tmp/a.jpg',
          ],
          packaged,
        ),
      ).toEqual({ kind: 'upscale', scale: 4, outDir: null, files: ['/tmp/a.jpg'] });
    });

    it('pairs several moved values in order, after the skipped main script', () => {
      // Sent as: electron main.mjs --upscale 8 --out /tmp/out a.jpg -- b.jpg
      expect(
        parseLaunchArgs(
          [
            'electron',
            '--upscale',
            '--out',
            '--allow-file-access-from-files',
            'main.mjs',
            '8',
            '/tmp/out',
            'a.jpg',
            '--',
            'b.jpg',
          ],
          development,
        ),
      ).toEqual({
        kind: 'upscale',
        scale: 8,
        outDir: '/tmp/out',
        files: ['/home/ana/a.jpg', '/home/ana/b.jpg'],
      });
    });

    it('leaves the generated form untouched', () => {
      expect(
        parseLaunchArgs(
          [
            'C:/Yonos/Yonos.exe',
            '--upscale=4',
            '--allow-file-access-from-files',
            '--',
            '/tmp/a b.jpg',
          ],
          packaged,
        ),
      ).toEqual({ kind: 'upscale', scale: 4, outDir: null, files: ['/tmp/a b.jpg'] });
    });
  });

  it.each([
    [['--upscale', '3', 'a.jpg'], /--upscale takes 4 or 8, not "3"/],
    [['--upscale=2', 'a.jpg'], /--upscale takes 4 or 8, not "2"/],
    [['--upscale=x4', 'a.jpg'], /not "x4"/],
    [['--upscale=4'], /needs at least one file/],
    [['--upscale'], /--upscale needs a value/],
    [['--upscale', '--', 'a.jpg'], /--upscale needs a value/],
    [['--upscale=4', '--out'], /--out needs a value/],
    [['--out', '/tmp', 'a.jpg'], /--out only goes with --upscale/],
  ])('refuses %j', (args, message) => {
    expect(() => parseLaunchArgs([exe, ...args], packaged)).toThrow(LaunchArgsError);
    expect(() => parseLaunchArgs([exe, ...args], packaged)).toThrow(message);
  });
});
