/**
 * The cluster in the app, end to end: `yonos serve --cluster` on a real
 * redis-server (with a password) and a real `yonos worker` process, driven in
 * Chromium. The Queue view lists the live worker; Settings → Cluster shows the
 * Redis address with its password masked and the same worker. Without
 * `--cluster`, Settings says the app is not in a cluster. Jobs for a model
 * no live worker has raise a warning in the Queue view.
 */
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelWithOtherVersion, startWorker } from '../support/cluster.js';
import { writePhoto } from '../support/images.js';
import { startRedis } from '../support/redis.js';
import { fixtureModelsDir, onCleanup, tempDir } from '../support/temp.js';
import { launchChromium } from './chromium.js';
import { startServe, stopServe } from './serve-process.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
});

async function openApp(args: string[]): Promise<{ page: Page; url: string }> {
  const dataDir = await tempDir('yonos-e2e-cluster-data-');
  const { serve, url } = await startServe([
    '--data-dir',
    dataDir,
    '--models',
    fixtureModelsDir,
    ...args,
  ]);
  onCleanup(() => stopServe(serve));
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  onCleanup(() => page.close());
  await page.goto(url);
  await page.getByRole('status').filter({ hasText: 'connected' }).waitFor();
  return { page, url };
}

/** One contract call over the app's HTTP API, as the page makes it. */
async function call(url: string, channel: string, ...args: unknown[]): Promise<unknown> {
  const { origin, searchParams } = new URL(url);
  const reply = await fetch(`${origin}/api/${channel}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${String(searchParams.get('token'))}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(args),
  });
  expect(reply.status, await reply.clone().text()).toBe(200);
  return reply.json();
}

const view = (page: Page, name: string | RegExp): Promise<void> =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name }).click();

describe('the cluster in the app', () => {
  it('lists a live worker in the Queue view and in Settings, with the Redis password masked', async () => {
    const redis = await startRedis({ password: 's3cret-pass' });
    const worker = await startWorker(redis.url);
    const { page } = await openApp(['--cluster', redis.url]);

    await view(page, /^Queue/);
    const cluster = page.getByRole('region', { name: 'Cluster' });
    await expect
      .poll(() => cluster.getByRole('list', { name: 'Cluster workers' }).textContent(), {
        timeout: 60_000,
      })
      .toContain(os.hostname());
    await expect.poll(() => cluster.textContent()).toMatch(/1 worker · 0 jobs waiting/);
    expect(worker.child.exitCode).toBeNull();

    await view(page, 'Settings');
    const settings = page.getByRole('region', { name: 'Cluster settings' });
    await expect
      .poll(() => settings.getByLabel('Redis address').textContent())
      .toBe(`redis://:***@127.0.0.1:${String(redis.port)}`);
    await expect
      .poll(() => settings.getByRole('list', { name: 'Live workers' }).textContent(), {
        timeout: 60_000,
      })
      .toMatch(/ · 0\/1 running · 0 done · speed not measured yet/);
    expect(await page.content()).not.toContain('s3cret-pass');
  });

  it('says so in Settings when the app is not in a cluster', async () => {
    const { page } = await openApp([]);
    await view(page, 'Settings');
    await page
      .getByRole('region', { name: 'Cluster settings' })
      .getByText('Not in a cluster (start yonos serve --cluster redis://…).')
      .waitFor();
    await view(page, /^Queue/);
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    expect(await page.getByRole('region', { name: 'Cluster' }).count()).toBe(0);
  });

  it('warns in the Queue view of a model no live worker has', async () => {
    const redis = await startRedis();
    await startWorker(redis.url, await modelWithOtherVersion('yonos-tiny-x2', '0.2.0'));
    const { page, url } = await openApp(['--cluster', redis.url]);
    const photo = path.join(await tempDir('yonos-e2e-photos-'), 'street.jpg');
    await writePhoto(photo, { width: 48, height: 40, seed: 1 });
    await call(url, 'jobsEnqueue', {
      inputs: [photo],
      scale: 2,
      modelId: 'yonos-tiny-x2',
      outDir: await tempDir('yonos-e2e-out-'),
    });

    await view(page, /^Queue/);
    const cluster = page.getByRole('region', { name: 'Cluster' });
    await cluster
      .getByRole('alert')
      .filter({ hasText: /^No live worker has yonos-tiny-x2 0\.1\.0 \(\w+\): its jobs wait/ })
      .waitFor({ timeout: 60_000 });
    await expect.poll(() => cluster.textContent()).toMatch(/1 worker · 1 job waiting/);
  });
});
