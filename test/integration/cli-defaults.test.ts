/** The commands that upscale share their options: same defaults, same honest help. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod/mini';
import { jobSchema } from '../../common/contract.js';
import { jsonLines, runYonos, startYonos } from '../support/cli.js';
import { writePhoto } from '../support/images.js';
import { fixtureModelsDir, onCleanup, tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const commands = [['upscale'], ['jobs', 'add'], ['watch']];

/**
 * The help line of each option, joined with its wrapped continuation lines,
 * spaces collapsed: the column commander pads to depends on each command's
 * longest option, the wording must not.
 */
async function helpOptions(command: string[]): Promise<Map<string, string>> {
  const { stdout } = await runYonos([...command, '--help']);
  const options = new Map<string, string>();
  let current = '';
  for (const line of stdout.split('\n')) {
    const start = /^ {2}(-\w, )?(--[\w-]+)/.exec(line);
    if (start?.[2] !== undefined) {
      current = start[2];
      options.set(current, collapse(line));
    } else if (current !== '' && /^ {4,}\S/.test(line)) {
      options.set(current, `${options.get(current) ?? ''} ${collapse(line)}`);
    } else {
      current = '';
    }
  }
  return options;
}

function collapse(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

describe('shared options', () => {
  it('read the same in upscale, jobs add and watch, with ×4 as the default scale', async () => {
    const helps = await Promise.all(commands.map(helpOptions));
    for (const option of ['--scale', '--out', '--model', '--format']) {
      const lines = helps.map((help) => help.get(option));
      expect(new Set(lines), option).toEqual(new Set([lines[0]]));
    }
    expect(helps[0]?.get('--scale')).toMatch(/\(default: 4\)$/);
    expect(helps[0]?.get('--out')).toMatch(/output folder \(default: beside each photo\)$/);
    for (const option of ['--name', '--quality', '--steps', '--tile']) {
      expect(helps[1]?.get(option), option).toBe(helps[0]?.get(option));
    }
  });

  it('jobs add without --scale queues ×4 jobs', async () => {
    const dataDir = await tempDir();
    const photos = await tempDir();
    await writePhoto(path.join(photos, 'a.jpg'));
    const added = await runYonos(['jobs', 'add', photos, '--json', '--data-dir', dataDir]);
    expect(added.code, added.stderr).toBe(0);
    const listed = await runYonos(['jobs', 'list', '--json', '--data-dir', dataDir]);
    const jobs = z.array(jobSchema).parse(JSON.parse(listed.stdout));
    expect(jobs).toMatchObject([{ output: path.join(photos, 'a_x4.jpg'), settings: { scale: 4 } }]);
  });

  it('watch without --scale watches at ×4, and stops cleanly on SIGTERM', async () => {
    const dataDir = await tempDir();
    const folder = await tempDir();
    const run = await startYonos([
      'watch',
      folder,
      '--json',
      '--data-dir',
      dataDir,
      '--models',
      fixtureModelsDir,
    ]);
    onCleanup(() => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    });
    await waitFor(
      () => run.stdout().includes('"watching"') || run.child.exitCode !== null,
      'yonos watch to start',
      30_000,
    );
    run.child.kill('SIGTERM');
    const { code, stdout, stderr } = await run.exited;
    expect(code, stderr).toBe(0);
    expect(jsonLines(stdout)[0]).toMatchObject({ type: 'watching', watch: { scale: 4 } });
  });
});
