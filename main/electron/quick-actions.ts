/**
 * macOS: the File menu installs or removes the Finder Quick Actions
 * ("Upscale with Yonos ×4/×8") on demand. The templates ship in
 * Contents/Resources/quick-actions; installing fills in this app's executable,
 * so the actions keep working wherever the user put Yonos.app.
 */
import os from 'node:os';
import path from 'node:path';
import { dialog, type MenuItemConstructorOptions } from 'electron';
import { installQuickActions, uninstallQuickActions } from '../integration/macos-quick-action.js';

export interface QuickActionPaths {
  templatesDir: string;
  executable: string;
  home: string;
}

export function packagedQuickActionPaths(): QuickActionPaths {
  return {
    templatesDir: path.join(process.resourcesPath, 'quick-actions'),
    executable: process.execPath,
    home: os.homedir(),
  };
}

export function quickActionMenuItems(paths: QuickActionPaths): MenuItemConstructorOptions[] {
  return [
    { label: 'Install Finder Quick Actions', click: () => void installFromMenu(paths) },
    { label: 'Remove Finder Quick Actions', click: () => void removeFromMenu(paths) },
  ];
}

/** A path that stops working later: the mounted disk image, or macOS's App Translocation copy. */
export function isTemporaryAppPath(executable: string): boolean {
  return executable.startsWith('/Volumes/') || executable.includes('/AppTranslocation/');
}

export async function installFromMenu(paths: QuickActionPaths): Promise<void> {
  if (isTemporaryAppPath(paths.executable)) {
    dialog.showErrorBox(
      'Move Yonos to Applications first',
      'Yonos runs from a temporary place (the disk image, or a copy macOS made), so Quick Actions pointing to it would stop working. Drag Yonos into Applications, open it from there, and install them again.',
    );
    return;
  }
  try {
    const bundles = await installQuickActions(paths);
    await dialog.showMessageBox({
      type: 'info',
      message: 'Quick Actions installed',
      detail: `Right-click photos in the Finder, then Quick Actions → ${bundles.map((bundle) => path.basename(bundle, '.workflow')).join(' or ')}.\n\nInstalled in ${path.dirname(bundles[0] ?? '')}.`,
    });
  } catch (error) {
    dialog.showErrorBox('Could not install the Quick Actions', String(error));
  }
}

export async function removeFromMenu(paths: QuickActionPaths): Promise<void> {
  try {
    const removed = await uninstallQuickActions(paths.home);
    await dialog.showMessageBox({
      type: 'info',
      message:
        removed.length > 0 ? 'Quick Actions removed' : 'No Yonos Quick Actions were installed',
    });
  } catch (error) {
    dialog.showErrorBox('Could not remove the Quick Actions', String(error));
  }
}
