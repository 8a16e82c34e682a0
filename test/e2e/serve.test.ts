/**
 * End to end: the built `yonos` bin starts the web host, and Chromium loads the
 * Svelte renderer from it, which must reach /api/health with the token.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { launchChromium } from './chromium.js';
import { startServe, stopServe, type ServeProcess } from './serve-process.js';

const bin = packageJson.bin.yonos;
let serve: ServeProcess;
let openUrl: string;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  // Its own library, so the test neither reads nor writes the user's data directory.
  dataDir = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-data-'));
  const [started, launched] = await Promise.all([
    startServe(['--data-dir', dataDir]),
    launchChromium(),
  ]);
  ({ serve, url: openUrl } = started);
  browser = launched;
});

afterAll(async () => {
  await browser.close();
  await stopServe(serve);
  await rm(dataDir, { recursive: true, force: true });
});

describe('yonos serve in Chromium', () => {
  it('renders the app, which connects to /api/health with the token', async () => {
    const page = await browser.newPage();
    // Console errors would include Content-Security-Policy violations.
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    const health = page.waitForResponse((response) => response.url().endsWith('/api/health'));
    await page.goto(openUrl);

    expect((await health).status()).toBe(200);
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
    await page.getByText(`Yonos ${packageJson.version}`).waitFor();
    // The token is taken out of the address bar once read.
    expect(page.url()).not.toContain('token=');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('shows why it cannot connect when opened without the token', async () => {
    const page = await browser.newPage();
    await page.goto(new URL('/', openUrl).href);
    await page.getByRole('status').filter({ hasText: 'failed' }).waitFor();
    await page.getByText('no valid token').waitFor();
    await page.close();
  });
});

describe('the yonos bin', () => {
  it('prints usage', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help']);
    expect(stdout).toMatch(/^Usage: yonos/m);
    expect(stdout).toContain('upscale');
    expect(stdout).toContain('serve');
  });
});
