/**
 * `yonos upscale --notify`: the batch's progress as a desktop notification,
 * for runs nobody watches in a terminal (the file-manager actions). It goes
 * through notify-send when that is on PATH: one notification at the start,
 * updated in place (--print-id, then --replace-id) at most every 2 s and at
 * the end. A notify-send without those flags (libnotify before 0.7.10) gets
 * only the start and the end, as separate notifications.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Scale } from '../engine/index.js';
import type { UpscaleReporter, UpscaleSummary } from './upscale-report.js';

interface Notification {
  title: string;
  body: string;
  /** 0–100: a progress bar where the notification server draws one. */
  percent?: number;
  urgent?: boolean;
  /** A progress update: dropped when it could only pile up as a new notification. */
  update?: boolean;
}

export interface DesktopNotifierOptions {
  scale: Scale;
  env?: NodeJS.ProcessEnv;
  intervalMs?: number;
  now?: () => number;
}

/** A reporter that notifies, or null when there is no notify-send. */
export function desktopNotifier(options: DesktopNotifierOptions): UpscaleReporter | null {
  const notifySend = findExecutable('notify-send', options.env ?? process.env);
  if (notifySend === null) return null;
  const { scale, intervalMs = 2000, now = () => performance.now() } = options;
  const show = notificationSender(notifySend);
  let total = 0;
  let finished = 0;
  let current: { file: string; fraction: number } | null = null;
  let shownAt = -Infinity;
  let lastOutput = '';
  let lastError = '';
  const title = (): string => `Upscaling ${photos(total)} ×${scale}`;
  const update = (): void => {
    if (now() - shownAt < intervalMs) return;
    shownAt = now();
    const fraction = current?.fraction ?? 0;
    const doing = current === null ? '' : ` · ${path.basename(current.file)}`;
    show({
      title: title(),
      body: `${finished} of ${total} done${doing}`,
      percent: Math.round((100 * (finished + fraction)) / Math.max(total, 1)),
      update: true,
    });
  };
  const finish = (): void => {
    finished += 1;
    current = null;
    update();
  };
  return {
    start: (files) => {
      total = files;
      shownAt = now();
      show({ title: title(), body: 'Starting…', percent: 0 });
    },
    progress: (p) => {
      current = { file: p.file, fraction: p.tilesTotal === 0 ? 0 : p.tilesDone / p.tilesTotal };
      update();
    },
    done: (result) => {
      lastOutput = result.output;
      finish();
    },
    skipped: finish,
    failed: (_input, message) => {
      lastError = message;
      finish();
    },
    summary: (summary) => {
      show(finalNotification(summary, scale, lastOutput, lastError));
    },
  };
}

function finalNotification(
  s: UpscaleSummary,
  scale: Scale,
  lastOutput: string,
  lastError: string,
): Notification {
  const counts = `${s.done} upscaled, ${s.skipped} skipped, ${s.failed} failed`;
  if (s.interrupted) return { title: 'Upscaling stopped', body: counts };
  if (s.failed > 0) {
    return {
      title: `Upscaling failed for ${s.failed} of ${photos(s.files)}`,
      body: s.files === 1 ? lastError : `${counts}. Last problem: ${lastError}`,
      urgent: true,
    };
  }
  return {
    title: `Upscaled ${photos(s.done)} ×${scale}`,
    body: s.files === 1 && s.done === 1 ? lastOutput : counts,
    percent: 100,
  };
}

const photos = (count: number): string => `${count} photo${count === 1 ? '' : 's'}`;

/** Sends one notification after another, replacing the first while notify-send can. */
function notificationSender(notifySend: string): (notification: Notification) => void {
  let replaces = true;
  let id: string | null = null;
  let queue = Promise.resolve();
  const send = async (n: Notification): Promise<void> => {
    if (n.update === true && !replaces) return;
    const args = [
      '--app-name=Yonos',
      ...(n.urgent === true ? ['--urgency=critical'] : []),
      ...(n.percent === undefined ? [] : [`--hint=int:value:${n.percent}`]),
      n.title,
      escapeMarkup(n.body),
    ];
    if (replaces) {
      const run = await runCommand(notifySend, [
        id === null ? '--print-id' : `--replace-id=${id}`,
        ...args,
      ]);
      const printed = run.stdout.trim();
      if (run.code === 0 && id === null && /^\d+$/.test(printed)) id = printed;
      if (run.code === 0 && id !== null) return;
      replaces = false;
      if (run.code === 0) return; // shown, but no id to replace it by
    }
    await runCommand(notifySend, args);
  };
  return (notification) => {
    queue = queue.then(() => send(notification));
  };
}

/** Notification bodies may carry markup; a file name must not. */
function escapeMarkup(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Never rejects: a notification that fails must not fail the upscale. */
function runCommand(
  file: string,
  args: string[],
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', () => {
      resolve({ code: null, stdout });
    });
    child.on('close', (code) => {
      resolve({ code, stdout });
    });
  });
}

function findExecutable(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
