/**
 * The Linux right-click actions on real files in a temporary home: the exact
 * content of each file manager's files, the Thunar merge, idempotent install,
 * uninstall that removes only ours, status, and the launcher's choice between
 * the running app, the CLI and starting the app (recorded by stand-in scripts).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  actionsStatus,
  installActions,
  otherPlatformActions,
  uninstallActions,
  type ActionsStatus,
  type ActionTargets,
  type IntegrationOptions,
} from '../../main/integration/file-manager-actions.js';
import { launcherScript } from '../../main/integration/launcher.js';
import { commandWord, shellWord } from '../../main/integration/quoting.js';
import { parseKeyFile } from '../support/key-file.js';
import { tempDir } from '../support/temp.js';
import { foreignUcaXml } from '../support/thunar.js';

const cliTargets: ActionTargets = {
  cli: { node: '/usr/bin/node', script: '/opt/yonos/dist/cli/yonos.mjs' },
};

/** A home whose path has a space and a non-ASCII character, as the launcher's path will. */
async function setup(): Promise<IntegrationOptions & { home: string; systemDir: string }> {
  const home = await tempDir('yonos home é-');
  const systemDir = path.join(home, 'etc-xdg');
  return {
    home,
    systemDir,
    dataDir: path.join(home, '.local/share/yonos'),
    env: { XDG_CONFIG_DIRS: systemDir },
  };
}

const paths = (home: string) => {
  const data = path.join(home, '.local/share');
  return {
    launcher: path.join(data, 'yonos/file-manager-action'),
    nautilus4: path.join(data, 'nautilus/scripts/Upscale ×4'),
    nautilus8: path.join(data, 'nautilus/scripts/Upscale ×8'),
    nemo4: path.join(data, 'nemo/actions/yonos-upscale-x4.nemo_action'),
    nemo8: path.join(data, 'nemo/actions/yonos-upscale-x8.nemo_action'),
    dolphin: path.join(data, 'kio/servicemenus/yonos-upscale.desktop'),
    pcmanfm4: path.join(data, 'file-manager/actions/yonos-upscale-x4.desktop'),
    pcmanfm8: path.join(data, 'file-manager/actions/yonos-upscale-x8.desktop'),
    uca: path.join(home, '.config/Thunar/uca.xml'),
  };
};

const read = (file: string): string => readFileSync(file, 'utf8');
const isExecutable = (file: string): boolean => (statSync(file).mode & 0o111) === 0o111;

function parseUca(xml: string): Record<string, unknown>[] {
  const parsed = new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    isArray: (name) => name === 'action',
  }).parse(xml) as { actions: { action?: Record<string, unknown>[] } };
  return parsed.actions.action ?? [];
}

function states(status: ActionsStatus): Record<string, string> {
  return Object.fromEntries<string>([
    ['launcher', status.launcher.state],
    ['all', status.state],
    ...status.fileManagers.map((entry): [string, string] => [entry.id, entry.state]),
  ]);
}

