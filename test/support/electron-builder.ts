/**
 * electron-builder's own code, to check electron-builder.yml the way a build
 * reads it: its config loader and schema, its file matchers and macros, and its
 * Linux .desktop writer. It lives in app-builder-lib (electron-builder's
 * implementation, installed with it); the internal parts have no typings and are
 * loaded with require, typed here as far as these tests use them.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Configuration, PlatformSpecificBuildOptions } from 'electron-builder';

const require = createRequire(import.meta.url);
// No trailing slash: electron-builder compares the app folder with its matchers' (normalized) roots.
export const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

export type BuilderPlatform = 'mac' | 'win' | 'linux';
/** electron-builder's `${platform}`, the build machine's process.platform, is the target's. */
const nodePlatform = { mac: 'darwin', win: 'win32', linux: 'linux' } as const;

export interface BuildTarget {
  platform: BuilderPlatform;
  arch: string;
}

interface FilterStats {
  isDirectory(): boolean;
  moduleFullFilePath?: string;
}
type Filter = (file: string, stat: FilterStats) => boolean;
interface FileMatcher {
  from: string;
  to: string;
  createFilter(): Filter;
}
type MacroExpander = (pattern: string) => string;
interface MatcherOptions {
  macroExpander: MacroExpander;
  customBuildOptions: PlatformSpecificBuildOptions;
  globalOutDir: string;
  defaultSrc: string;
}
interface DebugLogger {
  readonly isEnabled: boolean;
}

const { getConfig, validateConfiguration } =
  require('app-builder-lib/out/util/config/config.js') as {
    getConfig: (
      projectDir: string,
      configPath: null,
      configFromOptions: null,
    ) => Promise<Configuration>;
    validateConfiguration: (config: Configuration, debugLogger: DebugLogger) => Promise<void>;
  };
const { DebugLogger } = require('builder-util') as {
  DebugLogger: new (isEnabled: boolean) => DebugLogger;
};
const { expandMacro } = require('app-builder-lib/out/util/macroExpander.js') as {
  expandMacro: (pattern: string, arch: string, appInfo: object, extra: object) => string;
};
const fileMatcher = require('app-builder-lib/out/fileMatcher.js') as {
  getFileMatchers(
    config: Configuration,
    name: 'extraResources' | 'asarUnpack',
    destination: string,
    options: MatcherOptions,
  ): FileMatcher[] | null;
  getMainFileMatchers(
    appDir: string,
    destination: string,
    macroExpander: MacroExpander,
    platformOptions: PlatformSpecificBuildOptions,
    platformPackager: { info: object },
    outDir: string,
    isElectronCompile: boolean,
  ): FileMatcher[];
  getNodeModuleFileMatcher(
    appDir: string,
    destination: string,
    macroExpander: MacroExpander,
    platformOptions: PlatformSpecificBuildOptions,
    packager: object,
  ): FileMatcher;
};

/** electron-builder.yml (with package.json's `build`, of which there is none), as a build loads it. */
export function loadBuilderConfig(): Promise<Configuration> {
  return getConfig(repoRoot, null, null);
}

export function validateBuilderConfig(config: Configuration): Promise<void> {
  return validateConfiguration(config, new DebugLogger(false));
}

export function platformOptions(
  config: Configuration,
  platform: BuilderPlatform,
): PlatformSpecificBuildOptions {
  return config[platform] ?? {};
}

/** A path relative to the repository (its in-app path too) → whether the build takes it. */
export type PathFilter = (relative: string, isDirectory: boolean) => boolean;

const appDestination = path.join(repoRoot, 'release', 'app');
const outDir = path.join(repoRoot, 'release');

function macroExpander({ platform, arch }: BuildTarget): MacroExpander {
  return (pattern) =>
    expandMacro(
      pattern.replaceAll('${platform}', nodePlatform[platform]),
      arch,
      {},
      {
        os: platform,
        '/*': '{,/**/*}',
      },
    );
}

function matcherOptions(config: Configuration, target: BuildTarget): MatcherOptions {
  return {
    macroExpander: macroExpander(target),
    customBuildOptions: platformOptions(config, target.platform),
    globalOutDir: outDir,
    defaultSrc: repoRoot,
  };
}

/** Node-module files carry their in-app path, as electron-builder's copier gives them. */
function asPathFilter(filter: Filter, isNodeModule: boolean): PathFilter {
  return (relative, isDirectory) =>
    filter(path.join(repoRoot, relative), {
      isDirectory: () => isDirectory,
      ...(isNodeModule ? { moduleFullFilePath: relative } : {}),
    });
}

