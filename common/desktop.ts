/**
 * What only the desktop app can do for the renderer, beyond the service
 * contract: native dialogs, the file manager, and real paths of dropped files.
 * The preload exposes exactly these functions as `window.yonosDesktop`;
 * under `yonos serve` there is none and the UI offers the browser's way.
 */
export interface DesktopApi {
  /** The native folder picker; an empty list when cancelled. */
  chooseFolders(): Promise<string[]>;
  /** The native file picker for an ONNX model (Settings → Models → Add model…); null when cancelled. */
  chooseModelFile(): Promise<string | null>;
  /** Reveals a file in the system file manager (only files the library knows). */
  showInFolder(path: string): Promise<void>;
  /** The path on disk of a dropped File. */
  pathForFile(file: File): string;
  /** Shows the library window in place of the batch progress window that asks. */
  openMainWindow(): Promise<void>;
}

/** IPC channels behind DesktopApi (namespaced like the service channels). */
export const desktopChannels = {
  chooseFolders: 'yonos-desktop:chooseFolders',
  chooseModelFile: 'yonos-desktop:chooseModelFile',
  showInFolder: 'yonos-desktop:showInFolder',
  openMainWindow: 'yonos-desktop:openMainWindow',
} as const;

/** The custom scheme the desktop window loads full-size images from. */
export const mediaScheme = 'yonos-media';