describe('installActions', () => {
  it('writes each file manager’s actions with exactly these keys and values', async () => {
    const options = await setup();
    const files = paths(options.home);
    installActions(cliTargets, options);
    const exec = (scale: number) => `"${files.launcher}" ${scale} %F`;

    expect(parseKeyFile(read(files.nemo4))).toEqual({
      'Nemo Action': {
        Active: 'true',
        Name: 'Upscale ×4',
        Comment: 'Upscale the selected photos 4× with Yonos',
        Exec: exec(4),
        'Icon-Name': 'zoom-in',
        Selection: 'notnone',
        Mimetypes: 'image/*;',
        EscapeSpaces: 'true',
      },
    });
    expect(parseKeyFile(read(files.nemo8))['Nemo Action']).toMatchObject({
      Name: 'Upscale ×8',
      Exec: exec(8),
    });

    expect(parseKeyFile(read(files.dolphin))).toEqual({
      'Desktop Entry': {
        Type: 'Service',
        MimeType: 'image/*;',
        Actions: 'yonosUpscaleX4;yonosUpscaleX8;',
        'X-KDE-ServiceTypes': 'KonqPopupMenu/Plugin',
        'X-KDE-Priority': 'TopLevel',
      },
      'Desktop Action yonosUpscaleX4': { Name: 'Upscale ×4', Icon: 'zoom-in', Exec: exec(4) },
      'Desktop Action yonosUpscaleX8': { Name: 'Upscale ×8', Icon: 'zoom-in', Exec: exec(8) },
    });
    expect(isExecutable(files.dolphin)).toBe(true);

    expect(parseKeyFile(read(files.pcmanfm4))).toEqual({
      'Desktop Entry': {
        Type: 'Action',
        Name: 'Upscale ×4',
        Tooltip: 'Upscale the selected photos 4× with Yonos',
        Icon: 'zoom-in',
        Profiles: 'upscale;',
      },
      'X-Action-Profile upscale': { MimeTypes: 'image/*;', SelectionCount: '>0', Exec: exec(4) },
    });
    expect(parseKeyFile(read(files.pcmanfm8))['Desktop Entry']?.Name).toBe('Upscale ×8');

    expect(read(files.nautilus4)).toBe(`#!/bin/sh
# Generated by Yonos; \`yonos integrate --uninstall\` removes it.
if [ -n "$NAUTILUS_SCRIPT_SELECTED_FILE_PATHS" ]; then
  IFS='
'
  set -f
  set -- $NAUTILUS_SCRIPT_SELECTED_FILE_PATHS
fi
exec '${files.launcher}' 4 "$@"
`);
    expect(read(files.nautilus8)).toContain(`exec '${files.launcher}' 8 "$@"`);
    expect(isExecutable(files.nautilus4) && isExecutable(files.nautilus8)).toBe(true);
    expect(isExecutable(files.launcher)).toBe(true);

    expect(parseUca(read(files.uca))).toEqual(
      [4, 8].map((scale) => ({
        icon: 'zoom-in',
        name: `Upscale ×${scale}`,
        submenu: '',
        'unique-id': `yonos-upscale-x${scale}`,
        command: exec(scale),
        description: `Upscale the selected photos ${scale}× with Yonos`,
        range: '',
        patterns: '*',
        'image-files': '',
      })),
    );
  });

  it('merges into an existing uca.xml, leaving the user’s actions byte for byte', async () => {
    const options = await setup();
    const { uca } = paths(options.home);
    mkdirSync(path.dirname(uca), { recursive: true });
    writeFileSync(uca, foreignUcaXml, { mode: 0o600 });

    installActions(cliTargets, options);
    const merged = read(uca);
    expect(merged.startsWith(foreignUcaXml.replace('</actions>\n', ''))).toBe(true);
    expect(parseUca(merged).map((action) => action['unique-id'])).toEqual([
      '1663436487414013-1',
      'yonos-upscale-x4',
      'yonos-upscale-x8',
    ]);
    expect(statSync(uca).mode & 0o777).toBe(0o600);

    installActions(cliTargets, options);
    expect(read(uca)).toBe(merged);

    uninstallActions(cliTargets, options);
    expect(read(uca)).toBe(foreignUcaXml);
  });

  it('writes through a symlinked uca.xml (dotfile managers), keeping the link', async () => {
    const options = await setup();
    const { uca } = paths(options.home);
    const kept = path.join(options.home, 'dotfiles/uca.xml');
    mkdirSync(path.dirname(kept), { recursive: true });
    mkdirSync(path.dirname(uca), { recursive: true });
    writeFileSync(kept, foreignUcaXml);
    symlinkSync(kept, uca);

    installActions(cliTargets, options);
    expect(lstatSync(uca).isSymbolicLink()).toBe(true);
    expect(parseUca(read(kept)).map((action) => action['unique-id'])).toContain('yonos-upscale-x4');

    uninstallActions(cliTargets, options);
    expect(lstatSync(uca).isSymbolicLink()).toBe(true);
    expect(read(kept)).toBe(foreignUcaXml);
  });

  it('starts a new uca.xml from the system-wide one, so Thunar’s defaults stay', async () => {
    const options = await setup();
    const systemUca = path.join(options.systemDir, 'Thunar/uca.xml');
    mkdirSync(path.dirname(systemUca), { recursive: true });
    writeFileSync(systemUca, foreignUcaXml);
    const { uca } = paths(options.home);

    installActions(cliTargets, options);
    expect(parseUca(read(uca)).map((action) => action.name)).toEqual([
      'Open Terminal Here',
      'Upscale ×4',
      'Upscale ×8',
    ]);
    uninstallActions(cliTargets, options);
    expect(read(uca)).toBe(foreignUcaXml);
    expect(read(systemUca)).toBe(foreignUcaXml);
  });

  it('gives identical files when run twice', async () => {
    const options = await setup();
    const snapshot = (): Record<string, string> =>
      Object.fromEntries(
        Object.values(paths(options.home)).map((file) => [
          file,
          `${statSync(file).mode.toString(8)} ${read(file)}`,
        ]),
      );
    installActions(cliTargets, options);
    const first = snapshot();
    installActions(cliTargets, options);
    expect(snapshot()).toEqual(first);
    expect(parseUca(read(paths(options.home).uca))).toHaveLength(2);
  });

  it('refuses a uca.xml that is not an actions file and installs nothing', async () => {
    const options = await setup();
    const files = paths(options.home);
    mkdirSync(path.dirname(files.uca), { recursive: true });
    writeFileSync(files.uca, 'not xml');
    expect(() => installActions(cliTargets, options)).toThrow(/not a Thunar actions file/);
    expect(read(files.uca)).toBe('not xml');
    expect(existsSync(files.launcher)).toBe(false);
  });

  it('needs the app or the CLI to run', async () => {
    const options = await setup();
    expect(() => installActions({}, options)).toThrow(/Nothing here for the actions to run/);
  });

  it('honours XDG_DATA_HOME and XDG_CONFIG_HOME', async () => {
    const options = await setup();
    const dataHome = path.join(options.home, 'data');
    const configHome = path.join(options.home, 'config');
    const status = installActions(cliTargets, {
      ...options,
      env: { ...options.env, XDG_DATA_HOME: dataHome, XDG_CONFIG_HOME: configHome },
    });
    expect(status.launcher.path).toBe(path.join(dataHome, 'yonos/file-manager-action'));
    expect(status.fileManagers.find((entry) => entry.id === 'thunar')?.paths).toEqual([
      path.join(configHome, 'Thunar/uca.xml'),
    ]);
    expect(existsSync(path.join(dataHome, 'kio/servicemenus/yonos-upscale.desktop'))).toBe(true);
    expect(existsSync(path.join(options.home, '.local'))).toBe(false);
  });
});

