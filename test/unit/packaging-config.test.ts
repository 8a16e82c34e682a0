/**
 * electron-builder.yml, checked with electron-builder's own loader, schema and
 * file matching against the real node_modules, since packaging itself cannot
 * run here (no Electron binary to download).
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Configuration } from 'electron-builder';
import { beforeAll, describe, expect, it } from 'vitest';
import { openWithExtensions } from '../../main/integration/windows-verbs.js';
import { isPhotoFile } from '../../main/library/photo-files.js';
import {
  appFilesFilter,
  asarUnpackFilter,
  desktopEntryKeys,
  extraResources,
  linuxDesktopEntries,
  loadBuilderConfig,
  nodeModulesFilter,
  repoRoot,
  selectFiles,
  validateBuilderConfig,
  type BuildTarget,
} from '../support/electron-builder.js';
import { must } from '../support/must.js';

let config: Configuration;
beforeAll(async () => {
  config = await loadBuilderConfig();
});

/** Every platform and arch electron-builder.yml builds. */
const buildTargets: BuildTarget[] = [
  { platform: 'mac', arch: 'arm64' },
  { platform: 'win', arch: 'x64' },
  { platform: 'win', arch: 'arm64' },
  { platform: 'linux', arch: 'x64' },
  { platform: 'linux', arch: 'arm64' },
];
const targetName = ({ platform, arch }: BuildTarget): string => `${platform} ${arch}`;

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(validateBuilderConfig(config)).resolves.toBeUndefined();
  });

  it('builds the installers of each platform for its architectures', () => {
    expect(config.mac?.target).toEqual([
      { target: 'dmg', arch: 'arm64' },
      { target: 'zip', arch: 'arm64' },
    ]);
    expect(config.win?.target).toEqual([
      { target: 'nsis', arch: ['x64', 'arm64'] },
      { target: 'zip', arch: ['x64', 'arm64'] },
    ]);
    expect(config.linux?.target).toEqual(
      ['AppImage', 'deb', 'rpm'].map((target) => ({ target, arch: ['x64', 'arm64'] })),
    );
  });

  it('packs the app into an asar archive and rebuilds native modules for Electron', () => {
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(false);
  });

  it('flips the hardening fuses, Run-as-Node off', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      resetAdHocDarwinSignature: true,
    });
  });

  it('has nothing that relies on running the app as plain Node (runAsNode is off)', async () => {
    const sources = await readdir(path.join(repoRoot, 'main'), { recursive: true });
    const users: string[] = [];
    for (const file of sources.filter((name) => name.endsWith('.ts'))) {
      const text = await readFile(path.join(repoRoot, 'main', file), 'utf8');
      if (text.includes('ELECTRON_RUN_AS_NODE')) users.push(file);
    }
    expect(users).toEqual([]);
  });

  it('uses an icon large enough for every platform (macOS needs 512×512)', async () => {
    const png = await readFile(path.join(repoRoot, must(config.icon, 'icon')));
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(width).toBe(height);
    expect(width).toBeGreaterThanOrEqual(512);
  });
});

describe('the files in each build', () => {
  it.each(buildTargets)(
    '$platform $arch: only dist/ (no source maps) and package.json of the project itself',
    async (target) => {
      const files = await selectFiles('.', appFilesFilter(config, target));
      expect(files).toContain('package.json');
      const strays = files.filter(
        (file) => file !== 'package.json' && !(file.startsWith('dist/') && !file.endsWith('.map')),
      );
      expect(strays, targetName(target)).toEqual([]);
    },
  );

  it.each(buildTargets)(
    '$platform $arch: everything the app loads at run time is in it',
    (target) => {
      const included = appFilesFilter(config, target);
      // Asked of the patterns (directories first, as electron-builder walks), not
      // of dist/ on disk, so an unbuilt checkout can't make this pass or fail.
      const needed = [
        'dist/electron/main.mjs',
        'dist/electron/preload.cjs',
        'dist/electron/engine-worker.mjs',
        'dist/electron/tile-worker.mjs',
        'dist/electron/device-probe.mjs',
        'dist/renderer/index.html',
        'package.json',
      ];
      for (const file of needed) {
        const parents = file.split('/').slice(0, -1);
        const dirs = parents.map((_, index) => parents.slice(0, index + 1).join('/'));
        for (const dir of dirs)
          expect(included(dir, true), `${targetName(target)}: ${dir}/`).toBe(true);
        expect(included(file, false), `${targetName(target)}: ${file}`).toBe(true);
      }
    },
  );

  it.each(buildTargets)(
    '$platform $arch: exactly its own onnxruntime-node binaries',
    async (target) => {
      const ort = 'node_modules/onnxruntime-node';
      const nodePlatform = { mac: 'darwin', win: 'win32', linux: 'linux' }[target.platform];
      const own = `${ort}/bin/napi-v6/${nodePlatform}/${target.arch}`;
      const everything = await selectFiles(ort, () => true);
      const taken = await selectFiles(ort, nodeModulesFilter(config, target));
      expect(taken.filter((file) => file.startsWith(`${ort}/bin/`))).toEqual(
        everything.filter((file) => file.startsWith(`${own}/`)),
      );
      expect(taken).toContain(`${own}/onnxruntime_binding.node`);
      expect(taken).toContain(`${ort}/dist/index.js`);
    },
  );

  it.each(buildTargets)(
    '$platform $arch: every native file it ships is unpacked from the asar',
    async (target) => {
      const shipped = nodeModulesFilter(config, target);
      const unpacked = asarUnpackFilter(config, target);
      const natives: string[] = [];
      for (const dir of await productionPackageDirs()) {
        for (const file of await selectFiles(dir, shipped)) {
          if (/\.(node|dll|dylib)$|\.so(\.\d+)*$/.test(file)) natives.push(file);
        }
      }
      expect(natives).toEqual(
        expect.arrayContaining([
          'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
          expect.stringMatching(/^node_modules\/@img\/sharp-[\w-]+\/lib\/sharp-[\w.-]+\.node$/),
        ]),
      );
      expect(natives.filter((file) => !unpacked(file, false))).toEqual([]);
    },
  );

  it("ships the built-in model packages, each with its manifest, and yonos eval's NIQE model beside the app", async () => {
    for (const target of buildTargets) {
      const models = must(
        extraResources(config, target).find((resource) => resource.from === 'native-models'),
        `native-models resource for ${targetName(target)}`,
      );
      expect(models.to).toBe('native-models');
      const shipped = await selectFiles('native-models', models.filter);
      const packages = (
        await readdir(path.join(repoRoot, 'native-models'), { withFileTypes: true })
      )
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
      expect(packages.length).toBeGreaterThan(0);
      const everyPackageFile = (
        await Promise.all(packages.map((name) => selectFiles(`native-models/${name}`, () => true)))
      ).flat();
      expect(shipped).toEqual(everyPackageFile.sort());
      for (const name of packages.filter((name) => name !== 'niqe')) {
        expect(shipped).toContain(`native-models/${name}/manifest.json`);
      }
      expect(shipped).toContain('native-models/niqe/photos-train.json');
      expect(shipped).not.toContain('native-models/README.md');
      expect(shipped).not.toContain('native-models/CONTRACT.md');
    }
  });

  it('ships the Quick Action templates in the mac build only', async () => {
    const quickActions = (target: BuildTarget) =>
      extraResources(config, target).filter((resource) => resource.to === 'quick-actions');
    const [mac] = quickActions({ platform: 'mac', arch: 'arm64' });
    expect(must(mac, 'mac quick-actions resource').from).toBe('resources/macos');
    expect(await selectFiles('resources/macos', must(mac).filter)).toEqual(
      [4, 8].flatMap((scale) =>
        ['Info.plist', 'document.wflow'].map(
          (file) => `resources/macos/Upscale with Yonos ×${scale}.workflow/Contents/${file}`,
        ),
      ),
    );
    expect(quickActions({ platform: 'win', arch: 'x64' })).toEqual([]);
    expect(quickActions({ platform: 'linux', arch: 'x64' })).toEqual([]);
  });
});

