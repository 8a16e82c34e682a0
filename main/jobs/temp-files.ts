/**
 * The engine writes each output through a temp file beside it and renames it
 * into place. A process killed mid-write leaves that temp file behind; when
 * the job is requeued we remove it, so a crash leaves no partial files.
 */
import path from 'node:path';
import { removeFilesIn } from '../engine/index.js';

/** The engine's temp name for `output` is `.<output name>.<pid>.<uuid>.part` (main/engine/output-file.ts). */
export function isTempFileOf(name: string, output: string): boolean {
  return name.startsWith(`.${path.basename(output)}.`) && name.endsWith('.part');
}

export function removeStaleTempFiles(output: string): void {
  removeFilesIn(path.dirname(output), (name) => isTempFileOf(name, output));
}
