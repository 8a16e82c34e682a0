/**
 * The batch progress view (the desktop app's small window for a file-manager
 * batch) over `yonos serve`: a batch queued through the API shows its
 * progress, then its completion, and "Open Yonos" turns the page into the app.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnqueueResult } from '../../common/contract.js';
import { writePhoto } from '../support/images.js';
import { launchChromium } from './chromium.js';
import { startServe, stopServe, type ServeProcess } from './serve-process.js';

const screenshots = path.resolve('test-results/screenshots');
let serve: ServeProcess;
let openUrl: URL;
let browser: Browser;
let dataDir: string;

/** Calls the service contract the way the page does: POST /api/<channel> with the token. */
async function call(channel: string, ...args: unknown[]): Promise<unknown> {
  const response = await fetch(new URL(`/api/${channel}`, openUrl), {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${openUrl.searchParams.get('token') ?? ''}`,
      'Content-Type': 'application/json',
      Origin: openUrl.origin,
    },
    body: JSON.stringify(args),
  });
  expect(response.status).toBe(200);
  return response.json();
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'yonos-e2e-batch-'));
  await mkdir(screenshots, { recursive: true });
  // The tiny fixture models: this test is about the view, not the pictures.
  const [started, launched] = await Promise.all([
    startServe([
      '--data-dir',
      dataDir,
      '--threads',
      '1',
      '--models',
      path.resolve('test/fixtures/models'),
    ]),
    launchChromium(),
  ]);
  serve = started.serve;
  openUrl = new URL(started.url);
  browser = launched;
}, 120_000);

afterAll(async () => {
  await browser.close();
  await stopServe(serve);
  await rm(dataDir, { recursive: true, force: true });
});

describe('the batch progress view', () => {
  it('shows a batch going from waiting to finished', async () => {
    const files = [
      await writePhoto(path.join(dataDir, 'Fotos für Oma', 'été 2024.jpg'), { seed: 1 }),
      await writePhoto(path.join(dataDir, 'Fotos für Oma', 'b.jpg'), { seed: 2 }),
    ];
    // Paused, so the view is seen before any work is done.
    await call('jobsPause', {});
    const { batchId } = (await call('jobsEnqueue', {
      inputs: files,
      scale: 4,
      label: 'Upscale ×4 (file manager)',
    })) as EnqueueResult;

    const page = await browser.newPage({ viewport: { width: 420, height: 200 } });
    page.on('pageerror', (error) => {
      console.error('page error:', error.message);
    });
    const viewUrl = new URL(openUrl);
    viewUrl.searchParams.set('view', 'batch');
    viewUrl.searchParams.set('batch', String(batchId));
    await page.goto(viewUrl.href);

    const view = page.getByRole('region', { name: 'Batch progress' });
    await view.getByRole('heading', { name: 'Upscaling 2 photos ×4' }).waitFor();
    await view.getByRole('status').filter({ hasText: '0 of 2 done' }).waitFor();
    const bar = view.getByRole('progressbar', { name: 'Batch progress' });
    expect(await bar.getAttribute('aria-valuenow')).toBe('0');
    expect(await view.getByRole('button', { name: 'Cancel' }).isEnabled()).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'batch-waiting.png') });

    await call('jobsResume', {});
    await view
      .getByRole('status')
      .filter({ hasText: 'Finished: 2 of 2 upscaled' })
      .waitFor({ timeout: 120_000 });
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect(await view.getByRole('button', { name: 'Cancel' }).isEnabled()).toBe(false);
    await page.screenshot({ path: path.join(screenshots, 'batch-finished.png') });

    await view.getByRole('button', { name: 'Open Yonos' }).click();
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
    expect(page.url()).not.toContain('view=batch');
    await page.close();
  }, 180_000);
});
