/** Messages between the Engine (main thread) and its inference worker. */
import type {
  DeviceChoice,
  ModelInfo,
  UpscaleOptions,
  UpscaleProgress,
  UpscaleResult,
} from './types.js';

export interface WorkerSettings {
  device: DeviceChoice;
  threads?: number;
  executionProviders?: string[];
}

export interface UpscaleJob {
  input: string;
  output: string;
  model: Pick<ModelInfo, 'id' | 'dir' | 'manifest'>;
  options: UpscaleOptions;
}

export interface ToWorker {
  type: 'upscale';
  id: number;
  job: UpscaleJob;
  /** Int32 flag: 1 once the caller aborts. Shared memory, because the worker only yields between tiles. */
  cancel: SharedArrayBuffer;
}

export type FromWorker =
  | { type: 'ready'; available: string[] }
  | { type: 'log'; message: string }
  | { type: 'provider'; active: string }
  | { type: 'progress'; id: number; progress: UpscaleProgress }
  | { type: 'done'; id: number; result: UpscaleResult }
  | { type: 'failed'; id: number; message: string; cancelled: boolean };
