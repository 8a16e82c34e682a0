/**
 * The app as a photographer uses it, in Chromium over `yonos serve`, by clicks
 * and keys only: import through the folder browser, the action bar with its
 * time estimate, the queue's honest ETA and progress after a reload, Compare
 * (zoom kept across layouts, labels, a smooth "before", the filmstrip), watch
 * folders whose activity turns into done, Settings' devices and model cards,
 * and per-photo reasons when queuing fails. Screenshots of every step go to
 * test-results/screenshots/photo-tool/; with YONOS_README_SCREENSHOTS=1 the
 * README's screenshots are written to docs/screenshots/ too.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeScene } from '../support/scenes.js';
import { launchChromium } from './chromium.js';
import { startServe, stopServe, type ServeProcess } from './serve-process.js';

const screenshots = path.resolve('test-results/screenshots/photo-tool');
const readmeScreenshots = path.resolve('docs/screenshots');
const lakes = [
  'Alpine lake.jpg',
  'Blue hour.jpg',
  'Crimson dusk.jpg',
  'Dawn haze.jpg',
  'Emerald night.jpg',
];

let serve: ServeProcess;
let openUrl: string;
let browser: Browser;
let page: Page;
let root: string;
let home: string;
let lakesDir: string;
let outDir: string;
let watchDir: string;

async function openPage(): Promise<Page> {
  const opened = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  opened.on('pageerror', (error) => {
    console.error(`page error in "${expect.getState().currentTestName ?? ''}":`, error.message);
  });
  await opened.goto(openUrl);
  await opened.getByRole('status').filter({ hasText: 'connected' }).waitFor();
  return opened;
}

/** A screenshot to look at; the README's ones also go to docs/, as small palette PNGs. */
async function shot(name: string, readme = false): Promise<void> {
  const file = path.join(screenshots, `${name}.png`);
  await page.screenshot({ path: file });
  if (readme && process.env.YONOS_README_SCREENSHOTS === '1') {
    await sharp(file)
      .png({ palette: true, quality: 90, compressionLevel: 9 })
      .toFile(path.join(readmeScreenshots, `${name}.png`));
  }
}

/** The part of a <canvas> the test reads (the tests compile without the DOM's types). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> };
  } | null;
}

const photo = (name: string): Locator =>
  page.getByRole('option', { name: new RegExp(`^${name.replace('.', '\\.')}`) });
/** The job rows' names, top to bottom. */
async function rowLabels(list: Locator): Promise<(string | null)[]> {
  const rows = await list.getByRole('listitem').all();
  return Promise.all(rows.map((row) => row.getAttribute('aria-label')));
}

const statusBar = (): Locator => page.getByRole('status', { name: 'Queue progress' });
const view = (name: string): Promise<void> =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-photo-tool-'));
  home = path.join(root, 'home');
  lakesDir = path.join(home, 'Pictures', 'Lakes');
  outDir = path.join(home, 'Upscaled');
  watchDir = path.join(home, 'Pictures', 'Incoming');
  await mkdir(path.join(home, 'Pictures', 'Trip 2'), { recursive: true });
  await mkdir(outDir, { recursive: true });
  await mkdir(watchDir, { recursive: true });
  await mkdir(screenshots, { recursive: true });
  if (process.env.YONOS_README_SCREENSHOTS === '1')
    await mkdir(readmeScreenshots, { recursive: true });
  for (const [seed, name] of lakes.entries()) {
    await writeScene(path.join(lakesDir, name), { width: 360, height: 240, seed });
  }
  // Home is the temporary home, so the folder browser starts there.
  const env = { ...process.env, HOME: home };
  const [started, launched] = await Promise.all([
    startServe(
      [
        '--data-dir',
        path.join(root, 'data'),
        '--threads',
        '1',
        '--models',
        path.resolve('test/fixtures/models'),
      ],
      env,
    ),
    launchChromium(),
  ]);
  ({ serve, url: openUrl } = started);
  browser = launched;
  page = await openPage();
}, 120_000);

afterAll(async () => {
  await browser.close();
  await stopServe(serve);
  await rm(root, { recursive: true, force: true });
});

