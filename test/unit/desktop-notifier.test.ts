/**
 * `yonos upscale --notify` driven by the engine's structured events, with a
 * recording stand-in for notify-send first on PATH (the one thing faked: the
 * desktop's notification service is outside this machine's reach).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopNotifier } from '../../main/cli/desktop-notifier.js';
import { shellWord } from '../../main/integration/quoting.js';
import { must } from '../support/must.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

/** A notify-send that records each call's arguments; `modern` ones print an id for --print-id. */
async function fakeNotifySend(modern: boolean): Promise<{ bin: string; calls: () => string[][] }> {
  const bin = await tempDir('yonos-bin-');
  const log = path.join(bin, 'calls.log');
  const answer = modern
    ? 'case "$1" in --print-id) echo 42 ;; esac'
    : 'case "$1" in --print-id|--replace-id=*) echo "Unknown option $1" >&2; exit 1 ;; esac';
  writeFileSync(
    path.join(bin, 'notify-send'),
    `#!/bin/sh\n{ echo '--call--'; for arg do echo "$arg"; done; } >> ${shellWord(log)}\n${answer}\n`,
    { mode: 0o755 },
  );
  const calls = (): string[][] =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('--call--\n')
          .slice(1)
          .map((call) => call.trimEnd().split('\n'))
      : [];
  return { bin, calls };
}

const progress = (file: string, tilesDone: number) => ({
  file,
  tilesDone,
  tilesTotal: 4,
  elapsedMs: 0,
  etaMs: null,
});

const result = (input: string) => ({
  input,
  output: input.replace('.jpg', '_x4.jpg'),
  width: 96,
  height: 64,
  ms: 10,
  device: 'cpu',
  modelId: 'yonos-tiny-x4',
});

describe('desktopNotifier', () => {
  it('shows one notification, updated in place at most every 2 s and at the end', async () => {
    const notifySend = await fakeNotifySend(true);
    let now = 0;
    const notifier = must(
      desktopNotifier({ scale: 4, env: { PATH: notifySend.bin }, now: () => now }),
    );
    notifier.start?.(3);
    now = 500;
    notifier.progress(progress('/p/a.jpg', 1));
    now = 2500;
    notifier.progress(progress('/p/a.jpg', 2));
    now = 2600;
    notifier.done(result('/p/a.jpg'));
    now = 5000;
    notifier.failed('/p/b.jpg', 'not an image, or a format Yonos cannot read');
    notifier.skipped('/p/c.jpg', { reason: 'output exists', output: '/p/c_x4.jpg' });
    notifier.summary({ files: 3, done: 1, skipped: 1, failed: 1, interrupted: false, ms: 5000 });

    const calls = await waitFor(() => {
      const recorded = notifySend.calls();
      return recorded.length === 4 && recorded;
    }, 'four notify-send calls');
    expect(calls).toEqual([
      [
        '--print-id',
        '--app-name=Yonos',
        '--hint=int:value:0',
        'Upscaling 3 photos ×4',
        'Starting…',
      ],
      [
        '--replace-id=42',
        '--app-name=Yonos',
        '--hint=int:value:17',
        'Upscaling 3 photos ×4',
        '0 of 3 done · a.jpg',
      ],
      [
        '--replace-id=42',
        '--app-name=Yonos',
        '--hint=int:value:67',
        'Upscaling 3 photos ×4',
        '2 of 3 done',
      ],
      [
        '--replace-id=42',
        '--app-name=Yonos',
        '--urgency=critical',
        'Upscaling failed for 1 of 3 photos',
        '1 upscaled, 1 skipped, 1 failed. Last problem: not an image, or a format Yonos cannot read',
      ],
    ]);
  });

  it('ends with the output path when there was one photo', async () => {
    const notifySend = await fakeNotifySend(true);
    const notifier = must(desktopNotifier({ scale: 4, env: { PATH: notifySend.bin } }));
    notifier.start?.(1);
    notifier.done(result('/p/Été & co.jpg'));
    notifier.summary({ files: 1, done: 1, skipped: 0, failed: 0, interrupted: false, ms: 10 });
    const calls = await waitFor(() => {
      const recorded = notifySend.calls();
      return recorded.length === 2 && recorded;
    }, 'two notify-send calls');
    expect(calls[1]).toEqual([
      '--replace-id=42',
      '--app-name=Yonos',
      '--hint=int:value:100',
      'Upscaled 1 photo ×4',
      '/p/Été &amp; co_x4.jpg',
    ]);
  });

  it('falls back to a start and an end notification when notify-send cannot replace', async () => {
    const notifySend = await fakeNotifySend(false);
    let now = 0;
    const notifier = must(
      desktopNotifier({ scale: 8, env: { PATH: notifySend.bin }, now: () => now }),
    );
    notifier.start?.(2);
    now = 3000;
    notifier.done(result('/p/a.jpg'));
    now = 6000;
    notifier.done(result('/p/b.jpg'));
    notifier.summary({ files: 2, done: 2, skipped: 0, failed: 0, interrupted: false, ms: 6000 });
    const calls = await waitFor(() => {
      const recorded = notifySend.calls();
      return recorded.length === 3 && recorded;
    }, 'three notify-send calls');
    expect(calls).toEqual([
      [
        '--print-id',
        '--app-name=Yonos',
        '--hint=int:value:0',
        'Upscaling 2 photos ×8',
        'Starting…',
      ],
      ['--app-name=Yonos', '--hint=int:value:0', 'Upscaling 2 photos ×8', 'Starting…'],
      [
        '--app-name=Yonos',
        '--hint=int:value:100',
        'Upscaled 2 photos ×8',
        '2 upscaled, 0 skipped, 0 failed',
      ],
    ]);
  });

  it('is off without notify-send on PATH', async () => {
    const empty = await tempDir('yonos-bin-');
    expect(desktopNotifier({ scale: 4, env: { PATH: empty } })).toBeNull();
  });
});
