/** The application menu: import, and the standard edit/view/window roles. */
import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import { packagedQuickActionPaths, quickActionMenuItems } from './quick-actions.js';

export function installAppMenu(actions: { importFolders: () => void }): void {
  const isMac = process.platform === 'darwin';
  // Only a packaged app has the Quick Action templates (and a stable executable to put in them).
  const finderItems: MenuItemConstructorOptions[] =
    isMac && app.isPackaged
      ? [{ type: 'separator' }, ...quickActionMenuItems(packagedQuickActionPaths())]
      : [];
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        {
          label: 'Import Folders…',
          accelerator: 'CmdOrCtrl+Shift+O',
          click: actions.importFolders,
        },
        ...finderItems,
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
