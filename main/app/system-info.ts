/** What the settings view shows about the machine, its devices and the installed models. */
import { isCudaProviderInstalled } from '../engine/providers.js';
import {
  findBuiltInModelsDir,
  modelSources,
  scanModels,
  userModelsDir,
} from '../engine/registry.js';
import { isGraphManifest } from '../engine/graph-manifest.js';
import { removalRefusal } from '../engine/model-remove.js';
import {
  describeDevice,
  type DeviceReport,
  type ModelInfo,
  type ModelManifest,
} from '../engine/index.js';
import { graphModelCard } from './graph-model-card.js';
import type {
  DeviceChoiceInfo,
  DeviceStatus,
  ModelCard,
  Speed,
  SystemInfo,
} from '../../common/contract.js';

export interface SystemInfoSources {
  dataDir: string;
  modelDirs: readonly string[];
  device: DeviceStatus;
  /** From Engine.devices(): the GPU check runs once per machine, then is cached. */
  autoDevice: DeviceReport;
  /** A model's measured speed on this machine. */
  speed: (modelId: string) => Speed;
}

export function systemInfo(sources: SystemInfoSources): SystemInfo {
  const folders = modelFolders(sources);
  const scan = scanModels(folders);
  const working = sources.autoDevice.checks.filter((check) => check.available);
  const providers = [...working.map((check) => check.provider), 'cpu'];
  return {
    providers,
    devices: deviceChoices(process.platform, process.arch, {
      auto: providers,
      cuda: isCudaProviderInstalled(),
    }),
    device: sources.device,
    autoDevice: { ...sources.autoDevice, summary: describeDevice(sources.autoDevice) },
    models: scan.models.map((model) =>
      modelCard(model, sources.speed(model.id), userModelsDir(sources.dataDir)),
    ),
    modelProblems: scan.problems.map(({ dir, message }) => ({ dir, problem: message })),
    modelFolders: folders.map((source) => source.dir),
    userModelsDir: userModelsDir(sources.dataDir),
  };
}

/** The installed models' cards, in search order (so the first of a scale is its default). */
export function installedModelCards(
  sources: Pick<SystemInfoSources, 'dataDir' | 'modelDirs' | 'speed'>,
): ModelCard[] {
  return installedModels(sources).map((model) =>
    modelCard(model, sources.speed(model.id), userModelsDir(sources.dataDir)),
  );
}

/** The models found in the model folders, in search order (built-in last). */
export function installedModels(sources: Pick<SystemInfoSources, 'dataDir' | 'modelDirs'>) {
  return scanModels(modelFolders(sources)).models;
}

function modelFolders(sources: Pick<SystemInfoSources, 'dataDir' | 'modelDirs'>) {
  return modelSources({
    modelDirs: sources.modelDirs,
    dataDir: sources.dataDir,
    builtInModelsDir: findBuiltInModelsDir(),
  });
}

/**
 * The devices worth offering on this platform: DirectML only on Windows,
 * CoreML only on macOS, CUDA where NVIDIA builds exist (saying so when its
 * provider is not installed), WebGPU where `auto` would try it.
 */
export function deviceChoices(
  platform: NodeJS.Platform,
  arch: string,
  detected: { auto: readonly string[]; cuda: boolean },
): DeviceChoiceInfo[] {
  const choices: DeviceChoiceInfo[] = [
    {
      device: 'auto',
      label: `Automatic (${detected.auto.map((provider) => providerLabels[provider] ?? provider).join(', then ')})`,
      note: null,
    },
  ];
  if ((platform === 'linux' || platform === 'win32') && arch === 'x64') {
    choices.push({
      device: 'cuda',
      label: 'NVIDIA GPU (CUDA)',
      note: detected.cuda ? null : 'needs the CUDA provider: npm run gpu:cuda',
    });
  }
  if (platform === 'win32') choices.push({ device: 'dml', label: 'GPU (DirectML)', note: null });
  if (platform === 'darwin') {
    choices.push({ device: 'coreml', label: 'Apple GPU / Neural Engine (CoreML)', note: null });
  }
  if (detected.auto.includes('webgpu')) {
    choices.push({ device: 'webgpu', label: 'GPU (WebGPU)', note: null });
  }
  choices.push({ device: 'cpu', label: 'CPU', note: null });
  return choices;
}

const providerLabels: Record<string, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
};

/** What each training degradation means for a photographer. */
const strengths: Record<string, { goodAt: string[]; weakAt: string[] }> = {
  bicubic: {
    goodAt: ['clean, sharp photos: camera JPEGs at high quality, PNG and TIFF'],
    weakAt: ['noisy, blurry or heavily compressed photos: it enlarges the flaws too'],
  },
  mixed: {
    goodAt: ['clean photos', 'mildly soft, noisy or compressed phone and web photos'],
    weakAt: [
      'heavily compressed or very noisy photos',
      'it sharpens and cleans up, but does not invent fine texture',
    ],
  },
  realistic: {
    goodAt: ['soft, noisy or compressed everyday photos'],
    weakAt: ['very clean photos may come out slightly smoothed'],
  },
};

/** `modelsDir`: the user models folder, whose packages can be removed. */
export function modelCard(model: ModelInfo, speed: Speed, modelsDir: string): ModelCard {
  const { manifest } = model;
  const removable = removalRefusal(model, modelsDir) === null;
  if (isGraphManifest(manifest)) return graphModelCard(model, manifest, { speed, removable });
  const preset = manifest.degradation?.preset ?? '';
  const known = strengths[preset] ?? { goodAt: [], weakAt: [] };
  const weakAt = [...known.weakAt];
  if (model.scale === 8)
    weakAt.push('×8 is the hardest enlargement: expect softer detail than ×2 or ×4');
  return {
    id: model.id,
    name: model.name,
    kind: 'yonos',
    version: manifest.version,
    scale: model.scale,
    builtIn: model.builtIn,
    dir: model.dir,
    summary: `Makes photos ${model.scale}× wider and taller (${model.scale * model.scale}× the pixels).`,
    goodAt: known.goodAt,
    weakAt,
    speed,
    looks: manifest.looks,
    facts: technicalFacts(manifest),
    removable,
  };
}

function technicalFacts(manifest: ModelManifest): ModelCard['facts'] {
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
  return facts;
}
