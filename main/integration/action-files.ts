/**
 * The files that put "Upscale ×4" and "Upscale ×8" into the right-click menu
 * of images, one format per file manager. Each action runs the launcher with
 * the scale and the selected files. Thunar keeps its actions in one shared
 * file instead: see thunar-actions.ts.
 */
import path from 'node:path';
import { generatedMarker } from './launcher.js';
import type { IntegrationPlaces } from './locations.js';
import { commandWord, keyFileValue, shellWord } from './quoting.js';

export const actionScales = [4, 8] as const;
export type ActionScale = (typeof actionScales)[number];

export const actionLabel = (scale: ActionScale): string => `Upscale ×${scale}`;
export const actionTooltip = (scale: ActionScale): string =>
  `Upscale the selected photos ${scale}× with Yonos`;
/** A freedesktop standard icon, so the actions have one even without the app installed. */
export const actionIcon = 'zoom-in';

export interface GeneratedFile {
  path: string;
  content: string;
  /** Nautilus scripts, Dolphin service menus and the launcher must be executable. */
  executable: boolean;
}

/** The launcher and a scale, ready for a file manager to append the selection. */
export function actionCommand(places: IntegrationPlaces, scale: ActionScale): string {
  return `${commandWord(places.launcher)} ${scale}`;
}

/**
 * GNOME Files runs executable scripts from its scripts folder (name = menu
 * label) in the open folder, with the selection as arguments relative to it
 * and, for local files, as absolute paths in NAUTILUS_SCRIPT_SELECTED_FILE_PATHS.
 */
export function nautilusScripts(places: IntegrationPlaces): GeneratedFile[] {
  return actionScales.map((scale) => ({
    path: path.join(places.dataHome, 'nautilus', 'scripts', actionLabel(scale)),
    executable: true,
    content: `#!/bin/sh
# ${generatedMarker}
if [ -n "$NAUTILUS_SCRIPT_SELECTED_FILE_PATHS" ]; then
  IFS='
'
  set -f
  set -- $NAUTILUS_SCRIPT_SELECTED_FILE_PATHS
fi
exec ${shellWord(places.launcher)} ${scale} "$@"
`,
  }));
}

/**
 * Nemo (Cinnamon) substitutes %F unquoted; EscapeSpaces makes it escape
 * spaces, and current Nemo escapes quotes too, before its GLib shell parser
 * splits the line.
 */
export function nemoActions(places: IntegrationPlaces): GeneratedFile[] {
  return actionScales.map((scale) => ({
    path: path.join(places.dataHome, 'nemo', 'actions', `yonos-upscale-x${scale}.nemo_action`),
    executable: false,
    content: keyFile([
      [
        'Nemo Action',
        [
          ['Active', 'true'],
          ['Name', actionLabel(scale)],
          ['Comment', actionTooltip(scale)],
          ['Exec', `${actionCommand(places, scale)} %F`],
          ['Icon-Name', actionIcon],
          ['Selection', 'notnone'],
          ['Mimetypes', 'image/*;'],
          ['EscapeSpaces', 'true'],
        ],
      ],
    ]),
  }));
}

/**
 * Dolphin (KDE Frameworks 5.85+ and 6) reads service menus from
 * kio/servicemenus and only trusts executable ones there. X-KDE-ServiceTypes
 * is what KF5 looks for; KF6 goes by MimeType.
 */
export function dolphinServiceMenu(places: IntegrationPlaces): GeneratedFile {
  const actionId = (scale: ActionScale): string => `yonosUpscaleX${scale}`;
  return {
    path: path.join(places.dataHome, 'kio', 'servicemenus', 'yonos-upscale.desktop'),
    executable: true,
    content: keyFile([
      [
        'Desktop Entry',
        [
          ['Type', 'Service'],
          ['MimeType', 'image/*;'],
          ['Actions', `${actionScales.map(actionId).join(';')};`],
          ['X-KDE-ServiceTypes', 'KonqPopupMenu/Plugin'],
          ['X-KDE-Priority', 'TopLevel'],
        ],
      ],
      ...actionScales.map((scale): KeyFileGroup => [
        `Desktop Action ${actionId(scale)}`,
        [
          ['Name', actionLabel(scale)],
          ['Icon', actionIcon],
          ['Exec', `${actionCommand(places, scale)} %F`],
        ],
      ]),
    ]),
  };
}

/**
 * PCManFM and PCManFM-Qt (libfm) read the DES-EMA "file-manager actions"
 * format; libfm shell-quotes each path it puts in place of %F.
 */
export function pcmanfmActions(places: IntegrationPlaces): GeneratedFile[] {
  return actionScales.map((scale) => ({
    path: path.join(places.dataHome, 'file-manager', 'actions', `yonos-upscale-x${scale}.desktop`),
    executable: false,
    content: keyFile([
      [
        'Desktop Entry',
        [
          ['Type', 'Action'],
          ['Name', actionLabel(scale)],
          ['Tooltip', actionTooltip(scale)],
          ['Icon', actionIcon],
          ['Profiles', 'upscale;'],
        ],
      ],
      [
        'X-Action-Profile upscale',
        [
          ['MimeTypes', 'image/*;'],
          ['SelectionCount', '>0'],
          ['Exec', `${actionCommand(places, scale)} %F`],
        ],
      ],
    ]),
  }));
}

/** A group name and its keys, in order. */
type KeyFileGroup = [string, [string, string][]];

function keyFile(groups: KeyFileGroup[]): string {
  const sections = groups.map(([group, entries]) =>
    [`[${group}]`, ...entries.map(([key, value]) => `${key}=${keyFileValue(value)}`)].join('\n'),
  );
  return `# ${generatedMarker}\n${sections.join('\n\n')}\n`;
}
