/**
 * While the desktop app runs it keeps its pid in `<dataDir>/app.pid`, so the
 * file-manager actions (plain shell scripts) can tell "hand the files to the
 * running app" from "run the yonos CLI" with `kill -0 "$(cat app.pid)"`.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const appPidFileName = 'app.pid';

export function appPidFile(dataDir: string): string {
  return path.join(dataDir, appPidFileName);
}

/** Records this process as the running app; returns the function that removes the record. */
export function recordRunningApp(dataDir: string, pid: number = process.pid): () => void {
  const file = appPidFile(dataDir);
  writeFileSync(file, `${pid}\n`);
  return () => {
    // Only our own record: a newer instance may have replaced it.
    if (readRunningAppPid(dataDir) === pid) rmSync(file, { force: true });
  };
}

/** The recorded pid when that process is still alive, else null. */
export function readRunningAppPid(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(appPidFile(dataDir), 'utf8'), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive, but another user's process (not ours to hand files to, yet alive).
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
