/**
 * The Finder Quick Actions: the committed templates are exactly what
 * main/integration/macos-quick-action.ts renders, their plists hold the keys
 * macOS reads, and installing into a home folder fills in the app and touches
 * nothing else. Finder itself needs macOS; here the installed workflow's shell
 * command runs under sh with a stand-in app that records its arguments.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  installQuickActions,
  quickActionTemplatesDir,
  renderQuickActionTemplates,
  servicesDir,
  uninstallQuickActions,
} from '../../main/integration/macos-quick-action.js';
import { parsePlist } from '../support/plist.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const templatesDir = path.join(repoRoot, quickActionTemplatesDir);
const bundles = [4, 8].map((scale) => ({ scale, name: `Upscale with Yonos ×${scale}.workflow` }));

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    )
    .sort();
}

async function readPlist(file: string): Promise<unknown> {
  return parsePlist(await readFile(file, 'utf8'));
}

/** The Run Shell Script action's parameters (the document holds that one action). */
function shellAction(document: unknown): { COMMAND_STRING: string } {
  expect(document).toMatchObject({ actions: [expect.anything()] });
  const [step] = (
    document as { actions: { action: { ActionParameters: { COMMAND_STRING: string } } }[] }
  ).actions;
  return step?.action.ActionParameters ?? { COMMAND_STRING: '' };
}

describe('the Quick Action templates', () => {
  it('are committed exactly as rendered (run `npm run gen:integration` after a change)', async () => {
    const rendered = renderQuickActionTemplates();
    expect(await filesUnder(templatesDir)).toEqual([...rendered.keys()].sort());
    for (const [file, content] of rendered) {
      expect(await readFile(path.join(templatesDir, file), 'utf8'), file).toBe(content);
    }
  });

  it.each(bundles)('$name: a Finder service for image files', async ({ name }) => {
    expect(await readPlist(path.join(templatesDir, name, 'Contents/Info.plist'))).toEqual({
      NSServices: [
        {
          NSMenuItem: { default: name.replace(/\.workflow$/, '') },
          NSMessage: 'runWorkflowAsService',
          NSRequiredContext: { NSApplicationIdentifier: 'com.apple.finder' },
          NSSendFileTypes: ['public.image'],
        },
      ],
    });
  });

  it.each(bundles)(
    '$name: runs one shell script with the files as arguments',
    async ({ name, scale }) => {
      const document = await readPlist(path.join(templatesDir, name, 'Contents/document.wflow'));
      expect(document).toMatchObject({
        workflowMetaData: {
          workflowTypeIdentifier: 'com.apple.Automator.servicesMenu',
          serviceInputTypeIdentifier: 'com.apple.Automator.fileSystemObject.image',
          serviceOutputTypeIdentifier: 'com.apple.Automator.nothing',
          serviceApplicationBundleID: 'com.apple.finder',
        },
        actions: [
          {
            action: {
              BundleIdentifier: 'com.apple.RunShellScript',
              ActionBundlePath: '/System/Library/Automator/Run Shell Script.action',
              ActionName: 'Run Shell Script',
            },
          },
        ],
      });
      expect(shellAction(document)).toEqual({
        COMMAND_STRING: `@YONOS_EXECUTABLE@ --upscale=${scale} -- "$@" >/dev/null 2>&1 &`,
        CheckedForUserDefaultShell: true,
        inputMethod: 1,
        shell: '/bin/zsh',
        source: '',
      });
    },
  );
});

/** A stand-in for the app in a folder whose name needs quoting; it records its arguments. */
async function fakeApp(root: string): Promise<{ executable: string; recorded: string }> {
  const macos = path.join(root, `Apps & "co"'s $HOME`, 'Yonos.app', 'Contents', 'MacOS');
  await mkdir(macos, { recursive: true });
  const executable = path.join(macos, 'Yonos');
  const recorded = path.join(root, 'arguments.txt');
  await writeFile(
    executable,
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${recorded}.tmp' && mv '${recorded}.tmp' '${recorded}'\n`,
  );
  await chmod(executable, 0o755);
  return { executable, recorded };
}

