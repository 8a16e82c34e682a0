/** `yonos models` when a model you trained took a built-in model's id. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runYonos } from '../support/cli.js';
import { fixtureModelsDir, tempDir } from '../support/temp.js';

describe('yonos models', () => {
  it('keeps the built-in model when a trained one took its id, and says why the other is refused', async () => {
    const env = { YONOS_DATA_DIR: await tempDir('yonos-data-') };
    const trained = path.join(await tempDir(), 'models', 'yonos-photo-x4');
    cpSync(path.join(fixtureModelsDir, 'yonos-tiny-x4'), trained, { recursive: true });
    const manifestFile = path.join(trained, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, id: 'yonos-photo-x4' }));

    const run = await runYonos(['models', '--models', path.dirname(trained), '--json'], env);
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as {
      models: { id: string; builtIn: boolean }[];
      problems: { dir: string; message: string }[];
    };
    expect(listed.models.filter((model) => model.id === 'yonos-photo-x4')).toEqual([
      expect.objectContaining({ builtIn: true }),
    ]);
    expect(listed.problems.map((problem) => problem.dir)).toEqual([trained]);
    expect(listed.problems[0]?.message).toMatch(
      /^id "yonos-photo-x4" is the built-in model's .*--name/,
    );

    const text = await runYonos(['models', '--models', path.dirname(trained)], env);
    expect(text.stdout).toContain(
      `Refused ${trained}: id "yonos-photo-x4" is the built-in model's`,
    );
  });
});
