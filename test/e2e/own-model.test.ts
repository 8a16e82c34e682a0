/**
 * Bringing your own model, in Chromium over `yonos serve`: Settings → Models →
 * "Add model…" through the folder browser (a broken file is refused inline in
 * one line, the app keeps going), the new card, then the action bar upscales
 * the same photo with that model and with the YONOS model, and Compare offers
 * both versions side by side; then Remove, refused while a queued job uses the
 * model and forced on request, which leaves the file it came from alone.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badGraphs, srGraph } from '../support/graph-models.js';
import { writePhoto } from '../support/images.js';
import { launchChromium } from './chromium.js';
import { startServe, stopServe, type ServeProcess } from './serve-process.js';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let dataDir: string;
let modelsDir: string;

const view = (name: string): Promise<void> =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-own-model-'));
  modelsDir = path.join(dataDir, 'downloads');
  await mkdir(modelsDir);
  await writeFile(path.join(modelsDir, 'Squared x2.onnx'), srGraph({ scale: 2 }));
  await writeFile(
    path.join(modelsDir, 'broken.onnx'),
    badGraphs()['truncated.onnx']?.bytes ?? new Uint8Array(),
  );
  await writePhoto(path.join(dataDir, 'photos', 'street.jpg'), { width: 64, height: 48 });
  const [started, launched] = await Promise.all([
    startServe(['--data-dir', dataDir, '--device', 'cpu']),
    launchChromium(),
  ]);
  serve = started.serve;
  browser = launched;
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(started.url);
  await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
});

afterAll(async () => {
  await browser.close();
  await stopServe(serve);
  await rm(dataDir, { recursive: true, force: true });
});

describe('your own model', () => {
  it('adds a model through the folder browser; a broken file is refused in one line', async () => {
    await view('Settings');
    await page.getByRole('button', { name: 'Add model…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a model' });
    const goTo = dialog.getByLabel('Go to folder');
    await goTo.fill(modelsDir);
    await goTo.press('Enter');
    const files = dialog.getByRole('list', { name: 'Model files' });
    await files.getByRole('button', { name: 'broken.onnx' }).click();
    await dialog.getByRole('button', { name: 'Add model' }).click();
    const alert = dialog.getByRole('alert').filter({ hasText: 'Cannot use this model' });
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.textContent()).toMatch(
      /^Cannot use this model: it is not an ONNX model, or it is truncated \(.*\)\.$/,
    );

    await files.getByRole('button', { name: 'Squared x2.onnx' }).click();
    await dialog.getByLabel('Name').fill('My squares');
    await dialog.getByRole('button', { name: 'Add model' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    await page.getByRole('status').filter({ hasText: 'Added My squares (×2).' }).waitFor();
    const card = page.getByRole('list', { name: 'Installed models' }).getByRole('listitem', {
      name: 'My squares',
    });
    await card.getByText('your model · single graph').waitFor();
    await card.getByText(/Your own model \(Squared x2\.onnx\)/).waitFor();
  }, 180_000);

  it('upscales one photo with that model and with the YONOS model, and compares both', async () => {
    await view('Library');
    await page.getByRole('button', { name: 'Import photos…' }).click();
    const importer = page.getByRole('dialog', { name: 'Import photos' });
    const goTo = importer.getByLabel('Go to folder');
    await goTo.fill(path.join(dataDir, 'photos'));
    await goTo.press('Enter');
    await importer.getByRole('button', { name: 'Import “photos”' }).click();
    const photo = page.getByRole('option', { name: /^street\.jpg/ });
    await photo.click();

    const bar = page.getByRole('toolbar', { name: 'Upscale the selection' });
    await bar.getByRole('radio', { name: '×2' }).click();
    const model = bar.getByLabel('Model');
    await expect
      .poll(async () => (await model.locator('option').allTextContents()).join(' | '))
      .toMatch(/My squares \(yours\)/);
    await model.selectOption({ label: 'My squares (yours)' });
    // Your model has no detailed look, whatever the default ×2 model has: no Look control, no look sent.
    await bar.getByRole('radio', { name: 'Detailed' }).waitFor({ state: 'detached' });
    await bar.getByRole('button', { name: 'Upscale 1 photo' }).click();
    await page.getByRole('status').filter({ hasText: 'Queued 1 photo for ×2.' }).waitFor();
    await model.selectOption({ label: 'default for ×2' });
    await bar.getByRole('button', { name: 'Upscale 1 photo' }).click();
    await view('Queue');
    for (const index of [0, 1]) {
      await page
        .getByRole('listitem', { name: 'street.jpg ×2, Done' })
        .nth(index)
        .waitFor({ timeout: 300_000 });
    }

    await view('Library');
    await photo.click();
    await page.keyboard.press('Enter');
    const compare = page.getByRole('dialog', { name: 'Compare' });
    const versions = compare.getByLabel('Enhanced version');
    const listed = async (): Promise<string> =>
      (await versions.locator('option').allTextContents()).join(' | ');
    await expect.poll(listed).toMatch(/×2 · my-squares · 128 × 96/);
    expect(await listed()).toMatch(/×2 · yonos-photo-x2 · 128 × 96/);
    // The newest version (the YONOS one) is "after"; the own model's goes beside it.
    await compare.getByLabel('Compare with').selectOption({ label: 'with ×2 · my-squares' });
    await compare.getByRole('button', { name: 'Side by side' }).click();
    await compare.getByRole('img', { name: 'Enhanced ×2 by my-squares' }).waitFor();
    await compare.getByRole('img', { name: 'Enhanced ×2', exact: true }).waitFor();
    await compare.getByText('my-squares ×2', { exact: true }).waitFor();
    await compare.getByText('yonos-photo-x2 ×2', { exact: true }).waitFor();
  }, 480_000);

  it('removes the model after asking: refused while a queued job uses it, forced on request; the file it came from stays', async () => {
    await page.getByRole('button', { name: 'Close compare' }).click();
    // A job in the queue uses the model: the queue paused, the photo queued with it.
    await view('Queue');
    await page.getByRole('button', { name: 'Pause all' }).click();
    await page.getByRole('button', { name: 'Resume all' }).waitFor();
    await view('Library');
    await page.getByRole('option', { name: /^street\.jpg/ }).click();
    const bar = page.getByRole('toolbar', { name: 'Upscale the selection' });
    await bar.getByRole('radio', { name: '×2' }).click();
    await bar.getByLabel('Model').selectOption({ label: 'My squares (yours)' });
    await bar.getByRole('button', { name: 'Upscale 1 photo' }).click();
    await view('Queue');
    await page.getByRole('listitem', { name: 'street.jpg ×2, Waiting' }).waitFor();

    await view('Settings');
    const cards = page.getByRole('list', { name: 'Installed models' });
    await cards.getByRole('listitem', { name: 'My squares' }).waitFor();
    // Only the model you added can be removed, not the built-in ones.
    expect(await cards.getByRole('button', { name: /^Remove / }).count()).toBe(1);
    await cards.getByRole('button', { name: 'Remove My squares' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove My squares' });
    await dialog.getByText('The file you added it from is kept').waitFor();
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      '1 job in the queue uses model my-squares; cancel it first, or force the removal, which cancels it.',
    );
    expect(existsSync(path.join(dataDir, 'models', 'my-squares'))).toBe(true);

    await dialog.getByRole('button', { name: 'Force the removal' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByRole('status')
      .filter({ hasText: 'Removed My squares; 1 job cancelled.' })
      .waitFor();
    await cards.getByRole('listitem', { name: 'My squares' }).waitFor({ state: 'detached' });
    expect(existsSync(path.join(dataDir, 'models', 'my-squares'))).toBe(false);
    expect(existsSync(path.join(modelsDir, 'Squared x2.onnx'))).toBe(true);
    await view('Queue');
    await page.getByRole('listitem', { name: 'street.jpg ×2, Cancelled' }).waitFor();
    await page.getByRole('button', { name: 'Resume all' }).click();
  }, 180_000);
});
