/** The model a job uses, found the way the engine finds it, without starting an engine. */
import { defaultDataDir } from './data-dir.js';
import { findBuiltInModelsDir, modelSources, pickModel, scanModels } from './registry.js';
import type { EngineOptions, ModelInfo, Scale } from './types.js';

export function resolveModel(options: EngineOptions, scale: Scale, modelId?: string): ModelInfo {
  const sources = modelSources({
    modelDirs: options.modelDirs ?? [],
    dataDir: options.dataDir ?? defaultDataDir(),
    builtInModelsDir:
      options.builtInModelsDir === undefined ? findBuiltInModelsDir() : options.builtInModelsDir,
  });
  return pickModel(scanModels(sources), sources, scale, modelId);
}
