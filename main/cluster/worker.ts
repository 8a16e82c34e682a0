/**
 * `yonos worker`: takes cluster jobs for the models this machine has, runs
 * them with the same engine as a local job, and returns the output to the
 * coordinator. One BullMQ worker per installed model identity, so jobs for a
 * model this machine lacks, or has in another version, never reach it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Engine, type EngineOptions, type UpscaleProgress } from '../engine/index.js';
import { formatFromPath } from '../engine/output-path.js';
import { errorMessage } from '../../common/errors.js';
import { ClusterConnection } from './cluster-connection.js';
import { modelIdentity } from './model-identity.js';
import { mapPath, type PathMap } from './path-map.js';
import {
  clusterJobDataSchema,
  coordinatorKey,
  describeModel,
  queueNameFor,
  cancelKey,
  workerKey,
  workerRecordEveryMs,
  workerRecordTtlMs,
  type ClusterJobData,
  type ClusterResult,
  type ModelIdentity,
  type WorkerRecord,
} from './protocol.js';
import { hashFile } from './transport-server.js';
import {
  downloadInput,
  uploadOutput,
  UnwantedJobError,
  type JobEndpoint,
} from './transport-client.js';

export interface ClusterWorkerOptions {
  url: string;
  engineOptions: EngineOptions;
  concurrency: number;
  /** A job whose worker has been silent this long is given to another worker. */
  stallTimeoutMs: number;
  pathMaps: PathMap[];
  log: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; worker: string; models: string[]; concurrency: number }
  | { type: 'started'; worker: string; jobId: number; coordinator: string; input: string }
  | {
      type: 'done';
      worker: string;
      jobId: number;
      coordinator: string;
      landed: boolean;
      ms: number;
    }
  | { type: 'failed'; worker: string; jobId: number; coordinator: string; error: string };

/** How often a running job checks whether its coordinator cancelled it. */
const cancelCheckMs = 1000;
const progressEveryMs = 500;

export class ClusterWorker {
  readonly id = `${os.hostname()}-${String(process.pid)}-${randomUUID().slice(0, 6)}`;
  readonly #workers: Worker[] = [];
  readonly #idleEngines: Engine[];
  readonly #waitingForEngine: ((engine: Engine) => void)[] = [];
  readonly #running = new Map<string, AbortController>();
  #stats = { jobsDone: 0, outputMegapixels: 0, busyMs: 0, busySince: 0 };
  /** The provider the last job ran on ('auto' resolves only when the engine first runs). */
  #provider: string | null = null;
  #recordTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  readonly #startedAt = Date.now();

  private constructor(
    private readonly connection: ClusterConnection,
    private readonly engines: Engine[],
    private readonly models: ModelIdentity[],
    private readonly options: ClusterWorkerOptions,
  ) {
    this.#idleEngines = [...engines];
  }

  static async start(options: ClusterWorkerOptions): Promise<ClusterWorker> {
    const engines: Engine[] = [];
    for (let index = 0; index < options.concurrency; index += 1) {
      engines.push(await Engine.create(options.engineOptions));
    }
    try {
      const installed = engines[0]?.listModels() ?? [];
      if (installed.length === 0) {
        throw new Error('No models installed here: this worker could take no job.');
      }
      const models = await Promise.all(installed.map((model) => modelIdentity(model)));
      const connection = await ClusterConnection.open(options.url);
      const worker = new ClusterWorker(connection, engines, models, options);
      await worker.#listen();
      return worker;
    } catch (error) {
      await Promise.all(engines.map((engine) => engine.close()));
      throw error;
    }
  }

