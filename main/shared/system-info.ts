/** What the settings view shows about the machine and the installed models, without starting inference. */
import path from 'node:path';
import { candidateProviders } from '../engine/providers.js';
import { findBuiltInModelsDir, modelSources, scanModels } from '../engine/registry.js';
import type { ModelInfo } from '../engine/index.js';
import type { ModelCard, SystemInfo } from './contract.js';

export function systemInfo(dataDir: string, modelDirs: readonly string[] = []): SystemInfo {
  const sources = modelSources({ modelDirs, dataDir, builtInModelsDir: findBuiltInModelsDir() });
  const scan = scanModels(sources);
  return {
    providers: candidateProviders('auto'),
    models: scan.models.map(modelCard),
    modelProblems: scan.problems.map(({ dir, message }) => ({ dir, problem: message })),
    modelFolders: sources.map((source) => source.dir),
    userModelsDir: path.join(dataDir, 'models'),
  };
}

function modelCard(model: ModelInfo): ModelCard {
  const { manifest } = model;
  const facts: ModelCard['facts'] = [];
  if (manifest.degradation !== undefined) {
    facts.push({ label: 'Degradation', value: manifest.degradation.preset });
  }
  for (const [group, record] of [
    ['Training', manifest.training],
    ['Metrics', manifest.metrics],
  ] as const) {
    for (const [key, value] of Object.entries(record ?? {})) {
      if (['string', 'number', 'boolean'].includes(typeof value)) {
        facts.push({ label: `${group}: ${key}`, value: String(value) });
      }
    }
  }
  return {
    id: model.id,
    name: model.name,
    version: manifest.version,
    scale: model.scale,
    builtIn: model.builtIn,
    dir: model.dir,
    looks: manifest.looks,
    facts,
  };
}
