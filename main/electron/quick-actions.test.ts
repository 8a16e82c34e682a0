/** The macOS File-menu items for the Finder Quick Actions, with `electron` mocked (dialogs only). */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../test/support/temp.js';
import { quickActionTemplatesDir, servicesDir } from '../integration/macos-quick-action.js';

const shown = vi.hoisted(() => ({ messages: [] as string[], errors: [] as string[] }));

vi.mock('electron', () => ({
  dialog: {
    showMessageBox: (options: { message: string }) => {
      shown.messages.push(options.message);
      return Promise.resolve({ response: 0 });
    },
    showErrorBox: (title: string) => shown.errors.push(title),
  },
}));

const { installFromMenu, quickActionMenuItems, removeFromMenu } =
  await import('./quick-actions.js');

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

beforeEach(() => {
  shown.messages.length = 0;
  shown.errors.length = 0;
});

describe('Finder Quick Actions from the File menu', () => {
  it('installs both actions for this app, then removes them', async () => {
    const home = await tempDir();
    const paths = {
      templatesDir: path.join(repoRoot, quickActionTemplatesDir),
      executable: '/Applications/Yonos Beta.app/Contents/MacOS/Yonos',
      home,
    };
    expect(quickActionMenuItems(paths).map((item) => item.label)).toEqual([
      'Install Finder Quick Actions',
      'Remove Finder Quick Actions',
    ]);

    await installFromMenu(paths);
    const bundles = (await readdir(servicesDir(home))).sort();
    expect(bundles).toEqual(['Upscale with Yonos ×4.workflow', 'Upscale with Yonos ×8.workflow']);
    const document = await readFile(
      path.join(servicesDir(home), bundles[0] ?? '', 'Contents/document.wflow'),
      'utf8',
    );
    expect(document).toContain("'/Applications/Yonos Beta.app/Contents/MacOS/Yonos'");
    expect(shown.messages).toEqual(['Quick Actions installed']);

    await removeFromMenu(paths);
    expect(await readdir(servicesDir(home))).toEqual([]);
    expect(shown.messages.at(-1)).toBe('Quick Actions removed');
    expect(shown.errors).toEqual([]);
  });

  it('refuses to point the actions at the disk image or a translocated copy', async () => {
    const home = await tempDir();
    const templatesDir = path.join(repoRoot, quickActionTemplatesDir);
    for (const executable of [
      '/Volumes/Yonos 0.1.0-arm64/Yonos.app/Contents/MacOS/Yonos',
      '/private/var/folders/x/AppTranslocation/1A2B/d/Yonos.app/Contents/MacOS/Yonos',
    ]) {
      await installFromMenu({ templatesDir, executable, home });
    }
    expect(shown.errors).toEqual([
      'Move Yonos to Applications first',
      'Move Yonos to Applications first',
    ]);
    expect(existsSync(servicesDir(home))).toBe(false);
  });

  it('says why when the templates are missing', async () => {
    const home = await tempDir();
    await installFromMenu({ templatesDir: path.join(home, 'nowhere'), executable: '/x', home });
    expect(shown.errors).toEqual(['Could not install the Quick Actions']);
  });
});
