import type { EngineOptions } from '../engine/index.js';
import type { EngineCliOptions } from './app-options.js';
import { definedFields } from '../../common/fields.js';

/** The engine options behind --models, --device, --threads and --data-dir. */
export function engineOptionsFrom(options: EngineCliOptions): EngineOptions {
  return {
    modelDirs: options.models,
    device: options.device,
    ...definedFields({ dataDir: options.dataDir, threads: options.threads }),
  };
}
