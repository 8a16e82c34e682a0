import type { EngineOptions } from '../engine/index.js';
import type { EngineCliOptions } from './app-options.js';

/** The engine options behind --models, --device, --threads and --data-dir. */
export function engineOptionsFrom(options: EngineCliOptions): EngineOptions {
  return {
    modelDirs: options.models,
    device: options.device,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
}
