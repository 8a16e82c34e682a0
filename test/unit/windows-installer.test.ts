/**
 * resources/installer.nsh, electron-builder's NSIS include: committed exactly as
 * main/integration/windows-verbs.ts renders it, and read back here as NSIS
 * would (commands and quoted arguments) to check what the installer writes to
 * the registry and that the uninstaller removes exactly that.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { installerNshPath, renderInstallerNsh } from '../../main/integration/windows-verbs.js';
import { must } from '../support/must.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const nshFile = path.join(repoRoot, installerNshPath);

/** The commands of one macro, each as its words (NSIS quotes with " ' or `). */
function macroCommands(nsh: string, name: string): string[][] {
  const body = must(
    new RegExp(`^!macro ${name}\\n([\\s\\S]*?)^!macroend$`, 'm').exec(nsh)?.[1],
    name,
  );
  return body
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith(';'))
    .map((line) =>
      [...line.matchAll(/"([^"]*)"|'([^']*)'|`([^`]*)`|(\S+)/g)].map(
        (word) => word[1] ?? word[2] ?? word[3] ?? word[4] ?? '',
      ),
    );
}

const exe = '"$INSTDIR\\${APP_EXECUTABLE_FILENAME}"';
const imageVerbs = 'Software\\Classes\\SystemFileAssociations\\image\\shell';
const progId = 'Software\\Classes\\Yonos.Image';
const photoTypes = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'avif'];
const notifyShell = ['System::Call', 'shell32::SHChangeNotify(i,i,i,i) (0x08000000, 0x1000, 0, 0)'];

describe('the NSIS include', () => {
  it('is committed exactly as rendered (run `npm run gen:integration` after a change)', async () => {
    expect((await readFile(nshFile)).equals(Buffer.from(renderInstallerNsh(), 'utf8'))).toBe(true);
  });

  it('is UTF-8 with a byte order mark, so makensis reads "×" on any code page', async () => {
    const bytes = await readFile(nshFile);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('Upscale ×4');
  });

  it('installs the Upscale verbs on every image and Yonos under Open With, for this user', async () => {
    const install = macroCommands(await readFile(nshFile, 'utf8'), 'customInstall');
    expect(install).toEqual([
      ...[4, 8].flatMap((scale) => {
        const verb = `${imageVerbs}\\YonosUpscale${scale}`;
        return [
          ['WriteRegStr', 'HKCU', verb, '', `Upscale ×${scale}`],
          ['WriteRegStr', 'HKCU', verb, 'MUIVerb', `Upscale ×${scale}`],
          ['WriteRegStr', 'HKCU', verb, 'Icon', `${exe},0`],
          ['WriteRegStr', 'HKCU', verb, 'MultiSelectModel', 'Player'],
          ['WriteRegStr', 'HKCU', `${verb}\\command`, '', `${exe} --upscale=${scale} -- "%1"`],
        ];
      }),
      ['WriteRegStr', 'HKCU', progId, '', 'Yonos image'],
      ['WriteRegStr', 'HKCU', `${progId}\\DefaultIcon`, '', `${exe},0`],
      ['WriteRegStr', 'HKCU', `${progId}\\shell\\open\\command`, '', `${exe} -- "%1"`],
      ...photoTypes.map((type) => [
        'WriteRegNone',
        'HKCU',
        `Software\\Classes\\.${type}\\OpenWithProgids`,
        'Yonos.Image',
      ]),
      notifyShell,
    ]);
  });

  it('uninstalls exactly what it installed', async () => {
    const nsh = await readFile(nshFile, 'utf8');
    const uninstall = macroCommands(nsh, 'customUnInstall');
    expect(uninstall).toEqual([
      ['DeleteRegKey', 'HKCU', `${imageVerbs}\\YonosUpscale4`],
      ['DeleteRegKey', 'HKCU', `${imageVerbs}\\YonosUpscale8`],
      ['DeleteRegKey', 'HKCU', progId],
      ...photoTypes.map((type) => [
        'DeleteRegValue',
        'HKCU',
        `Software\\Classes\\.${type}\\OpenWithProgids`,
        'Yonos.Image',
      ]),
      notifyShell,
    ]);

    // Every value written goes away: under a deleted key, or deleted itself…
    const written = macroCommands(nsh, 'customInstall').filter(([command]) =>
      command?.startsWith('WriteReg'),
    );
    const deletedKeys = uninstall
      .filter(([command]) => command === 'DeleteRegKey')
      .map((words) => words[2]);
    const deletedValues = uninstall
      .filter(([command]) => command === 'DeleteRegValue')
      .map((words) => `${words[2]}|${words[3]}`);
    for (const [, , key = '', name] of written) {
      const underDeletedKey = deletedKeys.some(
        (deleted) => key === deleted || key.startsWith(`${deleted}\\`),
      );
      expect(underDeletedKey || deletedValues.includes(`${key}|${name}`), `${key} ${name}`).toBe(
        true,
      );
    }
    // …and only keys the installer created are deleted whole, never a shared one.
    const writtenKeys = new Set(written.map((words) => words[2]));
    for (const key of deletedKeys) expect(writtenKeys.has(key), key).toBe(true);
  });
});
