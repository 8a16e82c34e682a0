/**
 * The channels the full UI added: settings kept in the library database,
 * the system report (providers, model cards), the 1-step vs N-step preview,
 * and the image access rules the compare view's routes rely on.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { appSettingsSchema, systemInfoSchema } from '../../common/contract.js';
import { YonosApp } from '../../main/app/app.js';
import { openImage, openInsideRoots, parseImageRef } from '../../main/library/image-access.js';
import { createServices } from '../../main/app/services.js';
import { defaultSettings } from '../../main/library/settings-store.js';
import { writePhoto } from '../support/images.js';
import { fixtureModelsDir, tempApp, tempDir } from '../support/temp.js';

describe('settings', () => {
  it('start from the defaults and persist across a reopen', async () => {
    const dataDir = await tempDir('yonos-data-');
    const first = YonosApp.open({ dataDir });
    const services = createServices(first);
    expect(await services.settingsGet()).toEqual(defaultSettings);
    const changed = await services.settingsSet({ scale: 2, format: 'webp', quality: 70 });
    expect(changed).toMatchObject({ scale: 2, format: 'webp', quality: 70, device: 'auto' });
    await first.close();

    const second = YonosApp.open({ dataDir });
    expect(createServices(second).settingsGet()).toEqual(changed);
    await second.close();
  });

  it('refuse values the schema does not allow', async () => {
    const app = await tempApp();
    expect(() => app.settings.set({ quality: 0 })).toThrow();
    expect(() => app.settings.set({ template: '' })).toThrow();
    expect(appSettingsSchema.parse(app.settings.get())).toEqual(defaultSettings);
  });

  it('fill what an enqueue request leaves out', async () => {
    const app = await tempApp();
    const folder = await tempDir();
    const photo = await writePhoto(path.join(folder, 'a.jpg'));
    const services = createServices(app);
    await services.settingsSet({ format: 'png', template: '{name}-big{scale}' });
    const { jobIds } = await services.jobsEnqueue({ inputs: [photo], scale: 2 });
    const job = await services.jobsGet(jobIds[0] ?? 0);
    expect(job.output).toBe(path.join(folder, 'a-big2.png'));
    expect(job.settings.format).toBe('png');
  });
});

describe('systemInfo', () => {
  it('lists the providers auto tries, the device it uses (and why not a GPU) and the model cards', async () => {
    const app = await tempApp({ modelDirs: [fixtureModelsDir] });
    const info = systemInfoSchema.parse(await createServices(app).systemInfo());
    expect(info.providers.at(-1)).toBe('cpu');
    expect(info.providers[0]).toBe(info.autoDevice.provider);
    expect(info.autoDevice.checks.map((check) => check.provider)).toContain('webgpu');
    if (info.autoDevice.provider === 'cpu') {
      expect(info.autoDevice.summary).toMatch(/^cpu \(WebGPU: [^)]+\)+$/);
    }
    expect(info.models.map((model) => model.id)).toEqual(
      expect.arrayContaining(['yonos-tiny-x2', 'yonos-tiny-x4']),
    );
    expect(info.modelFolders[0]).toBe(fixtureModelsDir);
    expect(info.userModelsDir).toBe(path.join(app.dataDir, 'models'));
  });
});

describe('previewRegion', () => {
  it('upscales a region with 1 and with N steps', async () => {
    const app = await tempApp({ modelDirs: [fixtureModelsDir], threads: 1 });
    const folder = await tempDir();
    await writePhoto(path.join(folder, 'p.jpg'), { width: 64, height: 48 });
    const services = createServices(app);
    const [photoId] = (await services.libraryImport({ paths: [folder] })).photoIds;
    const preview = await services.previewRegion({
      photoId: photoId ?? 0,
      x: 50,
      y: 40,
      width: 16,
      height: 16,
      scale: 2,
      steps: 2,
      modelId: 'yonos-tiny-x2',
    });
    expect(preview.steps).toBe(2);
    for (const url of [preview.oneStep, preview.multiStep]) {
      const png = Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64');
      // The region is clamped inside the photo: 16 × 16 from (48, 32).
      expect(await sharp(png).metadata()).toMatchObject({ width: 32, height: 32 });
    }
  });
});

describe('image access', () => {
  it('keeps paths inside the roots, whatever their dot segments', async () => {
    const parent = await tempDir();
    const root = path.join(parent, 'trip');
    await writePhoto(path.join(root, 'sub', 'a.jpg'));
    await writePhoto(path.join(parent, 'secret.jpg'));
    const sibling = await writePhoto(path.join(`${root}-other`, 'a.jpg'));
    await (await openInsideRoots(path.join(root, 'sub', '..', 'sub', 'a.jpg'), [root])).close();
    const escaping = path.join(root, 'sub', '..', '..', 'secret.jpg');
    await expect(openInsideRoots(escaping, [root])).rejects.toThrow(
      `${escaping} leads outside the library folders`,
    );
    await expect(openInsideRoots(sibling, [root])).rejects.toThrow(/outside/);
  });

  it('parses only photo and version references', () => {
    expect(parseImageRef('photo/12')).toEqual({ kind: 'photo', id: 12 });
    expect(parseImageRef('version/3')).toEqual({ kind: 'version', id: 3 });
    expect(parseImageRef('photo/../../etc/passwd')).toBeNull();
    expect(parseImageRef('thumbnail/1')).toBeNull();
  });

  it('opens library photos and nothing else', async () => {
    const app = await tempApp();
    const folder = await tempDir();
    const file = await writePhoto(path.join(folder, 'x.jpg'));
    const [id] = (await createServices(app).libraryImport({ paths: [file] })).photoIds;
    const image = await openImage(app.db, `photo/${id ?? 0}`);
    expect(image).toMatchObject({ type: 'image/jpeg', size: (await stat(file)).size });
    await image?.handle.close();
    expect(await openImage(app.db, 'photo/999')).toBeNull();
    expect(await openImage(app.db, 'version/1')).toBeNull();
  });
});
