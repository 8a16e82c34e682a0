/**
 * The temp file an output is written through. It is created before any
 * inference, so a folder that cannot be written fails at once rather than
 * after minutes of work, then filled by the encoder and renamed into place.
 * Its name carries the writer's PID, so a later run can tell a crashed
 * writer's leftovers from a live writer's file.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** `.<output name>.<pid>.<uuid>.part`; the PID group is optional in names from older versions. */
const tempName = new RegExp(`^\\..+?\\.(?:(\\d+)\\.)?${uuid}\\.part$`);

/** Creates the output's folder and an empty temp file in it; throws a one-line error when it cannot. */
export async function reserveTempFile(output: string): Promise<string> {
  const folder = path.dirname(output);
  const temp = path.join(
    folder,
    `.${path.basename(output)}.${String(process.pid)}.${randomUUID()}.part`,
  );
  try {
    await mkdir(folder, { recursive: true });
    await (await open(temp, 'wx')).close();
  } catch (error) {
    throw cannotWrite(output, error);
  }
  return temp;
}

/** Removes the temp files in `folder` whose writer has died (a kill -9, a crash, a power cut). */
export function removeOrphanedTempFiles(folder: string): void {
  removeFilesIn(folder, (name) => {
    const pid = tempName.exec(name)?.[1];
    return pid !== undefined && !isRunning(Number(pid));
  });
}

/** Removes the entries of `folder` that `unwanted` names; a folder that cannot be read has none. */
export function removeFilesIn(folder: string, unwanted: (name: string) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (unwanted(name)) rmSync(path.join(folder, name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** "cannot write <output>: disk full", from a Node fs error or libvips's multi-line dump. */
export function cannotWrite(output: string, error: unknown): Error {
  return new Error(`cannot write ${output}: ${writeFailureReason(error)}`, { cause: error });
}

/** Node reports an error code; libvips only the OS's words ("system error: <strerror>"). */
const failures: { codes: string[]; text: RegExp; reason: string }[] = [
  {
    codes: ['EACCES', 'EPERM'],
    text: /permission denied|operation not permitted/i,
    reason: 'permission denied',
  },
  { codes: ['ENOSPC'], text: /no space left on device/i, reason: 'disk full' },
  { codes: ['EDQUOT'], text: /disk quota exceeded/i, reason: 'disk quota exceeded' },
  { codes: ['EROFS'], text: /read-only file system/i, reason: 'read-only file system' },
  { codes: ['EFBIG'], text: /file too large/i, reason: 'file too large for this file system' },
  { codes: ['ENOTDIR', 'EEXIST'], text: /not a directory/i, reason: 'a file is in the way' },
];

function writeFailureReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const known = failures.find(
    (failure) => failure.codes.includes(code) || failure.text.test(message),
  );
  if (known !== undefined) return known.reason;
  const systemError = /system error: (.+)/i.exec(message)?.[1];
  // Never name our hidden temp file: the output is what the user knows.
  const firstLine = message.split('\n')[0]?.replace(/\S*\.part:?\s*/g, '');
  return (systemError ?? firstLine ?? '').trim().toLowerCase() || 'unknown error';
}
