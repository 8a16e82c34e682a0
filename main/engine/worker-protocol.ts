/** Messages between the Engine (main thread) and its inference worker. */
import type { DeviceCheck } from './devices.js';
import type {
  DeviceChoice,
  ModelInfo,
  UpscaleOptions,
  UpscaleProgress,
  UpscaleResult,
} from './types.js';

export interface WorkerSettings {
  device: DeviceChoice;
  /** Where device checks are cached. */
  dataDir: string;
  threads?: number;
  executionProviders?: string[];
}

/** What the engine runs on, for Settings, `yonos models` and `yonos bench`. */
export interface DeviceReport {
  /** The provider jobs start on (cpu when no GPU provider works). */
  provider: string;
  /** Its GPU's name, where known. */
  adapter: string | null;
  /** The GPU providers checked, working or not, and why not. */
  checks: DeviceCheck[];
}

export interface UpscaleJob {
  input: string;
  output: string;
  model: Pick<ModelInfo, 'id' | 'dir' | 'manifest'>;
  options: UpscaleOptions;
}

export type ToWorker =
  | {
      type: 'upscale';
      id: number;
      job: UpscaleJob;
      /** Int32 flag: 1 once the caller aborts. Shared memory, because the worker only yields between tiles. */
      cancel: SharedArrayBuffer;
    }
  | { type: 'devices'; id: number };

export type FromWorker =
  | { type: 'ready'; available: string[] }
  | { type: 'log'; message: string }
  | { type: 'provider'; active: string }
  | { type: 'progress'; id: number; progress: UpscaleProgress }
  /** The model is done with this job (only encoding is left): the next may start. */
  | { type: 'inferred'; id: number }
  | { type: 'devices'; id: number; report: DeviceReport }
  | { type: 'done'; id: number; result: UpscaleResult }
  | { type: 'failed'; id: number; message: string; cancelled: boolean };
