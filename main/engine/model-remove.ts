/**
 * `yonos models remove ID` and Settings → Models → Remove: deletes a model
 * package from the user models folder, where `yonos models add` installs
 * them. Only a folder directly in that folder: never a built-in model, one
 * found elsewhere (a --models folder, a training run), or the file a model
 * was added from (`models add` copied it). The package goes out of sight at
 * once (renamed to a hidden name, which the registry skips), then is deleted.
 */
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ForbiddenError } from '../../common/errors.js';
import type { ModelInfo } from './types.js';

type Removable = Pick<ModelInfo, 'id' | 'dir' | 'builtIn'>;

/** Why the model is not Yonos's to delete, or null when it is. */
export function removalRefusal(model: Removable, modelsDir: string): string | null {
  if (model.builtIn) return `${model.id} is a built-in model; built-in models cannot be removed.`;
  if (path.dirname(path.resolve(model.dir)) !== path.resolve(modelsDir)) {
    return (
      `${model.id} is in ${model.dir}, outside Yonos's models folder (${modelsDir}); ` +
      'Yonos removes only the models there.'
    );
  }
  return null;
}

export function checkRemovable(model: Removable, modelsDir: string): void {
  const refusal = removalRefusal(model, modelsDir);
  if (refusal !== null) throw new ForbiddenError(refusal);
}

export async function removeModelPackage(model: Removable, modelsDir: string): Promise<void> {
  checkRemovable(model, modelsDir);
  const hidden = path.join(
    modelsDir,
    `.${path.basename(model.dir)}.${String(process.pid)}.removed`,
  );
  await rename(model.dir, hidden);
  await rm(hidden, { recursive: true, force: true });
}
