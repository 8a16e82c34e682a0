/**
 * Where an upscaled photo goes. Pure path logic shared by the CLI and the job
 * queue, so both name outputs the same way and neither can clobber an input.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultNameTemplate, nameTemplateProblem } from '../../common/contract.js';
import { InvalidError } from '../../common/errors.js';
import { isYonosOutput } from './output-marker.js';
import type { OutputFormat } from './types.js';

export { defaultNameTemplate };

import type { CollisionPolicy } from '../../common/contract.js';

export type { CollisionPolicy };

export interface OutputPathRequest {
  input: string;
  /** Default: beside the input. */
  outDir?: string;
  /** `{name}` is the input's file name without extension, `{scale}` the factor. */
  template?: string;
  scale: number;
  /** Default: the input's format (PNG for formats Yonos cannot write). */
  format?: OutputFormat;
  collision: CollisionPolicy;
  /** With outDir: mirror the input's folder relative to this root under outDir. */
  sourceRoot?: string;
  /** Names already given to photos whose files are not written yet: taken, as if they existed. */
  claimed?: ReadonlySet<string>;
}

export interface ResolvedOutput {
  path: string;
  action: 'write' | 'skip';
}

const formatExtensions: Record<OutputFormat, string> = {
  png: '.png',
  jpg: '.jpg',
  webp: '.webp',
  avif: '.avif',
  tiff: '.tiff',
};

const extensionFormats: Record<string, OutputFormat> = {
  '.png': 'png',
  '.jpg': 'jpg',
  '.jpeg': 'jpg',
  '.webp': 'webp',
  '.avif': 'avif',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

/** The output format a file name asks for, or undefined for other extensions. */
export function formatFromPath(file: string): OutputFormat | undefined {
  return extensionFormats[path.extname(file).toLowerCase()];
}

export function resolveOutputPath(request: OutputPathRequest): ResolvedOutput {
  const { input, collision } = request;
  const directory = outputDirectory(request);
  const stem = expandTemplate(request.template ?? defaultNameTemplate, input, request.scale);
  const extension = outputExtension(input, request.format);
  const candidate = path.join(directory, stem + extension);
  if (isSameFile(candidate, input)) {
    throw new Error(`The output name for ${input} is the input itself; choose another --name.`);
  }
  const claimed = request.claimed ?? new Set<string>();
  const taken = (file: string): boolean => existsSync(file) || claimed.has(file);
  if (!taken(candidate) || collision === 'overwrite') {
    return { path: candidate, action: 'write' };
  }
  if (collision === 'skip') return { path: candidate, action: 'skip' };
  return { path: firstFreeIncrement(directory, stem, extension, taken), action: 'write' };
}

/** Why `overwrite` left an existing file alone. */
export type KeptReason =
  'an input of this run' | 'written earlier in this run' | 'not written by Yonos';

export interface OutputPlan extends ResolvedOutput {
  /** With `overwrite`: the file that held the name and was kept, and why. */
  kept?: { path: string; reason: KeptReason };
}

/**
 * The output of one photo, the same whichever door the request came in by
 * (`yonos upscale`, the queue, a watch folder): `resolveOutputPath`, where
 * `overwrite` replaces only Yonos's own earlier outputs (its XMP mark). Any
 * other file that holds the name is kept, and the photo gets a numbered name.
 * `keep` adds the caller's own reasons to keep a file (this run's inputs, say).
 */
export async function planOutput(
  request: OutputPathRequest,
  keep: (existing: string) => KeptReason | null = () => null,
): Promise<OutputPlan> {
  const target = resolveOutputPath(request);
  const claimed = request.claimed?.has(target.path) === true;
  if (request.collision !== 'overwrite' || (!claimed && !existsSync(target.path))) return target;
  const reason =
    keep(target.path) ?? ((await isYonosOutput(target.path)) ? null : 'not written by Yonos');
  if (reason === null) return target;
  return {
    ...resolveOutputPath({ ...request, collision: 'increment' }),
    kept: { path: target.path, reason },
  };
}

function outputDirectory({ input, outDir, sourceRoot }: OutputPathRequest): string {
  if (outDir === undefined) return path.dirname(path.resolve(input));
  if (sourceRoot === undefined) return path.resolve(outDir);
  const relative = path.relative(path.resolve(sourceRoot), path.dirname(path.resolve(input)));
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`${input} is not inside the source folder ${sourceRoot}.`);
  }
  return path.resolve(outDir, relative);
}

/** Expands a name template; throws InvalidError for one the contract would refuse. */
export function expandTemplate(template: string, input: string, scale: number): string {
  const problem = nameTemplateProblem(template);
  if (problem !== null) throw new InvalidError(problem);
  const stem = path.basename(input, path.extname(input));
  return template.replace(/\{(name|scale)\}/g, (_placeholder, key: string) =>
    key === 'name' ? stem : String(scale),
  );
}

function outputExtension(input: string, format: OutputFormat | undefined): string {
  if (format !== undefined) return formatExtensions[format];
  const inputExtension = path.extname(input);
  // Keep the input's own spelling (.jpeg stays .jpeg) when Yonos can write it.
  return formatFromPath(input) !== undefined ? inputExtension : formatExtensions.png;
}

function firstFreeIncrement(
  directory: string,
  stem: string,
  extension: string,
  taken: (file: string) => boolean,
): string {
  for (let n = 1; ; n += 1) {
    const candidate = path.join(directory, `${stem} (${n})${extension}`);
    if (!taken(candidate)) return candidate;
  }
}

/** Same path, or (on case-insensitive or linked file systems) the same file on disk. */
export function isSameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const [statA, statB] = [statSync(a), statSync(b)];
    return statA.dev === statB.dev && statA.ino === statB.ino;
  } catch {
    return false;
  }
}
