/**
 * End to end through the whole stack: `yonos serve` (real core, real SQLite
 * file, real engine: the shipped ×4 model when installed, else the tiny
 * fixture models) driven in Chromium. Screenshots of each main view go to
 * test-results/screenshots/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhoto } from '../support/images.js';
import { launchChromium } from './chromium.js';
import {
  startServe as startServeProcess,
  stopServe as stopServeProcess,
  type ServeProcess,
} from './serve-process.js';

const screenshots = path.resolve('test-results/screenshots');
const shippedModel = path.resolve('native-models/yonos-photo-x4/manifest.json');
// The fixture models are always added: the batch below runs ×2, which only they provide
// until the shipped ×2 model lands. The engine prefers --models folders, so with
// the shipped ×4 model present the ×4 flow must not pass them for ×4… it can't
// choose per scale, hence: shipped model present → no --models, batch at ×4.
const useShipped = existsSync(shippedModel);
const batchScale = useShipped ? 4 : 2;
const modelArgs = useShipped ? [] : ['--models', path.resolve('test/fixtures/models')];

let serve: ServeProcess;
let openUrl: string;
let browser: Browser;
let page: Page;
let dataDir: string;
let photosDir: string;
let watchDir: string;
const photoNames = ['alpha.jpg', 'bravo.jpg', 'charlie.jpg', 'delta.jpg', 'echo.jpg'];

async function startServe(): Promise<string> {
  const started = await startServeProcess(['--data-dir', dataDir, '--threads', '1', ...modelArgs]);
  serve = started.serve;
  return started.url;
}

const stopServe = (): Promise<void> => stopServeProcess(serve);

async function openPage(url: string): Promise<Page> {
  const opened = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  opened.on('pageerror', (error) => {
    console.error('page error:', error.message);
  });
  await opened.goto(url);
  await opened.getByRole('status').filter({ hasText: 'connected' }).waitFor();
  return opened;
}

function shot(name: string, target: Page = page): Promise<Buffer> {
  return target.screenshot({ path: path.join(screenshots, `${name}.png`) });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-app-'));
  photosDir = path.join(dataDir, 'photos');
  watchDir = path.join(dataDir, 'incoming');
  await mkdir(watchDir, { recursive: true });
  await mkdir(screenshots, { recursive: true });
  for (const [seed, name] of photoNames.entries()) {
    await writePhoto(path.join(photosDir, name), { width: 96, height: 64, seed: seed + 1 });
  }
  [openUrl, browser] = await Promise.all([startServe(), launchChromium()]);
  page = await openPage(openUrl);
}, 120_000);

afterAll(async () => {
  await browser.close();
  await stopServe();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the app in Chromium over yonos serve', () => {
  it('starts empty and says what to do', async () => {
    await page.getByRole('heading', { name: 'Your library is empty' }).waitFor();
    await shot('library-empty');
  });

  it('keeps a path typed while the first folder is still loading, and goes there on Enter', async () => {
    // The first listing (the home folder) answers only after the path is typed.
    let answerFirst = (): void => undefined;
    const firstAnswered = new Promise<void>((resolve) => (answerFirst = resolve));
    let held = 0;
    await page.route('**/api/browseFolder', async (route) => {
      if (held++ === 0) await firstAnswered;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Import photos…' }).click();
    await page.getByLabel('Go to folder').fill(photosDir);
    answerFirst();
    await page.getByRole('status').filter({ hasText: 'directly in this folder' }).waitFor();
    expect(await page.getByLabel('Go to folder').inputValue()).toBe(photosDir);
    await page.getByLabel('Go to folder').press('Enter');
    await page.getByRole('button', { name: 'Import “photos”' }).waitFor();
    await page.unroute('**/api/browseFolder');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('imports a folder of photos through the folder browser', async () => {
    await page.getByRole('button', { name: 'Import photos…' }).click();
    await page.getByLabel('Go to folder').fill(photosDir);
    await page.getByLabel('Go to folder').press('Enter');
    await page.getByRole('button', { name: 'Import “photos”' }).click();
    const grid = page.getByRole('listbox', { name: 'Photos' });
    await expect.poll(() => grid.getByRole('option').count()).toBe(photoNames.length);
    await page.getByRole('button', { name: /^photos \d/ }).waitFor();
    await shot('library');
  });

  it('upscales one photo ×4 from the context menu, to 100%, and compares it', async () => {
    await page.getByRole('option', { name: /^alpha\.jpg/ }).click({ button: 'right' });
    await page.getByRole('menu', { name: 'Photo actions' }).waitFor();
    await shot('library-context-menu');
    await page.getByRole('menuitem', { name: 'Upscale ×4' }).click();

    await page.getByRole('button', { name: /^Queue/ }).click();
    const job = page.getByRole('listitem', { name: 'alpha.jpg ×4, Done' });
    await job.waitFor({ timeout: 120_000 });
    await expect.poll(() => job.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await shot('queue');

    await job.getByRole('button', { name: 'Compare alpha.jpg' }).click();
    const compare = page.getByRole('dialog', { name: 'Compare' });
    const enhanced = compare.getByRole('img', { name: 'Enhanced ×4' });
    await expect
      .poll(() =>
        enhanced.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBe(96 * 4);
    await compare.getByRole('button', { name: '100%' }).click();
    await compare.getByRole('button', { name: 'Fit' }).click();
    await shot('compare-slider');

    await compare.getByRole('button', { name: 'Side by side' }).click();
    await compare.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(() => compare.getByLabel('Zoom level').textContent()).toBe('200%');
    await shot('compare-side-by-side');

    await compare.getByRole('button', { name: 'Slider' }).click();
    await compare.getByLabel('Steps for the preview').fill('2');
    await compare.getByRole('button', { name: 'Preview 1 vs 2 steps' }).click();
    await compare
      .getByRole('img', { name: 'Region upscaled with 2 steps' })
      .waitFor({ timeout: 120_000 });
    await shot('compare-preview');
    await page.keyboard.press('Escape');
    await compare.waitFor({ state: 'detached' });
  }, 240_000);

  it('runs a batch and cancels one job of it', async () => {
    await page.getByRole('button', { name: 'Pause all' }).click();
    await page.getByRole('button', { name: 'Resume all' }).waitFor();

    await page.getByRole('button', { name: 'Library' }).click();
    await page.getByRole('option', { name: /^bravo\.jpg/ }).click();
    await page.keyboard.press('Control+a');
    await page.getByRole('option', { name: /^charlie\.jpg/ }).click({ button: 'right' });
    await page
      .getByRole('menuitem', { name: `Upscale ×${batchScale} (${photoNames.length} photos)` })
      .click();

    await page.getByRole('button', { name: /^Queue/ }).click();
    await page.getByRole('listitem', { name: `delta.jpg ×${batchScale}, Waiting` }).waitFor();
    await page.getByRole('button', { name: 'Cancel delta.jpg' }).click();
    await page.getByRole('listitem', { name: `delta.jpg ×${batchScale}, Cancelled` }).waitFor();
    await shot('queue-batch-paused');
    await page.getByRole('button', { name: 'Resume all' }).click();

    for (const name of photoNames.filter((photo) => photo !== 'delta.jpg')) {
      await page
        .getByRole('listitem', {
          name: new RegExp(`^${name.replace('.', '\\.')} ×${batchScale}, Done`),
        })
        .waitFor({ timeout: 180_000 });
    }
    expect(
      await page.getByRole('listitem', { name: `delta.jpg ×${batchScale}, Cancelled` }).count(),
    ).toBe(1);
    await shot('queue-batch-done');
  }, 400_000);

  it('watches a folder: a new photo there is queued', async () => {
    await page.getByRole('button', { name: 'Watch folders' }).click();
    await page.getByRole('heading', { name: 'No watched folders' }).waitFor();
    await page.getByLabel('Folder', { exact: true }).fill(watchDir);
    await page.getByRole('button', { name: 'Watch folder', exact: true }).click();
    const row = page.getByRole('listitem', { name: watchDir });
    await row.getByText('Watching').waitFor();

    await writePhoto(path.join(watchDir, 'foxtrot.jpg'), { width: 64, height: 48, seed: 42 });
    await row.getByText(/(queued|upscaling|upscaled) foxtrot\.jpg/).waitFor({ timeout: 90_000 });
    await row.getByRole('button', { name: /^Pause watching/ }).click();
    await row.getByText('Paused').waitFor();
    await shot('watch');
  }, 120_000);

  it('keeps settings across a restart', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    // The device Automatic uses, from the once-per-machine GPU check (no GPU here: the CPU, and why).
    await page.getByText(/^Automatic uses: (cpu|webgpu|cuda)/).waitFor();
    await page.getByLabel('Default scale').selectOption('2');
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.getByLabel('Format').selectOption('webp');
    await page.getByLabel('File names').fill('{name}-yonos{scale}');
    await page.getByLabel('File names').blur();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).count()).toBe(1);
    await page
      .getByRole('list', { name: 'Installed models' })
      .getByRole('listitem')
      .first()
      .waitFor();
    await shot('settings');

    await page.close();
    await stopServe();
    page = await openPage(await startServe());
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => page.getByLabel('Default scale').inputValue()).toBe('2');
    expect(await page.getByLabel('Format').inputValue()).toBe('webp');
    expect(await page.getByLabel('File names').inputValue()).toBe('{name}-yonos{scale}');
  }, 120_000);

  it('is dark and neutral grey by default, whatever the OS theme', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Library' }).click();
    await expect
      .poll(() => page.getByRole('listbox', { name: 'Photos' }).getByRole('option').count())
      .toBeGreaterThan(0);
    const background = await page.evaluate<string>(
      'getComputedStyle(document.documentElement).backgroundColor',
    );
    expect(background).toBe('rgb(31, 31, 31)');
    await shot('library-dark');
  });
});
