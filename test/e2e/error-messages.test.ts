/**
 * What the UI says when a request cannot be done, in Chromium over `yonos
 * serve`: the Import dialog and the watch form stay open with the backend's
 * plain message inline, and the settings' name template is checked as typed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhoto } from '../support/images.js';
import { launchChromium } from './chromium.js';
import { startServe, stopServe, type ServeProcess } from './serve-process.js';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let dataDir: string;
let openUrl: string;
const missing = '/nonexistent/photos';

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-errors-'));
  await writePhoto(path.join(dataDir, 'photos', 'good.jpg'), { width: 64, height: 48 });
  const [started, launched] = await Promise.all([
    startServe(['--data-dir', dataDir]),
    launchChromium(),
  ]);
  ({ serve, url: openUrl } = started);
  browser = launched;
  page = await browser.newPage();
  await page.goto(openUrl);
  await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
});

afterAll(async () => {
  await browser.close();
  await stopServe(serve);
  await rm(dataDir, { recursive: true, force: true });
});

describe('messages inline, where the request was made', () => {
  it('keeps the Import dialog open and says which folder is not there', async () => {
    await page.getByRole('button', { name: 'Import photos…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import photos' });
    const goTo = dialog.getByLabel('Go to folder');
    await goTo.fill(missing);
    await goTo.press('Enter');
    await dialog
      .getByRole('alert')
      .filter({ hasText: `There is no folder at ${missing}` })
      .waitFor();

    await goTo.fill(path.join(dataDir, 'photos'));
    await goTo.press('Enter');
    await dialog.getByRole('button', { name: 'Import “photos”' }).click();
    await page.getByRole('option', { name: /^good\.jpg/ }).waitFor();
  });

  it('keeps the watch form filled in and says the folder is not there', async () => {
    await page.getByRole('button', { name: 'Watch folders' }).click();
    const form = page.getByRole('form', { name: 'Add a watch folder' });
    await form.getByLabel('Folder', { exact: true }).fill(missing);
    await form.getByRole('button', { name: 'Watch folder', exact: true }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe(`Could not watch that folder: ${missing}: no such file or folder`);
    expect(await form.getByLabel('Folder', { exact: true }).inputValue()).toBe(missing);
  });

  it('says what is wrong with a name template as it is typed, and does not save it', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const field = page.getByLabel('File names');
    await field.fill('{name}_{bogus}');
    await page
      .getByRole('alert')
      .filter({
        hasText: 'Unknown placeholder {bogus} in the name template; use {name} and {scale}.',
      })
      .waitFor();
    await field.fill('../../x{name}');
    await page.getByRole('alert').filter({ hasText: 'no /, \\ or ".."' }).waitFor();
    await field.blur();
    const saved = await fetch(new URL('/api/settingsGet', openUrl), {
      method: 'POST',
      headers: { Authorization: `Bearer ${new URL(openUrl).searchParams.get('token') ?? ''}` },
      body: '[]',
    });
    expect(await saved.json()).toMatchObject({ template: '{name}_x{scale}' });
  });
});
