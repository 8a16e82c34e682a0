/**
 * Choosing a folder: the desktop app's native dialog, or in a browser (under
 * `yonos serve`) the app's own folder browser, which lists folders on the
 * machine running Yonos. App.svelte shows the browser while a request is open.
 */
import type { Backend } from './backend.js';

export interface FolderRequest {
  title: string;
  initial: string | null;
  finish: (folder: string | null) => void;
}

class FolderPicker {
  request = $state<FolderRequest | null>(null);

  /** The chosen folder, or null when cancelled. */
  async choose(
    backend: Backend,
    title: string,
    initial: string | null = null,
  ): Promise<string | null> {
    if (backend.desktop !== null) return (await backend.desktop.chooseFolders())[0] ?? null;
    this.request?.finish(null);
    return new Promise((resolve) => {
      this.request = {
        title,
        initial,
        finish: (folder) => {
          this.request = null;
          resolve(folder);
        },
      };
    });
  }
}

export const folderPicker = new FolderPicker();
