import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFromPath, resolveOutputPath } from '../../main/engine/output-path.js';
import { tempDir } from '../support/temp.js';

async function photo(name = 'beach.jpeg'): Promise<{ dir: string; input: string }> {
  const dir = await tempDir();
  const input = path.join(dir, name);
  mkdirSync(path.dirname(input), { recursive: true });
  writeFileSync(input, 'x');
  return { dir, input };
}

describe('resolveOutputPath', () => {
  it('names the output <stem>_x<scale> beside the input, in its format', async () => {
    const { dir, input } = await photo();
    expect(resolveOutputPath({ input, scale: 4, collision: 'increment' })).toEqual({
      path: path.join(dir, 'beach_x4.jpeg'),
      action: 'write',
    });
  });

  it('uses the requested format, and PNG for inputs Yonos cannot write', async () => {
    const { dir, input } = await photo('anim.gif');
    expect(resolveOutputPath({ input, scale: 2, collision: 'skip' }).path).toBe(
      path.join(dir, 'anim_x2.png'),
    );
    expect(resolveOutputPath({ input, scale: 2, format: 'webp', collision: 'skip' }).path).toBe(
      path.join(dir, 'anim_x2.webp'),
    );
  });

  it('puts the same name in --out, mirroring subfolders below the source root', async () => {
    const { dir, input } = await photo('trip/day1/a.png');
    const out = path.join(dir, 'out');
    expect(resolveOutputPath({ input, outDir: out, scale: 8, collision: 'skip' }).path).toBe(
      path.join(out, 'a_x8.png'),
    );
    const mirrored = resolveOutputPath({
      input,
      outDir: out,
      sourceRoot: path.join(dir, 'trip'),
      scale: 8,
      collision: 'skip',
    });
    expect(mirrored.path).toBe(path.join(out, 'day1', 'a_x8.png'));
    expect(() =>
      resolveOutputPath({ input, outDir: out, sourceRoot: out, scale: 8, collision: 'skip' }),
    ).toThrow(/not inside the source folder/);
  });

  it('skips, overwrites or increments when the output exists', async () => {
    const { dir, input } = await photo('a.png');
    writeFileSync(path.join(dir, 'a_x4.png'), 'old');
    writeFileSync(path.join(dir, 'a_x4 (1).png'), 'old');
    const request = { input, scale: 4 } as const;
    expect(resolveOutputPath({ ...request, collision: 'skip' })).toEqual({
      path: path.join(dir, 'a_x4.png'),
      action: 'skip',
    });
    expect(resolveOutputPath({ ...request, collision: 'overwrite' }).action).toBe('write');
    expect(resolveOutputPath({ ...request, collision: 'increment' }).path).toBe(
      path.join(dir, 'a_x4 (2).png'),
    );
  });

  it('treats names claimed by photos still being written as taken', async () => {
    const { dir, input } = await photo('a.png');
    const claimed = new Set([path.join(dir, 'a_x4.png'), path.join(dir, 'a_x4 (1).png')]);
    const request = { input, scale: 4, claimed } as const;
    expect(resolveOutputPath({ ...request, collision: 'increment' }).path).toBe(
      path.join(dir, 'a_x4 (2).png'),
    );
    expect(resolveOutputPath({ ...request, collision: 'skip' }).action).toBe('skip');
  });

  it('expands name templates and refuses bad ones', async () => {
    const { dir, input } = await photo('a.png');
    expect(
      resolveOutputPath({ input, scale: 2, template: 'big-{name}-{scale}x', collision: 'skip' })
        .path,
    ).toBe(path.join(dir, 'big-a-2x.png'));
    for (const template of ['{nam}', '../{name}', 'sub/{name}', '']) {
      expect(() => resolveOutputPath({ input, scale: 2, template, collision: 'skip' })).toThrow();
    }
  });

  it('never returns the input itself', async () => {
    const { input } = await photo('a.png');
    for (const collision of ['skip', 'overwrite', 'increment'] as const) {
      expect(() => resolveOutputPath({ input, scale: 2, template: '{name}', collision })).toThrow(
        /is the input itself/,
      );
    }
  });

  it('reads formats from extensions', () => {
    expect(formatFromPath('a.JPEG')).toBe('jpg');
    expect(formatFromPath('a.tif')).toBe('tiff');
    expect(formatFromPath('a.gif')).toBeUndefined();
  });
});