describe('a photographer in Chromium over yonos serve', () => {
  it('starts in the dark neutral theme, empty, saying what to do', async () => {
    const empty = page.getByRole('heading', { name: 'Your library is empty' });
    await empty.waitFor();
    await page.getByText('click Import photos… or press Ctrl+O.').waitFor();
    const background = await page.evaluate<string>(
      'getComputedStyle(document.documentElement).backgroundColor',
    );
    expect(background).toBe('rgb(31, 31, 31)');
    expect(await statusBar().textContent()).toBe('Queue idle');
    await shot('library-empty');
  });

  it('opens the folder browser when photos are dropped on the window', async () => {
    // What a file manager's drag carries: files, without their paths (a page never sees those).
    const dropped = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['x'], 'a.jpg', { type: 'image/jpeg' }));
      return transfer;
    })()`);
    const library = page.getByRole('region', { name: 'Library' });
    await library.dispatchEvent('dragover', { dataTransfer: dropped });
    await library.dispatchEvent('drop', { dataTransfer: dropped });
    const dialog = page.getByRole('dialog', { name: 'Import photos' });
    await dialog.getByText('A browser cannot tell Yonos where dropped photos live').waitFor();
    await shot('import-after-drop');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('imports a folder picked in the folder browser, typing and clicking', async () => {
    await page.getByRole('button', { name: 'Import photos…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import photos' });
    const folders = dialog.getByRole('listbox', { name: 'Folders' });
    const field = dialog.getByLabel('Go to folder');
    await folders.getByRole('option', { name: 'Pictures' }).waitFor();
    await dialog.getByRole('navigation', { name: 'Places' }).getByText('Home').waitFor();

    // A path that is not there: a plain message, and the dialog stays.
    await field.fill('~/Nowhere');
    await field.press('Enter');
    await dialog
      .getByRole('alert')
      .filter({ hasText: `There is no folder at ${path.join(home, 'Nowhere')}.` })
      .waitFor();

    // Type-ahead: a few letters pick the folder, Enter opens it.
    await field.fill('pic');
    await expect
      .poll(() => folders.getByRole('option', { selected: true }).textContent())
      .toContain('Pictures');
    await field.press('Enter');
    await dialog.getByRole('navigation', { name: 'Folder path' }).getByText('Pictures').waitFor();
    await folders.getByRole('option', { name: 'Trip 2' }).waitFor();
    await folders.getByRole('option', { name: 'Lakes' }).click();
    await dialog.getByText('5 photos directly in this folder').waitFor();
    await shot('folder-browser');
    await dialog.getByRole('button', { name: 'Import “Lakes”' }).click();

    const grid = page.getByRole('listbox', { name: 'Photos' });
    await expect.poll(() => grid.getByRole('option').count()).toBe(lakes.length);

    // The folder now comes first among the recent places; the breadcrumbs lead back up.
    await page.getByRole('button', { name: 'Import photos…' }).click();
    await dialog.getByRole('navigation', { name: 'Places' }).getByText('Lakes').click();
    await dialog.getByText('5 photos directly in this folder').waitFor();
    await dialog.getByRole('navigation', { name: 'Folder path' }).getByText('Pictures').click();
    await folders.getByRole('option', { name: 'Lakes' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  }, 60_000);

  it('grows the thumbnails with the slider and moves through photos with the arrow keys', async () => {
    const width = async (): Promise<number> =>
      (await photo(lakes[0] ?? '').boundingBox())?.width ?? 0;
    const before = await width();
    await page.getByLabel('Thumbnail size').fill('320');
    await expect.poll(width).toBeGreaterThan(before + 50);

    // Newest first: the last photo written leads the grid.
    await photo(lakes[4] ?? '').click();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => photo(lakes[3] ?? '').getAttribute('aria-selected')).toBe('true');
    expect(await photo(lakes[4] ?? '').getAttribute('aria-selected')).toBe('false');
    await page.getByLabel('Thumbnail size').fill('200');
  });

  it('upscales the selection from the action bar, into a folder picked in the browser', async () => {
    await photo(lakes[0] ?? '').click();
    await photo(lakes[2] ?? '').click({ modifiers: ['Shift'] });
    const bar = page.getByRole('toolbar', { name: 'Upscale the selection' });
    await bar.getByRole('button', { name: 'Upscale 3 photos' }).waitFor();
    // Nothing ran on this machine yet: no speed to estimate with, and it says so.
    await bar
      .getByRole('status', { name: 'Estimated time' })
      .filter({ hasText: 'time shown after the first photo' })
      .waitFor();
    await bar.getByRole('radio', { name: '×2' }).click();
    await bar.getByRole('status').filter({ hasText: '1.0 MP out' }).waitFor();

    await bar.getByLabel('Output folder').selectOption('choose');
    const picker = page.getByRole('dialog', { name: 'Save upscaled photos in' });
    const field = picker.getByLabel('Go to folder');
    // The dialog's first listing may land after the typing and replace it: type again until it is in Upscaled.
    await vi.waitFor(
      async () => {
        await field.fill('~/Upscaled');
        await field.press('Enter');
        await picker
          .getByRole('navigation', { name: 'Folder path' })
          .getByRole('button', { name: 'Upscaled' })
          .waitFor({ timeout: 5_000 });
      },
      { timeout: 60_000, interval: 100 },
    );
    await picker.getByRole('button', { name: 'Choose this folder' }).click();
    await expect.poll(() => bar.getByLabel('Output folder').inputValue()).toBe(outDir);
    await shot('library-action-bar', true);

    await bar.getByRole('button', { name: 'Upscale 3 photos' }).click();
    const toast = page.getByRole('status').filter({ hasText: 'Queued 3 photos for ×2.' });
    await toast.getByRole('button', { name: 'Show the queue' }).click();
    const jobs = page.getByRole('list', { name: 'Jobs' });
    for (const name of lakes.slice(0, 3)) {
      await jobs.getByRole('listitem', { name: `${name} ×2, Done` }).waitFor({ timeout: 120_000 });
    }
    const first = jobs.getByRole('listitem', { name: `${lakes[0] ?? ''} ×2, Done` });
    await first.getByText('720 × 480').waitFor();
    await first.getByText(/^took \d/).waitFor();
    await first.getByText(`→ ${path.join(outDir, 'Alpine lake_x2.jpg')}`).waitFor();
    await first.getByRole('link', { name: `Open the upscaled ${lakes[0] ?? ''}` }).waitFor();
    // Finished jobs come newest first; they ran in the order of the selection
    // (the clicked photo, then the range the Shift-click added, top to bottom).
    const names = await rowLabels(jobs);
    expect(names).toEqual([lakes[1], lakes[2], lakes[0]].map((name) => `${name ?? ''} ×2, Done`));
    await expect.poll(() => statusBar().textContent()).toBe('Queue idle');
    await shot('queue-done');
  }, 240_000);

  it('estimates a batch from this machine’s speed, waiting photos included, and shows progress after a reload', async () => {
    await view('Library');
    await photo(lakes[0] ?? '').click();
    await photo(lakes[2] ?? '').click({ modifiers: ['Shift'] });
    const bar = page.getByRole('toolbar', { name: 'Upscale the selection' });
    await bar.getByRole('radio', { name: '×4' }).click();
    await bar
      .getByRole('status')
      .filter({ hasText: /on this machine$/ })
      .waitFor();
    await bar.getByLabel('Output folder').selectOption('');

    await view('Queue');
    await page.getByRole('button', { name: 'Pause all' }).click();
    await view('Library');
    await bar.getByRole('button', { name: 'Upscale 3 photos' }).click();
    await view('Queue');
    const summary = page.getByRole('status', { name: 'Batch summary' });
    // Nothing runs yet, still the batch has a time: each waiting photo at the measured speed.
    await summary.filter({ hasText: /^0 of 3 done · about \d+ (s|min) left · paused$/ }).waitFor();
    const jobs = page.getByRole('list', { name: 'Jobs' });
    await jobs
      .getByRole('listitem', { name: `${lakes[1] ?? ''} ×4, Waiting` })
      .getByText(/^will take about \d/)
      .waitFor();

    await page.getByRole('button', { name: 'Resume all' }).click();
    const running = jobs.getByRole('listitem', { name: / ×4, Running$/ });
    await running.getByText(/^\d+ \/ \d+ tiles · about/).waitFor({ timeout: 120_000 });
    // Running first, then the waiting ones, then the finished.
    const states = (await rowLabels(jobs)).map((label) => label?.split(', ')[1]);
    expect(states).toEqual(['Running', 'Waiting', 'Waiting', 'Done', 'Done', 'Done']);
    await statusBar()
      .filter({ hasText: /^Upscaling .+\.jpg · \d of \d+ done · about/ })
      .waitFor();
    await shot('queue-mid-batch', true);

    // A reload shows the running photo's tiles at once, not after its next tile.
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
    await view('Queue');
    const again = page
      .getByRole('list', { name: 'Jobs' })
      .getByRole('listitem', { name: / ×4, Running$/ });
    await again.getByText(/^\d+ \/ \d+ tiles · about/).waitFor({ timeout: 15_000 });
    await summary.filter({ hasText: /about \d+ (s|min) left$/ }).waitFor({ timeout: 15_000 });

    for (const name of lakes.slice(0, 3)) {
      await page.getByRole('listitem', { name: `${name} ×4, Done` }).waitFor({ timeout: 300_000 });
    }
    await page.getByRole('button', { name: 'Clear finished' }).click();
    await page.getByRole('heading', { name: 'All clear' }).waitFor();
  }, 480_000);

  it('compares fairly: zoom kept across layouts, labels, a smooth before, the filmstrip', async () => {
    await view('Library');
    await photo(lakes[1] ?? '').click();
    await page.keyboard.press('Enter');
    const compare = page.getByRole('dialog', { name: 'Compare' });
    await compare.getByRole('img', { name: 'Enhanced ×4' }).waitFor();
    await compare.getByRole('button', { name: '100%' }).click();
    await page.keyboard.press('s');
    await compare.getByRole('button', { name: 'Side by side', pressed: true }).waitFor();
    expect(await compare.getByLabel('Zoom level').textContent()).toBe('100%');
    await compare.getByText('Before', { exact: true }).waitFor();
    await compare.getByText('After ×4', { exact: true }).waitFor();
    await shot('compare-side-by-side');
    await page.keyboard.press('s');
    expect(await compare.getByLabel('Zoom level').textContent()).toBe('100%');

    // At 800% an original pixel covers 32 screen pixels: as pixels it is flat, smooth it is not.
    const distinctColours = (): Promise<number> =>
      compare.locator('canvas').evaluate((element) => {
        const canvas = element as unknown as Canvas;
        const y = Math.floor(canvas.height / 2);
        const row = canvas.getContext('2d')?.getImageData(0, y, canvas.width, 1).data ?? [];
        const colours = new Set<string>();
        for (let x = 0; x < row.length; x += 4)
          colours.add(`${row[x]},${row[x + 1]},${row[x + 2]}`);
        return colours.size;
      });
    await page.keyboard.press('8');
    await compare.getByRole('img', { name: 'Original, enlarged smoothly (bicubic)' }).waitFor();
    const smooth = await distinctColours();
    await page.keyboard.press('b');
    await compare.getByRole('img', { name: 'Original, enlarged as square pixels' }).waitFor();
    const pixels = await distinctColours();
    expect(pixels).toBeLessThan(60);
    expect(smooth).toBeGreaterThan(pixels * 2);
    await page.keyboard.press('b');

    await compare.getByRole('button', { name: '100%' }).click();
    await compare.getByRole('slider', { name: 'Before and after split' }).focus();
    await page.keyboard.press('ArrowLeft');
    await expect(statusBar().isVisible()).resolves.toBe(true);
    await shot('compare', true);

    // The filmstrip and Page Down / Page Up move between photos.
    const filmstrip = compare.getByRole('navigation', { name: 'Filmstrip' });
    await filmstrip.getByRole('button', { name: lakes[3] ?? '' }).click();
    await compare.getByRole('heading', { name: lakes[3] ?? '' }).waitFor();
    await compare.focus();
    await page.keyboard.press('PageDown');
    await compare.getByRole('heading', { name: lakes[2] ?? '' }).waitFor();
    await page.keyboard.press('PageUp');
    await compare.getByRole('heading', { name: lakes[3] ?? '' }).waitFor();

    await compare.getByLabel('Steps for the preview').fill('2');
    await compare.getByRole('button', { name: 'Preview 1 vs 2 steps' }).click();
    await compare
      .getByRole('img', { name: 'Region upscaled with 2 steps' })
      .waitFor({ timeout: 120_000 });
    const timing = await compare.getByRole('complementary', { name: 'Step preview' }).textContent();
    expect(timing?.replace(/\s+/g, ' ')).toMatch(
      /measured after a warm-up run \(which took \d+ ms, loading the model\)/,
    );
    await shot('compare-preview');
    await page.keyboard.press('Escape');
    await compare.waitFor({ state: 'detached' });
  }, 240_000);

  it('says, per photo, why one could not be queued', async () => {
    await rm(path.join(lakesDir, lakes[4] ?? ''));
    await photo(lakes[3] ?? '').click();
    await photo(lakes[4] ?? '').click({ modifiers: ['Control'] });
    const bar = page.getByRole('toolbar', { name: 'Upscale the selection' });
    await bar.getByRole('radio', { name: '×2' }).click();
    await bar.getByRole('button', { name: 'Upscale 2 photos' }).click();
    const toast = page
      .getByRole('alert')
      .filter({ hasText: 'Queued 1 photo for ×2; 1 photo could not be queued.' });
    await toast
      .getByRole('list', { name: 'Reasons' })
      .getByText(`${lakes[4] ?? ''}: no such file or folder`)
      .waitFor();
    await shot('queue-failure-reasons');
  });

  it('shows a watch folder’s last photo turning from queued into upscaled, also after a reload', async () => {
    await view('Watch folders');
    await page.getByRole('button', { name: 'Browse for the folder to watch' }).click();
    const picker = page.getByRole('dialog', { name: 'Watch this folder' });
    await picker.getByLabel('Go to folder').fill('~/Pictures/Incoming');
    await picker.getByLabel('Go to folder').press('Enter');
    await picker
      .getByRole('navigation', { name: 'Folder path' })
      .getByRole('button', { name: 'Incoming' })
      .waitFor();
    await picker.getByRole('button', { name: 'Choose this folder' }).click();
    await page
      .getByRole('form', { name: 'Add a watch folder' })
      .getByLabel('Scale')
      .selectOption('2');
    await page.getByRole('button', { name: 'Watch folder', exact: true }).click();
    const row = page.getByRole('listitem', { name: watchDir });
    await row.getByText('Watching').waitFor();

    await writeScene(path.join(watchDir, 'Fjord.jpg'), { width: 240, height: 160, seed: 7 });
    await row.getByText(/upscaled Fjord\.jpg$/).waitFor({ timeout: 120_000 });
    await shot('watch');
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
    await view('Watch folders');
    await page
      .getByRole('listitem', { name: watchDir })
      .getByText(/upscaled Fjord\.jpg$/)
      .waitFor();
  }, 180_000);

  it('offers only this platform’s devices, says which one runs, and leads model cards with what matters', async () => {
    await view('Settings');
    const device = page.getByLabel('Device', { exact: true });
    const options = await device.locator('option').allTextContents();
    expect(options.some((option) => option.includes('DirectML'))).toBe(
      process.platform === 'win32',
    );
    expect(options.some((option) => option.includes('CoreML'))).toBe(process.platform === 'darwin');
    await page
      .getByRole('status', { name: 'Device in use' })
      .filter({ hasText: 'In use: CPU.' })
      .waitFor();

    const card = page.getByRole('listitem', { name: 'YONOS tiny ×4' });
    await card.getByText('Makes photos 4× wider and taller (16× the pixels).').waitFor();
    await card.getByText(/^On this machine: about .+ for a 2000 × 1500 photo\.$/).waitFor();
    expect(await card.getByText('Degradation').isVisible()).toBe(false);
    await card.getByText('Technical card').click();
    await card.getByText('Degradation').waitFor();
    await shot('settings');

    await page.getByLabel('Theme').selectOption('light');
    await expect
      .poll(() =>
        page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor'),
      )
      .toBe('rgb(242, 242, 242)');
    await page.getByLabel('Theme').selectOption('dark');
  });
});
