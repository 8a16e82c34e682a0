/**
 * Finds model packages: built-in ones in native-models/, user ones in the data
 * directory's models/ folder and in folders given with `--models DIR`.
 * Scanning is synchronous and cheap (small JSON files and stat calls), so the
 * list is always current.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  declaresGraphFormat,
  isGraphManifest,
  parseGraphManifest,
  type AnyManifest,
} from './graph-manifest.js';
import { graphNames, parseManifest } from './manifest.js';
import type { ModelInfo, Scale } from './types.js';

export interface ModelSource {
  dir: string;
  builtIn: boolean;
  /** Whether a missing folder is worth reporting (it is for `--models DIR`). */
  required: boolean;
}

export interface ModelProblem {
  dir: string;
  message: string;
}

export interface ModelScan {
  models: ModelInfo[];
  problems: ModelProblem[];
}

/**
 * The built-in models folder: `native-models/` in the nearest ancestor of this
 * module. That is the repository from sources and from dist/cli or dist/electron,
 * and Electron's resources folder once packaged (extraResources).
 */
export function findBuiltInModelsDir(from = fileURLToPath(import.meta.url)): string | null {
  let directory = path.dirname(from);
  for (let level = 0; level < 6; level += 1) {
    const candidate = path.join(directory, 'native-models');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return null;
}

/** Where `yonos models add` installs, and the only folder `yonos models remove` deletes from. */
export function userModelsDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

/** The model folders in search order: the most specific source first. */
export function modelSources(options: {
  modelDirs?: readonly string[];
  dataDir: string;
  builtInModelsDir: string | null;
}): ModelSource[] {
  const sources: ModelSource[] = (options.modelDirs ?? []).map((dir) => ({
    dir: path.resolve(dir),
    builtIn: false,
    required: true,
  }));
  sources.push({ dir: userModelsDir(options.dataDir), builtIn: false, required: false });
  if (options.builtInModelsDir !== null) {
    sources.push({ dir: options.builtInModelsDir, builtIn: true, required: false });
  }
  return sources;
}

/**
 * Every model package in the sources. Built-in ids are reserved: a user package
 * with one (a trained model that kept the shipped id) is refused and reported,
 * so it never hides the built-in nor passes itself off as it.
 */
export function scanModels(sources: readonly ModelSource[]): ModelScan {
  const scan: ModelScan = { models: [], problems: [] };
  const loaded = sources.flatMap((source) =>
    candidateModelDirs(source, scan.problems).map((dir) => loadCandidate(dir, source.builtIn)),
  );
  const builtIns = new Map(
    loaded.flatMap((entry) =>
      entry instanceof PackageError || !entry.builtIn ? [] : [[entry.id, entry]],
    ),
  );
  for (const entry of loaded) {
    if (entry instanceof PackageError)
      scan.problems.push({ dir: entry.dir, message: entry.message });
    else {
      const problem = idProblem(entry, builtIns.get(entry.id), scan.models);
      if (problem === null) scan.models.push(entry);
      else scan.problems.push({ dir: entry.dir, message: problem });
    }
  }
  return scan;
}

class PackageError extends Error {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
  }
}

function loadCandidate(dir: string, builtIn: boolean): ModelInfo | PackageError {
  try {
    return loadModelInfo(dir, builtIn);
  } catch (error) {
    return new PackageError(dir, (error as Error).message);
  }
}

function idProblem(
  model: ModelInfo,
  builtIn: ModelInfo | undefined,
  accepted: readonly ModelInfo[],
): string | null {
  if (!model.builtIn && builtIn !== undefined) {
    return (
      `id "${model.id}" is the built-in model's (${builtIn.dir}); a model you train needs its ` +
      'own id: export it with `yonos-train pipeline --name …`'
    );
  }
  const earlier = accepted.find((known) => known.id === model.id);
  return earlier === undefined ? null : `id "${model.id}" is already taken by ${earlier.dir}`;
}

/** A source folder is either one model package or a folder of them. */
function candidateModelDirs(source: ModelSource, problems: ModelProblem[]): string[] {
  if (!existsSync(source.dir)) {
    if (source.required) problems.push({ dir: source.dir, message: 'folder not found' });
    return [];
  }
  if (existsSync(path.join(source.dir, 'manifest.json'))) return [source.dir];
  return (
    readdirSync(source.dir, { withFileTypes: true })
      // Hidden folders are packages still being written (model-add.ts).
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => path.join(source.dir, entry.name))
      .filter((dir) => existsSync(path.join(dir, 'manifest.json')))
      .sort()
  );
}

/** Reads and validates one model package, of either kind; throws an Error naming the problem. */
export function loadModelInfo(dir: string, builtIn: boolean): ModelInfo {
  const manifest = readManifest(path.join(dir, 'manifest.json'));
  for (const [key, name] of packageFiles(manifest)) {
    const file = path.join(dir, name);
    if (!existsSync(file) || !statSync(file).isFile() || statSync(file).size === 0) {
      throw new Error(`${key}: ${name} is missing or empty`);
    }
  }
  return { id: manifest.id, name: manifest.name, scale: manifest.scale, dir, builtIn, manifest };
}

function readManifest(file: string): AnyManifest {
  const text = readFileSync(file, 'utf8');
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // parseManifest says what is wrong with the JSON.
  }
  return declaresGraphFormat(json) ? parseGraphManifest(json) : parseManifest(text);
}

/** [manifest key, file name] of each ONNX file the package must hold. */
function packageFiles(manifest: AnyManifest): [string, string][] {
  if (isGraphManifest(manifest)) return [['file', manifest.file]];
  return graphNames.map((graph) => [`files.${graph}`, manifest.files[graph]]);
}

/**
 * The model to use: the one asked for by id, else the first YONOS package for
 * the scale in search order (then the first single graph).
 */
export function pickModel(
  scan: ModelScan,
  sources: readonly ModelSource[],
  scale: Scale,
  modelId?: string,
): ModelInfo {
  if (modelId !== undefined) {
    const model = scan.models.find((candidate) => candidate.id === modelId);
    if (model === undefined) {
      const known = scan.models.map((candidate) => candidate.id).join(', ') || 'none';
      throw new Error(`Model "${modelId}" not found (installed: ${known})${problemNote(scan)}`);
    }
    if (model.scale !== scale) {
      throw new Error(`Model "${modelId}" upscales ×${model.scale}, not ×${scale}.`);
    }
    return model;
  }
  // A model you added (a single graph) is used when asked for, or when no YONOS model has the scale.
  const forScale = scan.models.filter((candidate) => candidate.scale === scale);
  const model = forScale.find((candidate) => !isGraphManifest(candidate.manifest)) ?? forScale[0];
  if (model === undefined) {
    const looked = sources.map((source) => source.dir).join(', ');
    throw new Error(`No ×${scale} model installed (looked in ${looked})${problemNote(scan)}`);
  }
  return model;
}

function problemNote(scan: ModelScan): string {
  if (scan.problems.length === 0) return '.';
  const notes = scan.problems.map((problem) => `${problem.dir}: ${problem.message}`);
  return `; skipped: ${notes.join('; ')}`;
}