describe('what the installers register', () => {
  const mimeTypeOf: Record<string, string> = {
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    png: 'image/png',
    webp: 'image/webp',
    tif: 'image/tiff',
    tiff: 'image/tiff',
    avif: 'image/avif',
  };

  it('offers Yonos for exactly the photo types the library imports', () => {
    const candidates = [...Object.keys(mimeTypeOf), 'heic', 'heif', 'gif', 'bmp', 'jxl', 'svg'];
    expect([...openWithExtensions]).toEqual(candidates.filter((ext) => isPhotoFile(`x.${ext}`)));
  });

  it('macOS: an Open With viewer that never becomes the default app', () => {
    expect(config.mac?.fileAssociations).toEqual([
      { ext: [...openWithExtensions], name: 'Image', role: 'Viewer', rank: 'Alternate' },
    ]);
  });

  it("Windows: none of electron-builder's associations (they take over the default app)", () => {
    expect(config.fileAssociations).toBeUndefined();
    expect(config.win?.fileAssociations).toBeUndefined();
    expect(config.nsis).toMatchObject({ oneClick: true, perMachine: false });
    expect(existsSync(path.join(repoRoot, must(config.nsis?.include, 'nsis.include')))).toBe(true);
  });

  it('Linux: every entry lists the image types; deb and rpm take all selected files as paths', async () => {
    const mimeTypes = [...new Set(openWithExtensions.map((ext) => mimeTypeOf[ext]))];
    const entries = await linuxDesktopEntries(config);
    const expectedExec = {
      deb: '/opt/Yonos/yonos %F',
      rpm: '/opt/Yonos/yonos %F',
      appImage: 'AppRun --no-sandbox %U',
    };
    for (const [target, entry] of Object.entries(entries)) {
      const keys = desktopEntryKeys(entry);
      expect(keys.get('Exec'), target).toBe(expectedExec[target as keyof typeof expectedExec]);
      expect(keys.get('MimeType'), target).toBe(`${mimeTypes.join(';')};`);
      expect(keys.get('StartupWMClass'), target).toBe('yonos');
    }
  });
});

/** The folders of the production dependencies (dependencies and optional ones, transitively). */
async function productionPackageDirs(): Promise<string[]> {
  const found = new Set<string>();
  const visit = async (fromDir: string, name: string, optional: boolean): Promise<void> => {
    const dir = resolvePackageDir(fromDir, name);
    if (dir === null) {
      if (optional) return;
      throw new Error(`${name} (needed by ${fromDir || 'the app'}) is not installed`);
    }
    if (found.has(dir)) return;
    found.add(dir);
    await visitDependencies(dir);
  };
  const visitDependencies = async (dir: string): Promise<void> => {
    const manifest = JSON.parse(
      await readFile(path.join(repoRoot, dir, 'package.json'), 'utf8'),
    ) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) await visit(dir, name, false);
    for (const name of Object.keys(manifest.optionalDependencies ?? {}))
      await visit(dir, name, true);
  };
  await visitDependencies('');
  return [...found].sort();
}

/** Node's lookup: node_modules/NAME in the package's folder, then in each folder above it. */
function resolvePackageDir(fromDir: string, name: string): string | null {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir === '.' ? '' : dir, 'node_modules', name);
    if (existsSync(path.join(repoRoot, candidate, 'package.json'))) return candidate;
    if (dir === '' || dir === '.') return null;
  }
}
