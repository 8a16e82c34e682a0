import type { AnyManifest } from './graph-manifest.js';
import type { Look } from './manifest.js';

export type { Look, ModelManifest } from './manifest.js';
export type { AnyManifest, GraphManifest } from './graph-manifest.js';

import type { OutputFormat, Scale, UpscaleDevice } from '../../common/contract.js';

export {
  outputFormats,
  type OutputFormat,
  type Scale,
  type UpscaleDevice as DeviceChoice,
} from '../../common/contract.js';

export interface ModelInfo {
  id: string;
  name: string;
  scale: Scale;
  dir: string;
  builtIn: boolean;
  /** A YONOS package (`yonos-model/…`) or a single graph (`yonos-graph/1`). */
  manifest: AnyManifest;
}

export interface UpscaleOptions {
  scale: Scale;
  modelId?: string;
  /** DDIM steps; default: the manifest's default_steps (1). */
  steps?: number;
  /** LR tile side in pixels; default: automatic from the provider and a memory budget. */
  tile?: number;
  /** Default: from the output path's extension. */
  format?: OutputFormat;
  /** 1–100 for jpg, webp and avif. */
  quality?: number;
  /** Seed of the noise canvas; default 0, so results are reproducible. */
  seed?: number;
  /** Default faithful; detailed needs a model that has that look. */
  look?: Look;
  /** How far towards the detailed look, 0–1 (default 1); only with look 'detailed'. */
  strength?: number;
}

export interface UpscaleProgress {
  file: string;
  tilesDone: number;
  tilesTotal: number;
  elapsedMs: number;
  etaMs: number | null;
}

/** Wall-clock milliseconds per stage of one upscale (what `yonos bench` reports). */
export interface StageTimings {
  decode: number;
  encoder: number;
  unet: number;
  decoder: number;
  /**
   * Tile extraction, noise, feathered blending and row flushes, as far as the
   * inference thread did them or waited for them (helper threads do most).
   */
  blend: number;
  /** Explicit host ↔ GPU copies (with tensors kept on the GPU); 0 on the CPU. */
  transfer: number;
  encode: number;
}

export interface UpscaleResult {
  input: string;
  output: string;
  width: number;
  height: number;
  ms: number;
  /** The execution provider that actually ran, e.g. 'cpu' or 'cuda'. */
  device: string;
  modelId: string;
  /** Extras for benchmarks and logs. */
  tiles?: number;
  tile?: number;
  timings?: StageTimings;
}

export interface EngineOptions {
  /** Extra model folders (`--models DIR`); each holds model folders or is one. */
  modelDirs?: string[];
  /** The app data directory; its `models/` folder holds user models. Default: defaultDataDir(). */
  dataDir?: string;
  device?: UpscaleDevice;
  /** ORT intra-op threads; default: ORT's own choice (all cores). */
  threads?: number;
  /** Where built-in models live; default: the native-models folder found beside the app. null: none. */
  builtInModelsDir?: string | null;
  /** Candidate ORT execution providers in order, overriding what `device` implies (diagnostics, tests). */
  executionProviders?: string[];
  /** Receives provider fallbacks and other warnings; default: console.warn. */
  log?: (message: string) => void;
}
