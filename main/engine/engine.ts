/**
 * The engine's public face, on the caller's thread. It owns the model registry
 * and a queue; all decoding, inference and encoding happen in one worker
 * thread, because onnxruntime's session.run blocks the thread it runs on.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { defaultDataDir } from './data-dir.js';
import { checkGraphOptions } from './graph-manifest.js';
import { isSameFile } from './output-path.js';
import {
  findBuiltInModelsDir,
  modelSources,
  pickModel,
  scanModels,
  type ModelSource,
} from './registry.js';
import type {
  EngineOptions,
  ModelInfo,
  Scale,
  UpscaleOptions,
  UpscaleProgress,
  UpscaleResult,
} from './types.js';
import { checkLookAvailable, validateUpscaleOptions } from './upscale-options.js';
import type {
  DeviceReport,
  FromWorker,
  ToWorker,
  UpscaleJob,
  WorkerSettings,
} from './worker-protocol.js';
import { bundledEntryUrl } from './worker-url.js';

/**
 * Upscales worth submitting at once for throughput: one being inferred while
 * the one before is encoded (the engine keeps inference to one at a time).
 */
export const pipelineDepth = 2;

/** The rejection of a cancelled upscale: `error.name === 'AbortError'`. */
export class CancelledError extends Error {
  override readonly name = 'AbortError';
}

export interface UpscaleHooks {
  signal?: AbortSignal;
  onProgress?: (progress: UpscaleProgress) => void;
}

interface PendingJob {
  resolve: (result: UpscaleResult) => void;
  reject: (error: Error) => void;
  onProgress?: (progress: UpscaleProgress) => void;
  /** The model is done with it: the next job may go to the worker. */
  onInferred: () => void;
}

export class Engine {
  readonly #sources: ModelSource[];
  readonly #settings: WorkerSettings;
  readonly #log: (message: string) => void;
  readonly #pending = new Map<number, PendingJob>();
  readonly #deviceReports = new Map<
    number,
    { resolve: (report: DeviceReport) => void; reject: (error: Error) => void }
  >();
  #worker: Promise<Worker> | null = null;
  #available: string[] = [];
  #active: string | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #closed = false;

