/**
 * The desktop app's own command line, as every launch path delivers it: the
 * first process's argv, a later launch's argv (Electron's `second-instance`),
 * file-manager actions and "Open with":
 *
 *   Yonos [--upscale 4|8 [--out DIR]] [--] FILE…
 *
 * Chromium and Electron add switches of their own anywhere in that argv
 * (`--allow-file-access-from-files`, `--original-process-start-time=…`), macOS
 * adds `-psn_…`; all are ignored. On Windows, Chromium also rebuilds a second
 * instance's argv as switches first, then the other arguments, so
 * `--upscale 4 a.jpg` arrives as `--upscale --allow-… 4 a.jpg`. The parser
 * undoes that (a value moved behind the switches is taken back in order), but
 * the commands we generate use `--upscale=4 -- FILE…`, which no reordering
 * can split.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const launchScales = [4, 8] as const;
export type LaunchScale = (typeof launchScales)[number];

export type LaunchRequest =
  | { kind: 'upscale'; scale: LaunchScale; outDir: string | null; files: string[] }
  /** Files opened without --upscale (Open with, macOS open-file): import and show them. */
  | { kind: 'open'; files: string[] }
  | { kind: 'none' };

export class LaunchArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchArgsError';
  }
}

export interface LaunchArgsContext {
  /**
   * Leading positional arguments that are not files: the executable, and in
   * development (Electron's `process.defaultApp`) the main script too. Counted
   * among positionals, not argv slots, since switches may come before them.
   */
  skip: number;
  /** Relative files and --out resolve against it (a second instance's own working directory). */
  cwd: string;
}

type OwnOption = 'upscale' | 'out';
const ownOptions = new Set<string>(['upscale', 'out']);

/** Throws LaunchArgsError for a request that can't be right (`--upscale 3`, `--out` alone). */
export function parseLaunchArgs(
  argv: readonly string[],
  context: LaunchArgsContext,
): LaunchRequest {
  const values = readOptions(argv, context.skip);
  const files = values.files.map((file) => resolveFile(file, context.cwd));
  if (values.upscale === undefined) {
    if (values.out !== undefined) throw new LaunchArgsError('--out only goes with --upscale.');
    return files.length === 0 ? { kind: 'none' } : { kind: 'open', files };
  }
  const scale = launchScales.find((candidate) => String(candidate) === values.upscale);
  if (scale === undefined) {
    throw new LaunchArgsError(
      `--upscale takes ${launchScales.join(' or ')}, not "${values.upscale}".`,
    );
  }
  if (files.length === 0) throw new LaunchArgsError('--upscale needs at least one file.');
  const outDir = values.out === undefined ? null : path.resolve(context.cwd, values.out);
  return { kind: 'upscale', scale, outDir, files };
}

interface RawLaunchArgs {
  upscale?: string;
  out?: string;
  files: string[];
}

/**
 * Our options are deliberately not declared to parseArgs: a declared string
 * option would swallow the next switch as its value (`--upscale --no-sandbox`).
 * Its tokens tell options, positionals and `--` apart; values are paired here.
 */
function readOptions(argv: readonly string[], skip: number): RawLaunchArgs {
  const { tokens } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const raw: RawLaunchArgs = { files: [] };
  /** Options whose value Chromium moved behind the switches, in order. */
  const awaiting: OwnOption[] = [];
  /** Positionals before `--`: where moved values can be. */
  const leading: string[] = [];
  let skipped = 0;
  let terminated = false;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token === undefined) continue;
    if (token.kind === 'option-terminator') {
      terminated = true;
    } else if (token.kind === 'positional') {
      if (skipped < skip) skipped++;
      else if (terminated) raw.files.push(token.value);
      else leading.push(token.value);
    } else if (ownOptions.has(token.name)) {
      const name = token.name as OwnOption;
      const next = tokens[index + 1];
      if (token.value !== undefined) {
        raw[name] = token.value;
      } else if (
        awaiting.length === 0 &&
        next?.kind === 'positional' &&
        next.index === token.index + 1
      ) {
        raw[name] = next.value;
        index++;
      } else {
        awaiting.push(name);
      }
    }
    // Anything else is a Chromium, Electron or macOS switch.
  }
  for (const name of awaiting) {
    const value = leading.shift();
    if (value === undefined) throw new LaunchArgsError(`--${name} needs a value.`);
    raw[name] = value;
  }
  raw.files.unshift(...leading);
  return raw;
}

/** Linux file managers may hand over file:// URLs (a desktop entry's %U). */
function resolveFile(file: string, cwd: string): string {
  return file.startsWith('file://') ? fileURLToPath(file) : path.resolve(cwd, file);
}
