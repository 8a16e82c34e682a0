/**
 * The Finder Quick Actions "Upscale with Yonos ×4" and "×8": Automator service
 * workflows whose one "Run Shell Script" action hands the selected images to
 * the app (`--upscale=N -- FILE...`; a running app gets them through its single
 * instance).
 *
 * The templates in resources/macos/ are rendered from here by
 * `npm run gen:integration` (a unit test keeps the committed ones in step), with
 * a placeholder where the app's executable goes. The mac build ships them in
 * Yonos.app/Contents/Resources/quick-actions/, and installQuickActions() copies
 * them into ~/Library/Services/ with the placeholder filled in: on demand only,
 * since the user's Library is theirs.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderPlist, type PlistValue } from './macos-plist.js';
import { shellWord, xmlText } from './quoting.js';

/** Relative to the repository root. */
export const quickActionTemplatesDir = 'resources/macos';

/** Stands for the shell-quoted app executable in the templates. */
const executablePlaceholder = '@YONOS_EXECUTABLE@';

export interface QuickAction {
  scale: number;
  /** The Finder menu item and the bundle's name. */
  name: string;
}

export const quickActions: readonly QuickAction[] = [4, 8].map((scale) => ({
  scale,
  name: `Upscale with Yonos ×${scale}`,
}));

const infoPlistFile = 'Contents/Info.plist';
const documentFile = 'Contents/document.wflow';

const bundleName = (action: QuickAction): string => `${action.name}.workflow`;

/** Template files, by path relative to the templates folder. */
export function renderQuickActionTemplates(): Map<string, string> {
  const files = new Map<string, string>();
  for (const action of quickActions) {
    files.set(`${bundleName(action)}/${infoPlistFile}`, renderPlist(serviceInfo(action)));
    files.set(`${bundleName(action)}/${documentFile}`, renderPlist(workflowDocument(action)));
  }
  return files;
}

/**
 * The script, run with the selected files as arguments. It returns at once:
 * the app shows its own progress, and Finder's gear spins while a script runs.
 */
function shellCommand(scale: number): string {
  return `${executablePlaceholder} --upscale=${scale} -- "$@" >/dev/null 2>&1 &`;
}

function serviceInfo(action: QuickAction): PlistValue {
  return {
    NSServices: [
      {
        NSMenuItem: { default: action.name },
        NSMessage: 'runWorkflowAsService',
        NSRequiredContext: { NSApplicationIdentifier: 'com.apple.finder' },
        NSSendFileTypes: ['public.image'],
      },
    ],
  };
}

const finderPath = '/System/Library/CoreServices/Finder.app';
const runShellScriptPath = '/System/Library/Automator/Run Shell Script.action';
const imageFiles = 'com.apple.Automator.fileSystemObject.image';
const nothing = 'com.apple.Automator.nothing';

/** An Automator document as Automator 2.10 saves a Quick Action with one Run Shell Script action. */
function workflowDocument(action: QuickAction): PlistValue {
  const uuid = (role: string): string => stableUuid(`${action.name} ${role}`);
  return {
    AMApplicationBuild: '523',
    AMApplicationVersion: '2.10',
    AMDocumentVersion: '2',
    actions: [
      {
        action: {
          AMAccepts: { Container: 'List', Optional: true, Types: ['com.apple.cocoa.string'] },
          AMActionVersion: '2.0.3',
          AMApplication: ['Automator'],
          AMParameterProperties: {
            COMMAND_STRING: {},
            CheckedForUserDefaultShell: {},
            inputMethod: {},
            shell: {},
            source: {},
          },
          AMProvides: { Container: 'List', Types: ['com.apple.cocoa.string'] },
          ActionBundlePath: runShellScriptPath,
          ActionName: 'Run Shell Script',
          ActionParameters: {
            COMMAND_STRING: shellCommand(action.scale),
            CheckedForUserDefaultShell: true,
            // 1: the input arrives as arguments ("$@"), not on stdin.
            inputMethod: 1,
            shell: '/bin/zsh',
            source: '',
          },
          BundleIdentifier: 'com.apple.RunShellScript',
          CFBundleVersion: '2.0.3',
          CanShowSelectedItemsWhenRun: false,
          CanShowWhenRun: true,
          Category: ['AMCategoryUtilities'],
          'Class Name': 'RunShellScriptAction',
          InputUUID: uuid('input'),
          Keywords: ['Shell', 'Script', 'Command', 'Run', 'Unix'],
          OutputUUID: uuid('output'),
          UUID: uuid('action'),
          UnlocalizedApplications: ['Automator'],
          isViewVisible: 1,
          location: '309.000000:305.000000',
          nibPath: `${runShellScriptPath}/Contents/Resources/Base.lproj/main.nib`,
        },
        isViewVisible: 1,
      },
    ],
    connectors: {},
    workflowMetaData: {
      applicationBundleID: 'com.apple.finder',
      applicationBundleIDsByPath: { [finderPath]: 'com.apple.finder' },
      applicationPath: finderPath,
      applicationPaths: [finderPath],
      inputTypeIdentifier: imageFiles,
      outputTypeIdentifier: nothing,
      presentationMode: 15,
      processesInput: 0,
      serviceApplicationBundleID: 'com.apple.finder',
      serviceApplicationPath: finderPath,
      serviceInputTypeIdentifier: imageFiles,
      serviceOutputTypeIdentifier: nothing,
      serviceProcessesInput: 0,
      systemImageName: 'NSActionTemplate',
      useAutomaticInputType: 0,
      workflowTypeIdentifier: 'com.apple.Automator.servicesMenu',
    },
  };
}

/** Automator wants UUIDs; deriving them keeps the generated files reproducible. */
function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex').toUpperCase();
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20, 32),
  ].join('-');
}

export function servicesDir(home: string): string {
  return path.join(home, 'Library', 'Services');
}

export interface QuickActionInstall {
  /** The shipped templates: Yonos.app/Contents/Resources/quick-actions. */
  templatesDir: string;
  /** The app's executable: Yonos.app/Contents/MacOS/Yonos. */
  executable: string;
  home: string;
}

/** Installs both Quick Actions, replacing earlier copies; returns the installed bundles. */
export async function installQuickActions({
  templatesDir,
  executable,
  home,
}: QuickActionInstall): Promise<string[]> {
  const filled = xmlText(shellWord(executable));
  const installed: string[] = [];
  for (const action of quickActions) {
    const template = path.join(templatesDir, bundleName(action));
    const info = await readFile(path.join(template, infoPlistFile), 'utf8');
    const document = await readFile(path.join(template, documentFile), 'utf8');
    if (!document.includes(executablePlaceholder)) {
      throw new Error(`${template} is not a Yonos Quick Action template`);
    }
    const bundle = path.join(servicesDir(home), bundleName(action));
    await rm(bundle, { recursive: true, force: true });
    await mkdir(path.join(bundle, 'Contents'), { recursive: true });
    await writeFile(path.join(bundle, infoPlistFile), info);
    await writeFile(
      path.join(bundle, documentFile),
      document.replaceAll(executablePlaceholder, filled),
    );
    installed.push(bundle);
  }
  return installed;
}

/** Removes our Quick Actions (and nothing else); returns the bundles it removed. */
export async function uninstallQuickActions(home: string): Promise<string[]> {
  const removed: string[] = [];
  for (const action of quickActions) {
    const bundle = path.join(servicesDir(home), bundleName(action));
    const existed = existsSync(bundle);
    await rm(bundle, { recursive: true, force: true });
    if (existed) removed.push(bundle);
  }
  return removed;
}
