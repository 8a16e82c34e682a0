/**
 * Installs, removes and reports the per-user "Upscale ×4 / ×8" right-click
 * actions for Nautilus, Nemo, Dolphin, Thunar and PCManFM(-Qt) on Linux. Every
 * action runs one generated launcher (launcher.ts). Install is idempotent;
 * uninstall removes only what Yonos wrote.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { ActionState, FileManagerId, IntegrationStatus } from '../../common/contract.js';
import {
  dolphinServiceMenu,
  nautilusScripts,
  nemoActions,
  pcmanfmActions,
  type GeneratedFile,
} from './action-files.js';
import { generatedMarker, launcherScript, type ActionTargets } from './launcher.js';
import { integrationPlaces, type IntegrationPlaces } from './locations.js';
import {
  emptyThunarActions,
  findThunarActions,
  hasOtherThunarActions,
  mergeThunarActions,
  removeThunarActions,
  sameThunarAction,
  thunarActions,
} from './thunar-actions.js';

export type { ActionTargets, CliTarget } from './launcher.js';

/** The status on Linux, where the actions exist. */
export type ActionsStatus = Extract<IntegrationStatus, { supported: true }>;

export interface IntegrationOptions {
  /** Where the app records its pid (`<dataDir>/app.pid`). */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

const fileManagerNames: Record<FileManagerId, string> = {
  nautilus: 'Nautilus (GNOME Files)',
  nemo: 'Nemo (Cinnamon)',
  dolphin: 'Dolphin (KDE)',
  thunar: 'Thunar (Xfce)',
  pcmanfm: 'PCManFM and PCManFM-Qt (LXDE, LXQt)',
};
const fileManagerIds = Object.keys(fileManagerNames) as FileManagerId[];

/** The file managers whose actions are whole files of ours. */
function ownedFiles(
  places: IntegrationPlaces,
): Record<Exclude<FileManagerId, 'thunar'>, GeneratedFile[]> {
  return {
    nautilus: nautilusScripts(places),
    nemo: nemoActions(places),
    dolphin: [dolphinServiceMenu(places)],
    pcmanfm: pcmanfmActions(places),
  };
}

const thunarFile = (places: IntegrationPlaces): string =>
  path.join(places.configHome, 'Thunar', 'uca.xml');

export function installActions(targets: ActionTargets, options: IntegrationOptions): ActionsStatus {
  if (targets.app === undefined && targets.cli === undefined) {
    throw new Error(
      'Nothing here for the actions to run: install them from the Yonos app or with `yonos integrate --install`.',
    );
  }
  const places = placesFor(options);
  // Checked first, so a uca.xml we cannot merge into leaves nothing half-installed.
  const uca = thunarFile(places);
  const merged = mergeThunarActions(
    readText(uca) ?? systemThunarActions(places) ?? emptyThunarActions,
    thunarActions(places),
  );
  if (merged === null) throw new Error(`${uca} is not a Thunar actions file; left it as it is.`);
  writeGenerated({
    path: places.launcher,
    content: launcherScript(targets, options.dataDir),
    executable: true,
  });
  for (const files of Object.values(ownedFiles(places))) files.forEach(writeGenerated);
  writeAtomically(uca, merged, modeOf(uca) ?? 0o644);
  return actionsStatus(targets, options);
}

export function uninstallActions(
  targets: ActionTargets,
  options: IntegrationOptions,
): ActionsStatus {
  const places = placesFor(options);
  const generated = Object.values(ownedFiles(places)).flat();
  for (const file of [places.launcher, ...generated.map((owned) => owned.path)]) {
    if (readText(file)?.includes(generatedMarker) === true) rmSync(file);
  }
  const uca = thunarFile(places);
  const xml = readText(uca);
  if (xml !== null && findThunarActions(xml).length > 0) {
    if (hasOtherThunarActions(xml)) {
      writeAtomically(uca, removeThunarActions(xml), modeOf(uca) ?? 0o644);
    } else {
      rmSync(uca);
    }
  }
  return actionsStatus(targets, options);
}

/** Compares what is on disk with what an install with these targets would write now. */
export function actionsStatus(targets: ActionTargets, options: IntegrationOptions): ActionsStatus {
  const places = placesFor(options);
  const launcher = fileState({
    path: places.launcher,
    content: launcherScript(targets, options.dataDir),
    executable: true,
  });
  const owned = ownedFiles(places);
  const fileManagers = fileManagerIds.map((id) => {
    const files = id === 'thunar' ? null : owned[id];
    return {
      id,
      name: fileManagerNames[id],
      state: files === null ? thunarState(places) : combined(files.map(fileState)),
      paths: files === null ? [thunarFile(places)] : files.map((file) => file.path),
    };
  });
  return {
    supported: true,
    state: combined([launcher, ...fileManagers.map((entry) => entry.state)]),
    launcher: { path: places.launcher, state: launcher },
    fileManagers,
  };
}

function placesFor(options: IntegrationOptions): IntegrationPlaces {
  return integrationPlaces(options.env, options.home);
}

/** Per file: `installed` when current, `outdated` when ours but different, else `not-installed`. */
function fileState(expected: GeneratedFile): ActionState {
  const content = readText(expected.path);
  if (content === expected.content && (!expected.executable || isExecutable(expected.path))) {
    return 'installed';
  }
  return content?.includes(generatedMarker) === true ? 'outdated' : 'not-installed';
}

function thunarState(places: IntegrationPlaces): ActionState {
  const found = findThunarActions(readText(thunarFile(places)) ?? '');
  if (found.length === 0) return 'not-installed';
  const expected = thunarActions(places);
  const current =
    found.length === expected.length &&
    expected.every((action) => found.some((candidate) => sameThunarAction(candidate, action)));
  return current ? 'installed' : 'outdated';
}

function combined(states: ActionState[]): ActionState {
  if (states.every((state) => state === 'installed')) return 'installed';
  if (states.every((state) => state === 'not-installed')) return 'not-installed';
  return 'outdated';
}

/**
 * Without a uca.xml of its own, Thunar shows the system-wide one (e.g. its
 * "Open Terminal Here"); a new user file starts from it so those stay.
 */
function systemThunarActions(places: IntegrationPlaces): string | null {
  for (const dir of places.configDirs) {
    const text = readText(path.join(dir, 'Thunar', 'uca.xml'));
    if (text !== null) return text;
  }
  return null;
}

function writeGenerated(file: GeneratedFile): void {
  writeAtomically(file.path, file.content, file.executable ? 0o755 : 0o644);
}

/**
 * Replaces the file in one step, so a file manager never reads half of it.
 * Through a symlink (dotfile managers keep uca.xml as one) it replaces the
 * link's target and keeps the link.
 */
function writeAtomically(link: string, content: string, mode: number): void {
  const file = existsSync(link) ? realpathSync(link) : link;
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.yonos-${process.pid}.tmp`;
  writeFileSync(temp, content);
  chmodSync(temp, mode);
  renameSync(temp, file);
}

function modeOf(file: string): number | null {
  return existsSync(file) ? statSync(file).mode & 0o777 : null;
}

function readText(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

function isExecutable(file: string): boolean {
  return ((modeOf(file) ?? 0) & 0o100) !== 0;
}

/** What a platform other than Linux has instead of these actions; null on Linux. */
export function otherPlatformActions(platform: NodeJS.Platform = process.platform): string | null {
  switch (platform) {
    case 'linux':
      return null;
    case 'win32':
      return 'On Windows the Yonos installer adds "Upscale ×4" and "Upscale ×8" to the right-click menu of images in File Explorer; reinstall Yonos to get them back.';
    case 'darwin':
      return 'On macOS the right-click actions are Finder Quick Actions: install them from the Yonos app (see Packaging in the README).';
    default:
      return 'Right-click actions exist for Linux file managers, Windows File Explorer and the macOS Finder only.';
  }
}