/** What goes into the app from node_modules (the build applies only `files`' exclusions there). */
export function nodeModulesFilter(config: Configuration, target: BuildTarget): PathFilter {
  const matcher = fileMatcher.getNodeModuleFileMatcher(
    repoRoot,
    appDestination,
    macroExpander(target),
    platformOptions(config, target.platform),
    { config, debugLogger: new DebugLogger(false) },
  );
  return asPathFilter(matcher.createFilter(), true);
}

/** What goes into the app from the project itself (node_modules aside). */
export function appFilesFilter(config: Configuration, target: BuildTarget): PathFilter {
  const info = {
    projectDir: repoRoot,
    buildResourcesDir: path.join(repoRoot, config.directories?.buildResources ?? 'build'),
    config,
    isPrepackedAppAsar: false,
    debugLogger: new DebugLogger(false),
  };
  const filters = fileMatcher
    .getMainFileMatchers(
      repoRoot,
      appDestination,
      macroExpander(target),
      platformOptions(config, target.platform),
      { info },
      outDir,
      false,
    )
    .map((matcher) => asPathFilter(matcher.createFilter(), false));
  return (relative, isDirectory) => filters.some((filter) => filter(relative, isDirectory));
}

export function asarUnpackFilter(config: Configuration, target: BuildTarget): PathFilter {
  const [matcher] =
    fileMatcher.getFileMatchers(
      config,
      'asarUnpack',
      appDestination,
      matcherOptions(config, target),
    ) ?? [];
  if (matcher === undefined) throw new Error('no asarUnpack patterns');
  return asPathFilter(matcher.createFilter(), true);
}

export interface ExtraResource {
  /** Relative to the repository. */
  from: string;
  /** Relative to the app's resources folder. */
  to: string;
  filter: PathFilter;
}

export function extraResources(config: Configuration, target: BuildTarget): ExtraResource[] {
  const resourcesDir = path.join(appDestination, 'resources');
  const matchers =
    fileMatcher.getFileMatchers(
      config,
      'extraResources',
      resourcesDir,
      matcherOptions(config, target),
    ) ?? [];
  return matchers.map((matcher) => ({
    from: path.relative(repoRoot, matcher.from),
    to: path.relative(resourcesDir, matcher.to),
    filter: asPathFilter(matcher.createFilter(), false),
  }));
}

/**
 * The files under `dir` (relative to the repository) that `filter` takes,
 * walking as electron-builder does: a folder it rejects is not entered.
 */
export async function selectFiles(dir: string, filter: PathFilter): Promise<string[]> {
  const selected: string[] = [];
  const entries = await readdir(path.join(repoRoot, dir), { withFileTypes: true });
  for (const entry of entries) {
    const relative = path.join(dir, entry.name);
    if (!filter(relative, entry.isDirectory())) continue;
    if (entry.isDirectory()) selected.push(...(await selectFiles(relative, filter)));
    else selected.push(relative);
  }
  return selected.sort();
}

interface DesktopEntryWriter {
  computeDesktopEntry(options: object): Promise<string>;
}
const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper.js') as {
  LinuxTargetHelper: new (packager: object) => DesktopEntryWriter;
};
const { default: AppImageTarget } =
  require('app-builder-lib/out/targets/appimage/AppImageTarget.js') as {
    default: new (
      ignored: string,
      packager: object,
      helper: DesktopEntryWriter,
      outDir: string,
    ) => { desktopEntry: { value: Promise<string> } };
  };

/**
 * The .desktop entry each Linux target installs, written by electron-builder's
 * own code for a packager that holds just what that code reads.
 */
export async function linuxDesktopEntries(
  config: Configuration,
): Promise<{ deb: string; rpm: string; appImage: string }> {
  const metadata = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
    description: string;
    desktopName?: string;
  };
  const linux = config.linux ?? {};
  const productName = config.productName ?? '';
  const packager = {
    appInfo: {
      productName,
      sanitizedProductName: productName,
      description: metadata.description,
      buildVersion: metadata.version,
    },
    executableName: linux.executableName,
    info: { metadata },
    fileAssociations: [config.fileAssociations ?? [], linux.fileAssociations ?? []].flat(),
    config,
    platformSpecificBuildOptions: linux,
  };
  const helper = new LinuxTargetHelper(packager);
  return {
    deb: await helper.computeDesktopEntry({ ...linux, ...config.deb }),
    rpm: await helper.computeDesktopEntry({ ...linux, ...config.rpm }),
    appImage: await new AppImageTarget('', packager, helper, outDir).desktopEntry.value,
  };
}

/** A .desktop file's [Desktop Entry] keys. */
export function desktopEntryKeys(entry: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of entry.split('\n')) {
    const separator = line.indexOf('=');
    if (separator > 0) keys.set(line.slice(0, separator), line.slice(separator + 1));
  }
  return keys;
}