  async #listen(): Promise<void> {
    await this.#publishRecord();
    this.#recordTimer = setInterval(() => {
      void this.#publishRecord().catch(() => undefined);
    }, workerRecordEveryMs);
    for (const model of this.models) {
      const worker = new Worker<unknown, ClusterResult>(
        queueNameFor(model),
        (job, token) => this.#process(job, token),
        {
          ...this.connection.queueOptions(),
          name: this.id,
          concurrency: this.options.concurrency,
          lockDuration: this.options.stallTimeoutMs,
          stalledInterval: this.options.stallTimeoutMs,
          // A job is moved back after each stall (a killed worker); only a job that stalls every worker fails.
          maxStalledCount: 5,
        },
      );
      worker.on('error', () => undefined); // the connection reports its own errors once each
      this.#workers.push(worker);
    }
    this.options.log({
      type: 'ready',
      worker: this.id,
      models: this.models.map(describeModel),
      concurrency: this.options.concurrency,
    });
  }

  /** Stops taking jobs; running ones go back to the queue for another worker. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const controller of this.#running.values()) controller.abort();
    await Promise.all(this.#workers.map((worker) => worker.close()));
    clearInterval(this.#recordTimer);
    const client = await this.connection.redis();
    await client.del(workerKey(this.id)).catch(() => undefined);
    await this.connection.close();
    await Promise.all(this.engines.map((engine) => engine.close()));
  }

  async #process(job: Job<unknown, ClusterResult>, token?: string): Promise<ClusterResult> {
    const parsed = clusterJobDataSchema.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`Not a Yonos cluster job: ${parsed.error.message}`);
    const data = parsed.data;
    const engine = await this.#takeEngine();
    const controller = new AbortController();
    const jobKey = job.id ?? String(data.jobId);
    this.#running.set(jobKey, controller);
    const stopCancelChecks = this.#checkCancelled(jobKey, controller);
    this.#busy(1);
    const started = performance.now();
    try {
      this.options.log({
        type: 'started',
        worker: this.id,
        jobId: data.jobId,
        coordinator: data.coordinator,
        input: data.input.name,
      });
      const result = await this.#upscale(engine, job, data, controller.signal);
      this.#stats.jobsDone += 1;
      this.#stats.outputMegapixels += data.outputMegapixels;
      if (result.provider !== '') this.#provider = result.provider;
      this.#log('done', data, { landed: result.landed, ms: performance.now() - started });
      return result;
    } catch (error) {
      if (controller.signal.aborted && this.#stopping && token !== undefined) {
        // Shutting down: the job goes back to the queue without counting as an attempt.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (error instanceof UnwantedJobError || controller.signal.aborted) {
        this.#log('done', data, { landed: false, ms: performance.now() - started });
        return { worker: this.id, landed: false, ms: performance.now() - started, provider: '' };
      }
      this.#log('failed', data, { error: errorMessage(error) });
      throw error;
    } finally {
      this.#busy(-1);
      stopCancelChecks();
      this.#running.delete(jobKey);
      this.#releaseEngine(engine);
    }
  }

  async #upscale(
    engine: Engine,
    job: Job<unknown, ClusterResult>,
    data: ClusterJobData,
    signal: AbortSignal,
  ): Promise<ClusterResult> {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'yonos-worker-'));
    try {
      const endpoint: JobEndpoint = { data, baseUrl: () => this.#coordinatorUrl(data.coordinator) };
      const input = await this.#input(endpoint, scratch);
      const target = this.#outputTarget(data, scratch);
      const format = data.options.format ?? formatFromPath(data.output);
      const result = await engine.upscaleFile(
        input,
        target.file,
        {
          ...data.options,
          modelId: data.model.id,
          ...(format === undefined ? {} : { format }),
        },
        { signal, onProgress: this.#progressReporter(job) },
      );
      try {
        await uploadOutput(endpoint, target.file, target.sharedTemp);
      } finally {
        if (target.sharedTemp !== undefined) await rm(target.file, { force: true });
      }
      return { worker: this.id, landed: true, ms: result.ms, provider: result.device };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** The input on a share this machine maps (when its content matches), else a download. */
  async #input(endpoint: JobEndpoint, scratch: string): Promise<string> {
    const { input } = endpoint.data;
    const mapped = mapPath(input.path, this.options.pathMaps);
    if (mapped !== null && existsSync(mapped) && (await hashFile(mapped)) === input.sha256) {
      return mapped;
    }
    const file = path.join(scratch, 'input', input.name);
    await mkdir(path.dirname(file), { recursive: true });
    await downloadInput(endpoint, file);
    return file;
  }

  /** Written beside the coordinator's output when this machine maps its folder, else locally for upload. */
  #outputTarget(data: ClusterJobData, scratch: string): { file: string; sharedTemp?: string } {
    const folder = mapPath(path.dirname(data.output), this.options.pathMaps);
    if (folder !== null && existsSync(folder)) {
      const sharedTemp = `.${path.basename(data.output)}.${String(process.pid)}.${randomUUID()}.part`;
      return { file: path.join(folder, sharedTemp), sharedTemp };
    }
    return { file: path.join(scratch, 'output', path.basename(data.output)) };
  }

  #progressReporter(job: Job<unknown, ClusterResult>): (progress: UpscaleProgress) => void {
    let last = 0;
    return (progress) => {
      const now = performance.now();
      if (now - last < progressEveryMs && progress.tilesDone < progress.tilesTotal) return;
      last = now;
      void job
        .updateProgress({
          worker: this.id,
          tilesDone: progress.tilesDone,
          tilesTotal: progress.tilesTotal,
          etaMs: progress.etaMs,
        })
        .catch(() => undefined);
    };
  }

  /** The coordinator asks a running job to stop (cancelled or paused there) through a Redis key. */
  #checkCancelled(jobKey: string, controller: AbortController): () => void {
    const timer = setInterval(() => {
      void this.connection
        .redis()
        .then((client) => client.get(cancelKey(jobKey)))
        .then((value) => {
          if (value !== null) controller.abort();
        })
        .catch(() => undefined);
    }, cancelCheckMs);
    return () => {
      clearInterval(timer);
    };
  }

  async #coordinatorUrl(coordinator: string): Promise<string> {
    const client = await this.connection.redis();
    const url = await client.get(coordinatorKey(coordinator));
    if (url === null) throw new Error(`Coordinator ${coordinator} has no address in the cluster.`);
    return url;
  }

  #takeEngine(): Promise<Engine> {
    const engine = this.#idleEngines.pop();
    if (engine !== undefined) return Promise.resolve(engine);
    return new Promise((resolve) => this.#waitingForEngine.push(resolve));
  }

  #releaseEngine(engine: Engine): void {
    const waiting = this.#waitingForEngine.shift();
    if (waiting === undefined) this.#idleEngines.push(engine);
    else waiting(engine);
  }

  /** Busy time counts while at least one job runs, so throughput is per machine, not per slot. */
  #busy(change: 1 | -1): void {
    const now = performance.now();
    if (change === 1 && this.#running.size === 1) this.#stats.busySince = now;
    if (change === -1 && this.#running.size === 1)
      this.#stats.busyMs += now - this.#stats.busySince;
  }

  async #publishRecord(): Promise<void> {
    const record: WorkerRecord = {
      id: this.id,
      host: os.hostname(),
      pid: process.pid,
      device: this.#provider ?? this.options.engineOptions.device ?? 'auto',
      concurrency: this.options.concurrency,
      models: this.models,
      startedAt: this.#startedAt,
      jobsDone: this.#stats.jobsDone,
      running: this.#running.size,
      outputMegapixels: this.#stats.outputMegapixels,
      busyMs: this.#stats.busyMs,
    };
    const client = await this.connection.redis();
    await client.set(workerKey(this.id), JSON.stringify(record), { PX: workerRecordTtlMs });
  }

  #log(
    type: 'done' | 'failed',
    data: ClusterJobData,
    detail: { landed: boolean; ms: number } | { error: string },
  ): void {
    const base = { worker: this.id, jobId: data.jobId, coordinator: data.coordinator };
    this.options.log({ type, ...base, ...detail } as WorkerEvent);
  }
}
