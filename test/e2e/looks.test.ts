/**
 * The faithful and detailed looks in the app, in Chromium over `yonos serve`,
 * with the two-look fixture as the ×4 model and faithful-only ones for ×2 and
 * ×8: the action bar's Look control (only where the model has the detailed
 * look), the look in the toast and the queue, the default look in Settings
 * (kept across a reload), the model cards' looks, and Compare's faithful vs
 * detailed preview. Screenshots go to test-results/screenshots/looks/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScene } from '../support/scenes.js';
import { launchChromium } from './chromium.js';
import { startServe, stopServe, type ServeProcess } from './serve-process.js';

const screenshots = path.resolve('test-results/screenshots/looks');
const photos = ['Fern.jpg', 'Gravel.jpg'];

let serve: ServeProcess;
let openUrl: string;
let browser: Browser;
let page: Page;
let root: string;

/** A service call over HTTP, as the page makes it. */
async function api(channel: string, args: unknown[]): Promise<unknown> {
  const token = new URL(openUrl).searchParams.get('token') ?? '';
  const reply = await fetch(new URL(`/api/${channel}`, openUrl), {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: JSON.stringify(args),
  });
  expect(reply.status).toBe(200);
  return reply.json();
}

const photo = (name: string): Locator =>
  page.getByRole('option', { name: new RegExp(`^${name.replace('.', '\\.')}`) });
const view = (name: string): Promise<void> =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();
const actionBar = (): Locator => page.getByRole('toolbar', { name: 'Upscale the selection' });
const shot = (name: string): Promise<Buffer> =>
  page.screenshot({ path: path.join(screenshots, `${name}.png`) });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-looks-'));
  const photosDir = path.join(root, 'Photos');
  await mkdir(screenshots, { recursive: true });
  for (const [seed, name] of photos.entries()) {
    await writeScene(path.join(photosDir, name), { width: 96, height: 64, seed: seed + 7 });
  }
  const [started, launched] = await Promise.all([
    startServe([
      '--data-dir',
      path.join(root, 'data'),
      '--threads',
      '1',
      // The two-look package first: it is the ×4 model; ×2 and ×8 stay faithful only.
      '--models',
      path.resolve('test/fixtures/models-looks'),
      '--models',
      path.resolve('test/fixtures/models'),
    ]),
    launchChromium(),
  ]);
  ({ serve, url: openUrl } = started);
  browser = launched;
  await api('libraryImport', [{ paths: [photosDir] }]);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => {
    console.error(`page error in "${expect.getState().currentTestName ?? ''}":`, error.message);
  });
  await page.goto(openUrl);
  await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser.close();
  await stopServe(serve);
  await rm(root, { recursive: true, force: true });
});

describe('looks in the app', () => {
  it('offers the look in the action bar only for a model that has it, and queues it', async () => {
    await photo(photos[0] ?? '').click();
    const bar = actionBar();
    const look = bar.getByRole('radiogroup', { name: 'Look' });
    await look.getByRole('radio', { name: 'Faithful', checked: true }).waitFor();
    expect(await bar.getByLabel('Detailed strength').count()).toBe(0);
    await bar.getByRole('radio', { name: '×2' }).click();
    await look.waitFor({ state: 'detached' });
    await bar.getByRole('radio', { name: '×4' }).click();

    await look.getByRole('radio', { name: 'Detailed' }).click();
    await bar.getByLabel('Detailed strength').fill('0.6');
    await bar.getByLabel('Strength value').filter({ hasText: '0.6' }).waitFor();
    await shot('action-bar-look');
    await bar.getByRole('button', { name: 'Upscale 1 photo' }).click();
    const toast = page
      .getByRole('status')
      .filter({ hasText: 'Queued 1 photo for ×4 (detailed 0.6).' });
    await toast.getByRole('button', { name: 'Show the queue' }).click();
    const job = page
      .getByRole('list', { name: 'Jobs' })
      .getByRole('listitem', { name: `${photos[0] ?? ''} ×4, Done` });
    await job.waitFor({ timeout: 120_000 });
    expect(await job.getByLabel('Look').textContent()).toBe('detailed 0.6');
    const [queued] = (await api('jobsList', [{}])) as { settings: object }[];
    expect(queued?.settings).toMatchObject({ look: 'detailed', strength: 0.6 });
    await shot('queue-look');
  }, 180_000);

  it('keeps the default look and strength in Settings, and lists each model’s looks', async () => {
    await view('Settings');
    const settings = page.getByRole('group', { name: 'Look' });
    await settings.getByRole('radio', { name: 'Detailed' }).click();
    await settings.getByLabel('Detailed strength').fill('0.3');
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page
      // The built-in models are installed too, and ×2/×4 have a detailed look of their own.
      .getByText(
        /Models with a detailed look: (.+, )?YONOS tiny-looks ×4(, .+)?; the others stay faithful\./,
      )
      .waitFor();
    const looksOf = (name: string): Promise<string | null> =>
      page.getByRole('listitem', { name }).getByLabel('Looks').textContent();
    expect(await looksOf('YONOS tiny-looks ×4')).toMatch(/^\s*Looks: Faithful and Detailed/);
    expect((await looksOf('YONOS tiny ×2'))?.trim()).toBe('Looks: Faithful');
    await shot('settings-look');

    await page.reload();
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
    await view('Settings');
    const reloaded = page.getByRole('group', { name: 'Look' });
    await reloaded.getByRole('radio', { name: 'Detailed', checked: true }).waitFor();
    expect(await reloaded.getByLabel('Detailed strength').inputValue()).toBe('0.3');
    expect(await api('settingsGet', [])).toMatchObject({ look: 'detailed', strength: 0.3 });

    // The action bar starts from the default.
    await view('Library');
    await photo(photos[1] ?? '').click();
    await actionBar().getByRole('radio', { name: 'Detailed', checked: true }).waitFor();
    expect(await actionBar().getByLabel('Detailed strength').inputValue()).toBe('0.3');
  });

  it('compares faithful and detailed side by side on a region', async () => {
    await view('Library');
    await photo(photos[0] ?? '').click();
    await page.keyboard.press('Enter');
    const compare = page.getByRole('dialog', { name: 'Compare' });
    await compare.getByRole('img', { name: 'Enhanced ×4' }).waitFor();
    await compare.getByLabel('Strength for the looks preview').fill('1');
    await compare.getByRole('button', { name: 'Preview faithful vs detailed' }).click();
    const preview = compare.getByRole('complementary', { name: 'Looks preview' });
    const faithful = preview.getByRole('img', { name: 'Region in the faithful look' });
    const detailed = preview.getByRole('img', {
      name: 'Region in the detailed look at strength 1',
    });
    await detailed.waitFor({ timeout: 120_000 });
    expect(await faithful.getAttribute('src')).not.toBe(await detailed.getAttribute('src'));
    await preview.getByText(/^Faithful · \d+ ms$/).waitFor();
    await preview.getByText(/^Detailed 1 · \d+ ms$/).waitFor();
    expect((await preview.textContent())?.replace(/\s+/g, ' ')).toMatch(
      /after a warm-up run of both \(which took \d+ ms, loading the model and each look\)/,
    );
    await shot('compare-looks');
    await page.keyboard.press('Escape');
    await compare.waitFor({ state: 'detached' });
  }, 180_000);
});
