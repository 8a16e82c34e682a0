/**
 * Turns a user's "enhance these" into a batch of jobs: folders expanded,
 * photos imported into the library (so versions link to them), and each job's
 * settings snapshot and planned output path fixed up front.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { defaultNameTemplate, resolveOutputPath } from '../engine/output-path.js';
import { validateUpscaleOptions } from '../engine/upscale-options.js';
import type { Library } from '../library/library.js';
import { findPhotos } from '../library/photo-files.js';
import type { EnqueueRequest, JobSettings } from '../../common/contract.js';
import { fileErrorMessage } from '../../common/errors.js';
import type { NewJob } from './queue.js';
import { definedFields, setFields } from '../../common/fields.js';

export interface PlannedBatch {
  jobs: NewJob[];
  failed: { path: string; error: string }[];
}

interface Source {
  file: string;
  /** The folder the user picked, when the file came from expanding one. */
  root: string | null;
}

export function settingsFor(request: EnqueueRequest, sourceRoot: string | null): JobSettings {
  const mirror = request.mirror ?? true;
  return {
    modelId: request.modelId ?? null,
    scale: request.scale,
    steps: request.steps ?? null,
    tile: request.tile ?? null,
    format: request.format ?? null,
    quality: request.quality ?? null,
    template: request.template ?? defaultNameTemplate,
    collision: request.collision ?? 'increment',
    outDir: request.outDir == null ? null : path.resolve(request.outDir),
    sourceRoot: request.outDir != null && mirror ? sourceRoot : null,
    ...definedFields({ look: request.look, strength: request.strength }),
  };
}

/** Where the job would write if it ran now; the runner settles it for good at start. */
export function plannedOutput(input: string, settings: JobSettings): string {
  return resolveOutputPath({
    input,
    scale: settings.scale,
    template: settings.template,
    collision: 'overwrite',
    ...setFields({
      outDir: settings.outDir,
      sourceRoot: settings.sourceRoot,
      format: settings.format,
    }),
  }).path;
}

export async function planBatch(library: Library, request: EnqueueRequest): Promise<PlannedBatch> {
  // A look the options cannot have fails the whole request, before anything is imported.
  validateUpscaleOptions({ scale: request.scale, look: request.look, strength: request.strength });
  const planned: PlannedBatch = { jobs: [], failed: [] };
  const sources = await expandSources(request, planned.failed);
  for (const photo of request.photoIds ?? []) {
    sources.push({ file: library.photo(photo).path, root: null });
  }
  for (const { file, root } of sources) {
    try {
      const photoId = await library.importFile(file);
      const settings = settingsFor(request, root);
      planned.jobs.push({ photoId, input: file, settings, output: plannedOutput(file, settings) });
    } catch (error) {
      planned.failed.push({ path: file, error: fileErrorMessage(error) });
    }
  }
  return planned;
}

async function expandSources(
  request: EnqueueRequest,
  failed: PlannedBatch['failed'],
): Promise<Source[]> {
  const sources: Source[] = [];
  for (const given of request.inputs ?? []) {
    const absolute = path.resolve(given);
    try {
      const isFolder = (await stat(absolute)).isDirectory();
      const files = await findPhotos([absolute], request.recursive ?? false);
      sources.push(...files.map((file) => ({ file, root: isFolder ? absolute : null })));
    } catch (error) {
      failed.push({ path: absolute, error: fileErrorMessage(error) });
    }
  }
  return sources;
}