describe('uninstallActions', () => {
  it('removes only what Yonos wrote', async () => {
    const options = await setup();
    const files = paths(options.home);
    installActions(cliTargets, options);
    const theirNemoAction = path.join(path.dirname(files.nemo4), 'theirs.nemo_action');
    writeFileSync(theirNemoAction, '[Nemo Action]\nName=Theirs\n');
    // A script of the user's that happens to have our name: not generated by Yonos, so kept.
    writeFileSync(files.nautilus8, '#!/bin/sh\necho mine\n');

    const status = uninstallActions(cliTargets, options);
    expect(states(status).all).toBe('not-installed');
    for (const file of Object.values(files)) {
      if (file !== files.nautilus8) expect(existsSync(file), file).toBe(false);
    }
    expect(read(files.nautilus8)).toBe('#!/bin/sh\necho mine\n');
    expect(readdirSync(path.dirname(files.nemo4))).toEqual(['theirs.nemo_action']);
    // The data folder (the library lives there) stays.
    expect(existsSync(options.dataDir)).toBe(true);
  });
});

describe('actionsStatus', () => {
  it('reports installed, not installed and outdated per file manager', async () => {
    const options = await setup();
    const files = paths(options.home);
    expect(new Set(Object.values(states(actionsStatus(cliTargets, options))))).toEqual(
      new Set(['not-installed']),
    );
    expect(new Set(Object.values(states(installActions(cliTargets, options))))).toEqual(
      new Set(['installed']),
    );

    writeFileSync(files.dolphin, `${read(files.dolphin)}X-Old=1\n`);
    chmodSync(files.nautilus4, 0o644);
    rmSync(files.nemo8);
    // Thunar's editor re-saves everything in its own way: still ours, still current.
    writeFileSync(
      files.uca,
      read(files.uca).replaceAll('"', '&quot;').replaceAll('\n', '').replaceAll('\t', ''),
    );
    expect(states(actionsStatus(cliTargets, options))).toEqual({
      launcher: 'installed',
      all: 'outdated',
      nautilus: 'outdated',
      nemo: 'outdated',
      dolphin: 'outdated',
      thunar: 'installed',
      pcmanfm: 'installed',
    });
    const otherCli = { cli: { node: '/usr/local/bin/node', script: '/elsewhere/yonos.mjs' } };
    expect(states(actionsStatus(otherCli, options)).launcher).toBe('outdated');

    installActions(cliTargets, options);
    expect(states(actionsStatus(cliTargets, options)).all).toBe('installed');
  });
});

