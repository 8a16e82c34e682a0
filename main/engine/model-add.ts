/**
 * `yonos models add FILE.onnx` and Settings → Models → "Add model…": checks a
 * single-graph ONNX file (graph-inspect.ts), probes it in its own process
 * (graph-probe-process.ts), and installs it as a `yonos-graph/1` package, a
 * folder with the graph and its manifest, in the user models folder. The
 * folder appears whole (written beside it, then renamed), and nothing already
 * installed is replaced.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { ConflictError, fileErrorMessage, InvalidError } from '../../common/errors.js';
import { graphFormat } from './graph-manifest.js';
import { probeModelFile, type ProbeLauncher } from './graph-probe-process.js';
import { loadModelInfo } from './registry.js';
import type { ModelInfo, Scale } from './types.js';

export type PixelRange = 1 | 255;

export interface AddModelRequest {
  file: string;
  /** Shown in the app; default: the file's name. The id is made from it. */
  name?: string;
  /** Checked against what the probe measures. */
  scale?: Scale;
  /** The pixel range the graph expects, 1 ([0, 1], the default) or 255. */
  range?: PixelRange;
  /** The most memory the probe run may use; default half of this machine's. */
  memoryCapBytes?: number;
}

export interface ModelTarget {
  /** The user models folder (the data directory's models/). */
  modelsDir: string;
  /** Models already installed: their ids are taken. */
  installed: readonly Pick<ModelInfo, 'id' | 'dir'>[];
}

/** The LR tile a dynamic graph runs at (and is probed at, against the memory cap). */
export const graphTile = 128;
const graphOverlap = 16;
/** Protobuf's limit: ONNX files are never larger. */
const largestFileBytes = 2 ** 31;
const graphFileName = 'model.onnx';

/** `launcher` starts the probe's process (default: a Node child process). */
export async function addGraphModel(
  request: AddModelRequest,
  target: ModelTarget,
  launcher?: ProbeLauncher,
): Promise<ModelInfo> {
  const file = path.resolve(request.file);
  await checkFile(file);
  const asked = request.name?.trim() ?? '';
  const name = asked === '' ? path.basename(file).replace(/\.onnx$/i, '') : asked;
  const id = modelId(name);
  const taken = target.installed.find((model) => model.id === id);
  if (taken !== undefined) {
    throw new ConflictError(
      `A model with id "${id}" is already installed (${taken.dir}); add it with another --name.`,
    );
  }
  const { facts, report } = await probeModelFile(file, {
    tile: graphTile,
    memoryCapBytes: request.memoryCapBytes,
    launcher,
  });
  if (request.scale !== undefined && request.scale !== report.scale) {
    throw new InvalidError(
      `Cannot use this model: it upscales ×${report.scale}, not ×${request.scale} as asked.`,
    );
  }
  const sha256 = await fileHash(file);
  const manifest = {
    format: graphFormat,
    id,
    name,
    version: `sha256-${sha256.slice(0, 12)}`,
    scale: report.scale,
    file: graphFileName,
    input: facts.input,
    output: facts.output,
    range: request.range ?? 1,
    opset: facts.opset,
    tiling: {
      tile: report.tile,
      overlap: Math.min(graphOverlap, Math.floor((report.tile - 1) / 4)),
      multiple: report.multiple,
    },
    source: { file: path.basename(file), sha256, added: new Date().toISOString() },
    probe: { onnxruntime: ort.env.versions.common, tile: report.tile, ms: Math.round(report.ms) },
  };
  const dir = await install(file, manifest, path.join(target.modelsDir, id));
  return loadModelInfo(dir, false);
}

async function checkFile(file: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new InvalidError(`Cannot use ${file}: it is not a file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof InvalidError) throw error;
    throw new InvalidError(`Cannot read ${file}: ${fileErrorMessage(error)}.`);
  }
  if (!file.toLowerCase().endsWith('.onnx')) {
    throw new InvalidError(`Cannot use ${file}: Yonos adds ONNX models (.onnx files).`);
  }
  if (size === 0 || size > largestFileBytes) {
    throw new InvalidError(
      `Cannot use this model: the file is ${size === 0 ? 'empty' : 'over 2 GB'}.`,
    );
  }
}

/** "4x-UltraSharp" → "4x-ultrasharp": the manifest's [a-z0-9._-]+. */
export function modelId(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');
  return id === '' ? 'model' : id.slice(0, 64);
}

async function fileHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Written in a hidden folder beside the target (the registry skips those), then renamed into place. */
async function install(file: string, manifest: object, dir: string): Promise<string> {
  if (existsSync(dir))
    throw new ConflictError(`${dir} already exists; add the model with another --name.`);
  const temp = path.join(path.dirname(dir), `.${path.basename(dir)}.${String(process.pid)}.tmp`);
  await mkdir(temp, { recursive: true });
  try {
    await copyFile(file, path.join(temp, graphFileName));
    await writeFile(path.join(temp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || existsSync(dir)) {
      throw new ConflictError(`${dir} already exists; add the model with another --name.`);
    }
    throw error;
  }
  return dir;
}
