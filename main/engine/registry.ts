/**
 * Finds model packages: built-in ones in native-models/, user ones in the data
 * directory's models/ folder and in folders given with `--models DIR`.
 * Scanning is synchronous and cheap (small JSON files and stat calls), so the
 * list is always current.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  sources.push({ dir: path.join(options.dataDir, 'models'), builtIn: false, required: false });
  if (options.builtInModelsDir !== null) {
    sources.push({ dir: options.builtInModelsDir, builtIn: true, required: false });
  }
  return sources;
}

export function scanModels(sources: readonly ModelSource[]): ModelScan {
  const scan: ModelScan = { models: [], problems: [] };
  for (const source of sources) {
    for (const dir of candidateModelDirs(source, scan.problems)) {
      addModel(dir, source.builtIn, scan);
    }
  }
  return scan;
}

/** A source folder is either one model package or a folder of them. */
function candidateModelDirs(source: ModelSource, problems: ModelProblem[]): string[] {
  if (!existsSync(source.dir)) {
    if (source.required) problems.push({ dir: source.dir, message: 'folder not found' });
    return [];
  }
  if (existsSync(path.join(source.dir, 'manifest.json'))) return [source.dir];
  return readdirSync(source.dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(source.dir, entry.name))
    .filter((dir) => existsSync(path.join(dir, 'manifest.json')))
    .sort();
}

function addModel(dir: string, builtIn: boolean, scan: ModelScan): void {
  try {
    const model = loadModelInfo(dir, builtIn);
    const earlier = scan.models.find((known) => known.id === model.id);
    if (earlier !== undefined) {
      throw new Error(`id "${model.id}" is already taken by ${earlier.dir}`);
    }
    scan.models.push(model);
  } catch (error) {
    scan.problems.push({ dir, message: (error as Error).message });
  }
}

/** Reads and validates one model package; throws an Error naming the problem. */
export function loadModelInfo(dir: string, builtIn: boolean): ModelInfo {
  const manifest = parseManifest(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const graph of graphNames) {
    const file = path.join(dir, manifest.files[graph]);
    if (!existsSync(file) || !statSync(file).isFile() || statSync(file).size === 0) {
      throw new Error(`files.${graph}: ${manifest.files[graph]} is missing or empty`);
    }
  }
  return { id: manifest.id, name: manifest.name, scale: manifest.scale, dir, builtIn, manifest };
}

/** The model to use: the one asked for by id, else the first for the scale in search order. */
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
  const model = scan.models.find((candidate) => candidate.scale === scale);
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