describe('the launcher', () => {
  /** Stand-ins for the app and for Node: each records the arguments it was run with. */
  async function launcherWith(targets: { app?: boolean; cli?: boolean }) {
    const dir = await tempDir('yonos-launcher-');
    const log = path.join(dir, 'calls.log');
    const recorder = (name: string): string => {
      const file = path.join(dir, name);
      writeFileSync(
        file,
        `#!/bin/sh\n{ echo ${name}; for arg do echo "$arg"; done; } >> ${shellWord(log)}\n`,
        { mode: 0o755 },
      );
      return file;
    };
    const script = path.join(dir, 'yonos.mjs');
    writeFileSync(script, '');
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir);
    const launcher = path.join(dir, 'file-manager-action');
    writeFileSync(
      launcher,
      launcherScript(
        {
          ...(targets.app === true ? { app: recorder('app') } : {}),
          ...(targets.cli === true ? { cli: { node: recorder('node'), script } } : {}),
        },
        dataDir,
      ),
      { mode: 0o755 },
    );
    const run = (files: string[], env: NodeJS.ProcessEnv = {}) => {
      const result = spawnSync(launcher, ['4', ...files], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin', ...env },
      });
      const calls = existsSync(log) ? read(log).trimEnd().split('\n') : [];
      rmSync(log, { force: true });
      return { ...result, calls };
    };
    return {
      dir,
      dataDir,
      script,
      run,
      recordApp: (pid: number) => {
        writeFileSync(path.join(dataDir, 'app.pid'), `${pid}\n`);
      },
    };
  }

  const photo = '/photos/été 2024/beach "1".jpg';

  it('hands the files to the running app, as absolute paths', async () => {
    const launcher = await launcherWith({ app: true, cli: true });
    launcher.recordApp(process.pid);
    expect(launcher.run([photo, 'relative.png']).calls).toEqual([
      'app',
      '--upscale=4',
      '--',
      photo,
      path.join(launcher.dir, 'relative.png'),
    ]);
  });

  it('runs the CLI with notifications when the app is not running', async () => {
    const launcher = await launcherWith({ app: true, cli: true });
    const exited = spawnSync('true');
    launcher.recordApp(exited.pid);
    expect(launcher.run([photo]).calls).toEqual([
      'node',
      launcher.script,
      'upscale',
      '--scale',
      '4',
      '--notify',
      '--',
      photo,
    ]);
  });

  it('starts the app when there is no CLI', async () => {
    const launcher = await launcherWith({ app: true });
    expect(launcher.run([photo]).calls).toEqual(['app', '--upscale=4', '--', photo]);
  });

  it('says so, and notifies, when nothing it knows is there any more', async () => {
    const launcher = await launcherWith({ cli: true });
    rmSync(launcher.script);
    const bin = path.join(launcher.dir, 'bin');
    mkdirSync(bin);
    const notifyLog = path.join(launcher.dir, 'notify.log');
    writeFileSync(
      path.join(bin, 'notify-send'),
      `#!/bin/sh\nfor arg do echo "$arg"; done >> ${shellWord(notifyLog)}\n`,
      { mode: 0o755 },
    );
    const run = launcher.run([photo], { PATH: `${bin}:/usr/bin:/bin` });
    expect(run.status).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toMatch(
      /^yonos: Yonos is no longer where its right-click actions expect it/,
    );
    expect(read(notifyLog).split('\n').slice(0, 3)).toEqual([
      '--app-name=Yonos',
      '--urgency=critical',
      'Yonos',
    ]);
  });
});

describe('commandWord', () => {
  it('survives a shell and %-expansion for any path', () => {
    for (const file of [
      '/home/ann/.local/share/yonos/file-manager-action',
      '/home/a b/é/x',
      '/h/"q" $HOME `id` \\ 100%/x',
    ]) {
      const expanded = commandWord(file).replaceAll('%%', '%');
      const echoed = spawnSync('sh', ['-c', `printf '%s' ${expanded}`], { encoding: 'utf8' });
      expect(echoed.stdout).toBe(file);
    }
  });
});

describe('otherPlatformActions', () => {
  it('explains what Windows and macOS have instead; nothing to explain on Linux', () => {
    expect(otherPlatformActions('linux')).toBeNull();
    expect(otherPlatformActions('win32')).toMatch(/installer adds/);
    expect(otherPlatformActions('darwin')).toMatch(/Quick Actions/);
  });
});
