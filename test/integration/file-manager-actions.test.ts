/**
 * `yonos integrate` end to end: the built CLI installs the right-click actions
 * into a temporary home (paths with spaces and non-ASCII), each file manager's
 * action is run the way that file manager runs it, on a real photo, and the
 * ×4 output must appear beside it; then uninstall leaves only what was not
 * ours. notify-send is a recording stand-in first on PATH.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { integrationStatusSchema, type IntegrationStatus } from '../../common/contract.js';
import { createServices } from '../../main/app/services.js';
import { shellWord } from '../../main/integration/quoting.js';
import packageJson from '../../package.json' with { type: 'json' };
import { rawImage, smoothPhoto } from '../support/engine.js';
import { parseKeyFile } from '../support/key-file.js';
import { must } from '../support/must.js';
import { fixtureModelsDir, tempApp, tempDir } from '../support/temp.js';
import { foreignUcaXml } from '../support/thunar.js';

const yonosBin = path.resolve(packageJson.bin.yonos);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function run(
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<Run> {
  const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** A notify-send that records each call's arguments and answers --print-id with 42. */
async function fakeNotifySend(): Promise<{ bin: string; calls: () => string[][] }> {
  const bin = await tempDir('yonos-bin-');
  const log = path.join(bin, 'calls.log');
  writeFileSync(
    path.join(bin, 'notify-send'),
    `#!/bin/sh\n{ echo '--call--'; for arg do echo "$arg"; done; } >> ${shellWord(log)}\ncase "$1" in --print-id) echo 42 ;; esac\n`,
    { mode: 0o755 },
  );
  return {
    bin,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('--call--\n')
            .slice(1)
            .map((call) => call.trimEnd().split('\n'))
        : [],
  };
}

async function writePhoto(file: string): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  await rawImage({ width: 24, height: 16, channels: 3, value: smoothPhoto }).png().toFile(file);
  return file;
}

