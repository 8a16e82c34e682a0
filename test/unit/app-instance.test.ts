/** The app.pid record the file-manager actions read to find the running app. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  appPidFile,
  readRunningAppPid,
  recordRunningApp,
} from '../../main/integration/app-instance.js';
import { tempDir } from '../support/temp.js';

/** The pid of a process that has exited (pids are reused only after a long while). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the running-app record', () => {
  it('records this process, reads it back while alive, and removes it', async () => {
    const dataDir = await tempDir();
    expect(readRunningAppPid(dataDir)).toBeNull();
    const forget = recordRunningApp(dataDir);
    expect(readFileSync(appPidFile(dataDir), 'utf8')).toBe(`${process.pid}\n`);
    expect(readRunningAppPid(dataDir)).toBe(process.pid);
    forget();
    expect(existsSync(appPidFile(dataDir))).toBe(false);
    expect(readRunningAppPid(dataDir)).toBeNull();
  });

  it('reads a stale or garbled record as no running app', async () => {
    const dataDir = await tempDir();
    writeFileSync(appPidFile(dataDir), `${deadPid()}\n`);
    expect(readRunningAppPid(dataDir)).toBeNull();
    writeFileSync(appPidFile(dataDir), 'not a pid\n');
    expect(readRunningAppPid(dataDir)).toBeNull();
    writeFileSync(appPidFile(dataDir), '0\n');
    expect(readRunningAppPid(dataDir)).toBeNull();
  });

  it('removes only its own record, never a newer instance’s', async () => {
    const dataDir = await tempDir();
    const forget = recordRunningApp(dataDir, process.pid);
    recordRunningApp(dataDir, process.ppid);
    forget();
    expect(readRunningAppPid(dataDir)).toBe(process.ppid);
  });
});
