/**
 * The Settings toggle for the file-manager right-click actions, in Chromium over
 * `yonos serve`, installing into and removing from a temporary home: the files
 * land where the file managers read them, and only ours go away again.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { startServe, stopServe, type ServeProcess } from './serve-process.js';

let serve: ServeProcess;
let openUrl: string;
let browser: Browser;
let home: string;

const installedFiles = (): string[] => [
  path.join(home, '.local/share/nautilus/scripts/Upscale ×4'),
  path.join(home, '.local/share/nemo/actions/yonos-upscale-x8.nemo_action'),
  path.join(home, '.local/share/kio/servicemenus/yonos-upscale.desktop'),
  path.join(home, '.local/share/file-manager/actions/yonos-upscale-x4.desktop'),
  path.join(home, '.local/share/yonos/file-manager-action'),
];

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-home-'));
  // Everything per-user resolves inside the temporary home.
  const overrides = new Set(['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'YONOS_DATA_DIR']);
  const inherited = Object.entries(process.env).filter(([name]) => !overrides.has(name));
  const env = { ...Object.fromEntries(inherited), HOME: home };
  const [started, launched] = await Promise.all([
    startServe(['--models', path.resolve('test/fixtures/models')], env),
    launchChromium(),
  ]);
  ({ serve, url: openUrl } = started);
  browser = launched;
}, 120_000);

afterAll(async () => {
  await browser.close();
  await stopServe(serve);
  await rm(home, { recursive: true, force: true });
});

describe('Settings → File manager', () => {
  it('installs the right-click actions and removes them again', async () => {
    const othersScript = path.join(home, '.local/share/nautilus/scripts/Resize for the web');
    await mkdir(path.dirname(othersScript), { recursive: true });
    await writeFile(othersScript, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const page = await browser.newPage();
    await page.goto(openUrl);
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    const toggle = page.getByLabel('Right-click actions in the file manager: Upscale ×4 / ×8');
    const perFileManager = page.getByRole('list', { name: 'Right-click actions per file manager' });
    await expect.poll(() => toggle.isChecked()).toBe(false);

    await toggle.check();
    await perFileManager.getByText('Thunar (Xfce): installed').waitFor();
    for (const file of installedFiles()) expect(existsSync(file), file).toBe(true);
    const uca = await readFile(path.join(home, '.config/Thunar/uca.xml'), 'utf8');
    expect(uca).toContain('<unique-id>yonos-upscale-x4</unique-id>');

    await toggle.uncheck();
    await perFileManager.getByText('Thunar (Xfce): not installed').waitFor();
    for (const file of installedFiles()) expect(existsSync(file), file).toBe(false);
    expect(existsSync(othersScript)).toBe(true);
    await page.close();
  });
});