  private constructor(options: EngineOptions) {
    const dataDir = options.dataDir ?? defaultDataDir();
    this.#sources = modelSources({
      modelDirs: options.modelDirs,
      dataDir,
      builtInModelsDir:
        options.builtInModelsDir === undefined ? findBuiltInModelsDir() : options.builtInModelsDir,
    });
    this.#settings = {
      device: options.device ?? 'auto',
      dataDir,
      threads: options.threads,
      executionProviders: options.executionProviders,
    };
    this.#log =
      options.log ??
      ((message) => {
        console.warn(message);
      });
  }

  /** Starts the inference worker; models load on first use. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    const engine = new Engine(options);
    await engine.#ensureWorker();
    return engine;
  }

  listModels(): ModelInfo[] {
    return scanModels(this.#sources).models;
  }

  /**
   * The model an upscale with these options would use; throws the same
   * user-readable Error upscaleFile would (e.g. "No ×4 model installed (looked in …)").
   */
  resolveModel(scale: Scale, modelId?: string): ModelInfo {
    return pickModel(scanModels(this.#sources), this.#sources, scale, modelId);
  }

  /** `available`: providers this onnxruntime build has; `active`: the one that ran last. */
  providers(): { available: string[]; active: string | null } {
    return { available: [...this.#available], active: this.#active };
  }

  /**
   * The device jobs run on and the GPU providers checked (with reasons for
   * those that do not work). Checking runs once per machine, in the worker;
   * later calls read the cache in the data directory.
   */
  async devices(): Promise<DeviceReport> {
    if (this.#closed) throw new Error('The engine is closed.');
    const worker = await this.#ensureWorker();
    const id = this.#nextId++;
    worker.ref();
    try {
      return await new Promise<DeviceReport>((resolve, reject) => {
        this.#deviceReports.set(id, { resolve, reject });
        worker.postMessage({ type: 'devices', id } satisfies ToWorker);
      });
    } finally {
      this.#deviceReports.delete(id);
      if (this.#pending.size === 0 && this.#deviceReports.size === 0) worker.unref();
    }
  }

  /**
   * Writes atomically (temp file in the target folder + rename). Never
   * overwrites `input`. Rejects with an Error whose message is user-readable;
   * a cancelled upscale rejects with a CancelledError (name 'AbortError').
   */
  upscaleFile(
    input: string,
    output: string,
    options: UpscaleOptions,
    hooks: UpscaleHooks = {},
  ): Promise<UpscaleResult> {
    try {
      if (this.#closed) throw new Error('The engine is closed.');
      validateUpscaleOptions(options);
      if (isSameFile(output, input)) throw new Error(`Refusing to overwrite the input ${input}.`);
      const model = this.resolveModel(options.scale, options.modelId);
      checkLookAvailable(model, options.look);
      checkGraphOptions(model, options);
      const job: UpscaleJob = {
        input: path.resolve(input),
        output: path.resolve(output),
        model: { id: model.id, dir: model.dir, manifest: model.manifest },
        options,
      };
      return this.#enqueue(job, hooks);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * One inference at a time, in call order; a job goes to the worker once the
   * one before is past the model, so its encoding overlaps the next job's
   * inference. A job cancelled while it waits rejects at once; a running one
   * rejects once the worker has stopped and cleaned up (within one tile).
   */
  #enqueue(job: UpscaleJob, hooks: UpscaleHooks): Promise<UpscaleResult> {
    let started = false;
    let inferred = (): void => undefined;
    const slot = new Promise<void>((resolve) => (inferred = resolve));
    const run = this.#queue.then(() => {
      started = true;
      return this.#run(job, hooks, inferred);
    });
    run.then(inferred, inferred);
    this.#queue = slot;
    const { signal } = hooks;
    if (signal === undefined) return run;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!started) reject(new CancelledError(`Cancelled: ${job.input}`));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      run.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) await (await worker).terminate();
  }

  async #run(
    job: UpscaleJob,
    { signal, onProgress }: UpscaleHooks,
    onInferred: () => void,
  ): Promise<UpscaleResult> {
    if (signal?.aborted === true) throw new CancelledError(`Cancelled: ${job.input}`);
    if (this.#closed) throw new Error('The engine is closed.');
    const worker = await this.#ensureWorker();
    const cancel = new SharedArrayBuffer(4);
    const onAbort = (): void => {
      Atomics.store(new Int32Array(cancel), 0, 1);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const id = this.#nextId++;
    try {
      worker.ref();
      return await new Promise<UpscaleResult>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject, onProgress, onInferred });
        worker.postMessage({ type: 'upscale', id, job, cancel } satisfies ToWorker);
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#pending.delete(id);
      // An idle worker must not keep the process alive if a caller forgets close().
      if (this.#pending.size === 0 && this.#deviceReports.size === 0) worker.unref();
    }
  }

  #ensureWorker(): Promise<Worker> {
    this.#worker ??= this.#startWorker();
    return this.#worker;
  }

  async #startWorker(): Promise<Worker> {
    const worker = new Worker(await bundledEntryUrl('engine-worker'), {
      workerData: this.#settings,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.on('message', (message: FromWorker) => {
          if (message.type === 'ready') {
            this.#available = message.available;
            resolve();
          } else {
            this.#onWorkerMessage(message);
          }
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          reject(new Error(`The inference worker stopped (exit code ${String(code)}).`));
        });
      });
    } catch (error) {
      this.#worker = null;
      await worker.terminate();
      throw error;
    }
    worker.on('error', (error) => {
      this.#failAll(`The inference worker failed: ${error.message}`);
    });
    worker.on('exit', (code) => {
      this.#worker = null;
      this.#failAll(`The inference worker stopped (exit code ${String(code)}).`);
    });
    worker.unref();
    return worker;
  }

  #onWorkerMessage(message: FromWorker): void {
    switch (message.type) {
      case 'log':
        this.#log(message.message);
        return;
      case 'provider':
        this.#active = message.active;
        return;
      case 'progress':
        this.#pending.get(message.id)?.onProgress?.(message.progress);
        return;
      case 'inferred':
        this.#pending.get(message.id)?.onInferred();
        return;
      case 'devices':
        this.#deviceReports.get(message.id)?.resolve(message.report);
        return;
      case 'done':
        this.#pending.get(message.id)?.resolve(message.result);
        return;
      case 'failed': {
        const ErrorType = message.cancelled ? CancelledError : Error;
        this.#pending.get(message.id)?.reject(new ErrorType(message.message));
        return;
      }
      case 'ready':
        return;
    }
  }

  #failAll(message: string): void {
    for (const job of this.#pending.values()) job.reject(new Error(message));
    for (const report of this.#deviceReports.values()) report.reject(new Error(message));
    this.#pending.clear();
    this.#deviceReports.clear();
  }
}