describe('installing the Quick Actions', () => {
  it('writes both into ~/Library/Services with the app filled in', async () => {
    const home = await tempDir();
    const { executable } = await fakeApp(home);
    const installed = await installQuickActions({ templatesDir, executable, home });
    expect(installed).toEqual(
      bundles.map(({ name }) => path.join(home, 'Library', 'Services', name)),
    );
    for (const { name, scale } of bundles) {
      const bundle = path.join(servicesDir(home), name);
      expect(await filesUnder(bundle)).toEqual(['Contents/Info.plist', 'Contents/document.wflow']);
      expect(await readFile(path.join(bundle, 'Contents/Info.plist'), 'utf8')).toBe(
        await readFile(path.join(templatesDir, name, 'Contents/Info.plist'), 'utf8'),
      );
      const quoted = `'${executable.replaceAll("'", `'\\''`)}'`;
      expect(
        shellAction(await readPlist(path.join(bundle, 'Contents/document.wflow'))),
      ).toMatchObject({
        COMMAND_STRING: `${quoted} --upscale=${scale} -- "$@" >/dev/null 2>&1 &`,
      });
    }
  });

  it.skipIf(process.platform === 'win32')(
    'hands the selected files to the app, whatever their names',
    async () => {
      const home = await tempDir();
      const { executable, recorded } = await fakeApp(home);
      await installQuickActions({ templatesDir, executable, home });
      const document = await readPlist(
        path.join(servicesDir(home), 'Upscale with Yonos ×8.workflow', 'Contents/document.wflow'),
      );
      const files = ['/photos/a b.jpg', '/photos/-starts-with-a-dash.png', `/photos/it's $1.tif`];
      const run = spawnSync('/bin/sh', [
        '-c',
        shellAction(document).COMMAND_STRING,
        'sh',
        ...files,
      ]);
      expect(run.status).toBe(0);
      const args = await waitFor(
        () => (existsSync(recorded) ? readFile(recorded, 'utf8') : undefined),
        'the app to be started',
      );
      expect(args.split('\n').slice(0, -1)).toEqual(['--upscale=8', '--', ...files]);
    },
  );

  it('replaces an earlier install, and uninstall removes only ours', async () => {
    const home = await tempDir();
    const { executable } = await fakeApp(home);
    const someoneElses = path.join(servicesDir(home), 'Resize Images.workflow', 'Contents');
    await mkdir(someoneElses, { recursive: true });
    await writeFile(path.join(someoneElses, 'Info.plist'), 'theirs');

    await installQuickActions({ templatesDir, executable: '/old/Yonos', home });
    await installQuickActions({ templatesDir, executable, home });
    const installed = bundles.map(({ name }) => path.join(servicesDir(home), name));
    for (const bundle of installed) {
      const command = shellAction(await readPlist(path.join(bundle, 'Contents/document.wflow')));
      expect(command.COMMAND_STRING).not.toContain('/old/Yonos');
    }

    expect(await uninstallQuickActions(home)).toEqual(installed);
    expect(await readdir(servicesDir(home))).toEqual(['Resize Images.workflow']);
    expect(await readFile(path.join(someoneElses, 'Info.plist'), 'utf8')).toBe('theirs');
    expect(await uninstallQuickActions(home)).toEqual([]);
  });

  it('refuses a folder that does not hold the templates', async () => {
    const home = await tempDir();
    const notTemplates = path.join(home, 'not-templates', bundles[0]?.name ?? '', 'Contents');
    await mkdir(notTemplates, { recursive: true });
    await writeFile(path.join(notTemplates, 'Info.plist'), '<plist/>');
    await writeFile(path.join(notTemplates, 'document.wflow'), '<plist/>');
    await expect(
      installQuickActions({
        templatesDir: path.dirname(path.dirname(notTemplates)),
        executable: '/Applications/Yonos.app/Contents/MacOS/Yonos',
        home,
      }),
    ).rejects.toThrow(/not a Yonos Quick Action template/);
    expect(existsSync(servicesDir(home))).toBe(false);
  });
});