/** How GLib's g_shell_quote (Thunar, libfm) and KDE's KShell::quoteArg quote a path. */
const singleQuoted = (file: string): string => `'${file.replaceAll("'", `'\\''`)}'`;
/** Nemo with EscapeSpaces=true: quotes and spaces backslash-escaped, no quotes around. */
const nemoEscaped = (file: string): string => file.replace(/['"]/g, '\\$&').replaceAll(' ', '\\ ');

/** Expands %F and %% as the file managers do before running the command line. */
function expand(command: string, quotedFile: string): string {
  return command.replace(/%([F%])/g, (_match, code: string) => (code === 'F' ? quotedFile : '%'));
}

const thunarParser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'action' });
const thunarCommand = (xml: string, uniqueId: string): string => {
  const { actions } = thunarParser.parse(xml) as {
    actions: { action: { 'unique-id': string; command: string }[] };
  };
  return must(actions.action.find((action) => action['unique-id'] === uniqueId)).command;
};

describe('yonos integrate on Linux', () => {
  it('installs actions that upscale beside the photo in every file manager, then removes them', async () => {
    const root = await tempDir('yonos-fm-');
    const home = path.join(root, 'home é x');
    const dataHome = path.join(home, 'xdg data');
    const configHome = path.join(home, 'xdg config');
    const notifySend = await fakeNotifySend();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: dataHome,
      XDG_CONFIG_HOME: configHome,
      XDG_CONFIG_DIRS: path.join(root, 'etc-xdg'),
      PATH: `${notifySend.bin}:${process.env.PATH ?? ''}`,
    };
    delete env.YONOS_DATA_DIR;
    // The CLI the actions run reads the default data folder: give it the small fixture models.
    for (const model of ['yonos-tiny-x4', 'yonos-tiny-x8']) {
      cpSync(path.join(fixtureModelsDir, model), path.join(dataHome, 'yonos/models', model), {
        recursive: true,
      });
    }
    const uca = path.join(configHome, 'Thunar/uca.xml');
    mkdirSync(path.dirname(uca), { recursive: true });
    writeFileSync(uca, foreignUcaXml);

    const install = await run(process.execPath, [yonosBin, 'integrate', '--install', '--json'], {
      env,
    });
    expect(install.code, install.stderr).toBe(0);
    const installed = integrationStatusSchema.parse(JSON.parse(install.stdout));
    if (!installed.supported) throw new Error(installed.explanation);
    expect(installed.state).toBe('installed');
    const launcher = path.join(dataHome, 'yonos/file-manager-action');
    expect(installed.launcher.path).toBe(launcher);
    const pathsOf = (id: string): string[] =>
      must(installed.fileManagers.find((entry) => entry.id === id)).paths;

    const photosDir = path.join(root, 'Fotos été');
    const sh = (command: string) => run('/bin/sh', ['-c', command], { env });
    const runs: { fileManager: string; scale: number; act: (photo: string) => Promise<Run> }[] = [
      {
        fileManager: 'nautilus',
        scale: 4,
        // Run in the open folder, the selection relative to it and absolute in the variable.
        act: (photo) =>
          run(must(pathsOf('nautilus')[0]), [path.basename(photo)], {
            cwd: path.dirname(photo),
            env: { ...env, NAUTILUS_SCRIPT_SELECTED_FILE_PATHS: `${photo}\n` },
          }),
      },
      {
        fileManager: 'nemo',
        scale: 4,
        act: (photo) => {
          const action = parseKeyFile(readFileSync(must(pathsOf('nemo')[0]), 'utf8'));
          return sh(expand(must(action['Nemo Action']?.Exec), nemoEscaped(photo)));
        },
      },
      ...[4, 8].map((scale) => ({
        fileManager: 'dolphin',
        scale,
        act: (photo: string) => {
          const menu = parseKeyFile(readFileSync(must(pathsOf('dolphin')[0]), 'utf8'));
          const exec = must(menu[`Desktop Action yonosUpscaleX${scale}`]?.Exec);
          return sh(expand(exec, singleQuoted(photo)));
        },
      })),
      {
        fileManager: 'thunar',
        scale: 4,
        act: (photo) =>
          sh(
            expand(
              thunarCommand(readFileSync(uca, 'utf8'), 'yonos-upscale-x4'),
              singleQuoted(photo),
            ),
          ),
      },
      {
        fileManager: 'pcmanfm',
        scale: 4,
        act: (photo) => {
          const action = parseKeyFile(readFileSync(must(pathsOf('pcmanfm')[0]), 'utf8'));
          const exec = must(action['X-Action-Profile upscale']?.Exec);
          return sh(expand(exec, singleQuoted(photo)));
        },
      },
    ];
    for (const { fileManager, scale, act } of runs) {
      const photo = await writePhoto(
        path.join(photosDir, `${fileManager} ×${scale}`, 'Ph oto ü.png'),
      );
      const done = await act(photo);
      expect(done.code, `${fileManager}: ${done.stderr}`).toBe(0);
      const output = path.join(path.dirname(photo), `Ph oto ü_x${scale}.png`);
      const { width, height } = await sharp(output).metadata();
      expect([fileManager, width, height]).toEqual([fileManager, 24 * scale, 16 * scale]);
      expect(notifySend.calls().at(-1)?.slice(-2)).toEqual([`Upscaled 1 photo ×${scale}`, output]);
    }

    const uninstall = await run(process.execPath, [yonosBin, 'integrate', '--uninstall'], { env });
    expect(uninstall.code, uninstall.stderr).toBe(0);
    for (const file of [launcher, ...installed.fileManagers.flatMap((entry) => entry.paths)]) {
      if (file !== uca) expect(existsSync(file), file).toBe(false);
    }
    expect(readFileSync(uca, 'utf8')).toBe(foreignUcaXml);
    const status = await run(process.execPath, [yonosBin, 'integrate', '--status', '--json'], {
      env,
    });
    expect(integrationStatusSchema.parse(JSON.parse(status.stdout))).toMatchObject({
      supported: true,
      state: 'not-installed',
    });
  });

  it('needs one of --install, --uninstall or --status', async () => {
    const missing = await run(process.execPath, [yonosBin, 'integrate'], { env: process.env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Choose one of --install, --uninstall or --status.');
    const both = await run(process.execPath, [yonosBin, 'integrate', '--install', '--uninstall'], {
      env: process.env,
    });
    expect(both.code).toBe(2);
  });
});

describe('yonos upscale --notify', () => {
  async function upscale(photos: string[], pathDirs: string) {
    return run(
      process.execPath,
      [
        yonosBin,
        'upscale',
        ...photos,
        '--scale',
        '4',
        '--notify',
        '--models',
        fixtureModelsDir,
        '--device',
        'cpu',
      ],
      { env: { ...process.env, PATH: pathDirs, YONOS_DATA_DIR: await tempDir('yonos-data-') } },
    );
  }

  it('notifies at the start and replaces it with the result at the end', async () => {
    const dir = await tempDir();
    const photos = [
      await writePhoto(path.join(dir, 'a.png')),
      await writePhoto(path.join(dir, 'b.png')),
    ];
    const notifySend = await fakeNotifySend();
    const done = await upscale(photos, notifySend.bin);
    expect(done.code, done.stderr).toBe(0);
    const calls = notifySend.calls();
    expect(calls[0]).toEqual([
      '--print-id',
      '--app-name=Yonos',
      '--hint=int:value:0',
      'Upscaling 2 photos ×4',
      'Starting…',
    ]);
    expect(calls.at(-1)).toEqual([
      '--replace-id=42',
      '--app-name=Yonos',
      '--hint=int:value:100',
      'Upscaled 2 photos ×4',
      '2 upscaled, 0 skipped, 0 failed',
    ]);
  });

  it('upscales as usual without notify-send', async () => {
    const dir = await tempDir();
    const photo = await writePhoto(path.join(dir, 'a.png'));
    const done = await upscale([photo], await tempDir('yonos-empty-path-'));
    expect(done.code, done.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'a_x4.png'))).toBe(true);
  });
});

describe('the integration channels', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  async function stubHome(): Promise<string> {
    const home = await tempDir('yonos-home-');
    vi.stubEnv('HOME', home);
    vi.stubEnv('XDG_DATA_HOME', path.join(home, 'data'));
    vi.stubEnv('XDG_CONFIG_HOME', path.join(home, 'config'));
    vi.stubEnv('XDG_CONFIG_DIRS', path.join(home, 'etc-xdg'));
    return home;
  }

  it('install and remove the actions with what this backend runs', async () => {
    const home = await stubHome();
    const app = await tempApp({
      actionTargets: { app: '/opt/Yonos/yonos', cli: { node: process.execPath, script: yonosBin } },
    });
    const services = createServices(app);
    const parse = async (status: Promise<IntegrationStatus> | IntegrationStatus) =>
      integrationStatusSchema.parse(await status);
    expect(await parse(services.integrationStatus())).toMatchObject({ state: 'not-installed' });
    expect(await parse(services.integrationSet({ installed: true }))).toMatchObject({
      state: 'installed',
    });
    const launcher = readFileSync(path.join(home, 'data/yonos/file-manager-action'), 'utf8');
    expect(launcher).toContain("app='/opt/Yonos/yonos'");
    expect(launcher).toContain(`pid_file='${path.join(app.dataDir, 'app.pid')}'`);
    expect(await parse(services.integrationSet({ installed: false }))).toMatchObject({
      state: 'not-installed',
    });
  });

  it('refuse to install when the backend was given nothing to run', async () => {
    await stubHome();
    const services = createServices(await tempApp());
    expect(() => services.integrationSet({ installed: true })).toThrow(/Nothing here/);
  });
});
