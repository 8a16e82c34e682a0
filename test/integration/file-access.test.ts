/**
 * Library files are read only where their real path lies inside the allowed
 * roots, however the path on record has been swapped since the import: the
 * full-size image route, thumbnails and previews over real HTTP (the media
 * protocol has the same test with electron mocked, in electron-glue.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../main/server/web-host.js';
import type { YonosApp } from '../../main/app/app.js';
import { openImage, openInsideRoots } from '../../main/library/image-access.js';
import { createServices } from '../../main/app/services.js';
import { writePhoto } from '../support/images.js';
import { fixtureModelsDir, tempApp, tempDir } from '../support/temp.js';

const token = 'file-access-token';
let app: YonosApp;
let host: WebHost;
let library: string;
let photo: string;
let photoId: number;
let secret: string;

beforeEach(async () => {
  app = await tempApp({ modelDirs: [fixtureModelsDir], threads: 1 });
  library = await tempDir('yonos-library-');
  photo = await writePhoto(path.join(library, 'a.jpg'), { width: 64, height: 48, seed: 1 });
  // A real photo outside every root, so that reading it would succeed if allowed.
  secret = await writePhoto(path.join(await tempDir('yonos-private-'), 'secret.jpg'), {
    width: 64,
    height: 48,
    seed: 99,
  });
  const services = createServices(app);
  [photoId = 0] = (await services.libraryImport({ paths: [library] })).photoIds;
  host = await startWebHost({
    rendererDir: library,
    services,
    token,
    openImage: (ref) => openImage(app.db, ref),
  });
});

afterEach(async () => {
  await host.close();
});

async function fetchApi(pathname: string, body?: unknown): Promise<Response> {
  return fetch(`${host.origin}${pathname}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** What `ln -sfn target link` does. */
async function replaceWithLink(link: string, target: string): Promise<void> {
  await rm(link);
  await symlink(target, link);
}

const previewArgs = () => [
  { photoId, x: 0, y: 0, width: 16, height: 16, scale: 2, steps: 2, modelId: 'yonos-tiny-x2' },
];

describe('a library photo replaced by a link that leaves the roots', () => {
  it('is served while it is the imported file', async () => {
    const reply = await fetchApi(`/api/file/photo/${photoId}`);
    expect(reply.status).toBe(200);
    expect(Buffer.from(await reply.arrayBuffer())).toEqual(await readFile(photo));
  });

  it('is refused by the full-size image route', async () => {
    await replaceWithLink(photo, secret);
    const reply = await fetchApi(`/api/file/photo/${photoId}`);
    expect(reply.status).toBe(404);
    expect(await reply.json()).toEqual({ error: 'No such image' });
  });

  it('is refused by thumbnails, with a 403 that says why', async () => {
    await replaceWithLink(photo, secret);
    const reply = await fetchApi('/api/libraryThumbnail', [photoId]);
    expect(reply.status).toBe(403);
    expect(await reply.json()).toEqual({
      error: `${photo} leads outside the library folders; it is not read.`,
    });
  });

  it('is refused by previews', async () => {
    await replaceWithLink(photo, secret);
    const reply = await fetchApi('/api/previewRegion', previewArgs());
    expect(reply.status).toBe(403);
  });

  it('is refused when it is a FIFO, without hanging', async () => {
    if (process.platform === 'win32') return;
    await rm(photo);
    execFileSync('mkfifo', [photo]);
    expect((await fetchApi(`/api/file/photo/${photoId}`)).status).toBe(404);
    expect((await fetchApi('/api/libraryThumbnail', [photoId])).status).toBe(403);
  });
});

describe('links that stay inside the roots', () => {
  it('are followed: a photo linked to another library photo is served', async () => {
    const other = await writePhoto(path.join(library, 'sub', 'c.jpg'), { seed: 3 });
    await replaceWithLink(photo, other);
    const reply = await fetchApi(`/api/file/photo/${photoId}`);
    expect(reply.status).toBe(200);
    expect(Buffer.from(await reply.arrayBuffer())).toEqual(await readFile(other));
    expect((await fetchApi('/api/libraryThumbnail', [photoId])).status).toBe(200);
  });
});

describe('opening inside the roots', () => {
  it('reads the file it checked, even when the path is swapped for a link right after', async () => {
    const original = await readFile(photo);
    const handle = await openInsideRoots(photo, [library]);
    try {
      await replaceWithLink(photo, secret);
      expect(await handle.readFile()).toEqual(original);
    } finally {
      await handle.close();
    }
  });

  it('resolves the roots too: a root that is a link counts where it leads', async () => {
    const linkedRoot = path.join(await tempDir(), 'linked');
    await symlink(library, linkedRoot);
    const handle = await openInsideRoots(photo, [linkedRoot]);
    await handle.close();
    await expect(openInsideRoots(secret, [linkedRoot])).rejects.toThrow(/outside/);
  });

  it('refuses what is not a regular file', async () => {
    await expect(openInsideRoots(library, [library])).rejects.toThrow(/not a file/);
  });
});
