import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describeDevice, Engine, type GraphManifest, type ModelInfo } from '../engine/index.js';
import { isGraphManifest } from '../engine/graph-manifest.js';
import { graphFacts } from '../app/graph-model-card.js';
import { findBuiltInModelsDir, modelSources, scanModels } from '../engine/registry.js';
import { defaultDataDir } from '../engine/data-dir.js';
import { addEngineOptions, type EngineCliOptions } from './app-options.js';
import { engineOptionsFrom } from './engine-options.js';
import { modelsAddCommand } from './models-add-command.js';
import { modelsRemoveCommand } from './models-remove-command.js';

interface ModelsCliOptions extends EngineCliOptions {
  json?: boolean;
}

export function modelsCommand(): Command {
  return addEngineOptions(new Command('models'))
    .description(
      'List installed models and their cards (and why any model was refused), and the device ' +
        'they run on (the GPU check runs once per machine)',
    )
    .option('--json', 'print JSON')
    .addCommand(modelsAddCommand())
    .addCommand(modelsRemoveCommand())
    .action(async (options: ModelsCliOptions) => {
      const device = await deviceReport(options);
      const sources = modelSources({
        modelDirs: options.models,
        dataDir: options.dataDir ?? defaultDataDir(),
        builtInModelsDir: findBuiltInModelsDir(),
      });
      const { models, problems } = scanModels(sources);
      const cards = models.map(card);
      const searched = sources.map((source) => source.dir);
      if (options.json === true) {
        const report = { models: cards, problems, searched, device };
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const lines = cards.flatMap(describe);
      if (cards.length === 0) lines.push('No models installed.');
      for (const problem of problems) lines.push(`Refused ${problem.dir}: ${problem.message}`);
      lines.push(`Searched: ${searched.join(', ')}`, `Device: ${describeDevice(device)}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function card(model: ModelInfo) {
  const { manifest } = model;
  if (isGraphManifest(manifest)) return graphCard(model, manifest);
  const readme = path.join(model.dir, 'README.md');
  return {
    id: model.id,
    name: model.name,
    kind: 'yonos' as const,
    scale: model.scale,
    version: manifest.version,
    builtIn: model.builtIn,
    dir: model.dir,
    degradation: manifest.degradation?.preset ?? null,
    latent: manifest.latent,
    tiling: manifest.tiling,
    defaultSteps: manifest.schedule.default_steps,
    looks: manifest.looks,
    training: manifest.training ?? {},
    metrics: manifest.metrics ?? {},
    card: existsSync(readme) ? readme : null,
  };
}

function graphCard(model: ModelInfo, manifest: GraphManifest) {
  const { id, name, scale, builtIn, dir } = model;
  return {
    id,
    name,
    kind: 'graph' as const,
    scale,
    version: manifest.version,
    builtIn,
    dir,
    facts: graphFacts(manifest),
  };
}

function describe(model: ReturnType<typeof card>): string[] {
  if (model.kind === 'graph') {
    const facts = model.facts.map((fact) => `  ${fact.label.toLowerCase()}: ${fact.value}`);
    return [
      `${model.id}  ×${model.scale}  ${model.name} (user, single graph)`,
      `  folder: ${model.dir}`,
      ...facts,
    ];
  }
  const training = model.training as { method?: unknown; data?: { train_images?: number } };
  const lines = [
    `${model.id}  ×${model.scale}  ${model.name} ${model.version} (${model.builtIn ? 'built-in' : 'user'})`,
    `  folder: ${model.dir}`,
    `  degradation: ${String(model.degradation)}; tile ${model.tiling.tile}, overlap ${model.tiling.overlap}; ${model.defaultSteps} step(s)`,
    `  looks: ${model.looks.join(', ')}`,
  ];
  if (typeof training.method === 'string') {
    const images = training.data?.train_images;
    lines.push(`  training: ${training.method}${images === undefined ? '' : `, ${images} images`}`);
  }
  if (Object.keys(model.metrics).length > 0)
    lines.push(`  metrics: ${JSON.stringify(model.metrics)}`);
  if (model.card !== null) lines.push(`  card: ${model.card}`);
  return lines;
}

async function deviceReport(options: ModelsCliOptions) {
  const engine = await Engine.create(engineOptionsFrom(options));
  try {
    return await engine.devices();
  } finally {
    await engine.close();
  }
}
