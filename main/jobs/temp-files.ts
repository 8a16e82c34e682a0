/**
 * The engine writes each output through a temp file beside it and renames it
 * into place. A process killed mid-write leaves that temp file behind; when
 * the job is requeued we remove it, so a crash leaves no partial files.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The engine's temp name for `output` is `.<output name>.<pid>.<uuid>.part` (main/engine/output-file.ts). */
export function isTempFileOf(name: string, output: string): boolean {
  return name.startsWith(`.${path.basename(output)}.`) && name.endsWith('.part');
}

export function removeStaleTempFiles(output: string): void {
  const folder = path.dirname(output);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (isTempFileOf(name, output)) rmSync(path.join(folder, name), { force: true });
  }
}
