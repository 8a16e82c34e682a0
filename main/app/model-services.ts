/** Settings → Models → "Add model…" and `yonos models add`: one implementation behind the contract. */
import path from 'node:path';
import { addGraphModel } from '../engine/model-add.js';
import { findBuiltInModelsDir, modelSources, scanModels } from '../engine/registry.js';
import type { YonosApp } from './app.js';
import type { ModelAddRequest, ModelCard } from '../../common/contract.js';
import { modelCard } from './system-info.js';

export async function addModel(app: YonosApp, request: ModelAddRequest): Promise<ModelCard> {
  const sources = modelSources({
    modelDirs: app.engineOptions.modelDirs,
    dataDir: app.dataDir,
    builtInModelsDir: findBuiltInModelsDir(),
  });
  const model = await addGraphModel(
    {
      file: request.path,
      name: request.name,
      scale: request.scale,
      range: request.range,
      memoryCapBytes: request.memoryCapMb === undefined ? undefined : request.memoryCapMb * 2 ** 20,
    },
    { modelsDir: path.join(app.dataDir, 'models'), installed: scanModels(sources).models },
    app.probeLauncher,
  );
  return modelCard(model, app.estimates.modelSpeed(model.id));
}
