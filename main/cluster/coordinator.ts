/**
 * The coordinator: works through the library's job queue like the local
 * runner, but sends each job to the cluster instead of upscaling it here. The
 * SQLite queue stays the record of truth (a job is leased to this process
 * while it is out in the cluster, exactly as while it runs locally); BullMQ
 * only carries the work. Output names are decided and claimed here, with the
 * local runner's rules, and outputs land here, atomically.
 */
import { renameSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Job, type Queue } from 'bullmq';
import sharp from 'sharp';
import type { EngineOptions } from '../engine/index.js';
import { claimOutput, describeOutput } from '../jobs/output-decision.js';
import type { JobQueue, QueuedJob } from '../jobs/queue.js';
import type { QueueRunner } from '../jobs/runner.js';
import { removeStaleTempFiles } from '../jobs/temp-files.js';
import type { Db } from '../library/db.js';
import type { RunnerContext } from '../app/app.js';
import type { ClusterStatus, UpscaleDevice } from '../../common/contract.js';
import { errorMessage } from '../../common/errors.js';
import type { EventBus } from '../../common/events.js';
import { ClusterConnection } from './cluster-connection.js';
import { coordinatorIdentity, type CoordinatorIdentity } from './coordinator-identity.js';
import { modelIdentity } from './model-identity.js';
import { resolveModel } from '../engine/model-resolver.js';
import {
  cancelKey,
  clusterProgressSchema,
  coordinatorKey,
  describeModel,
  type ClusterJobData,
  type ModelIdentity,
} from './protocol.js';
import { readClusterStatus } from './status.js';
import { hashFile, startTransportServer, type TransportServer } from './transport-server.js';
import { setFields } from '../../common/fields.js';

export interface CoordinatorOptions {
  /** The cluster's Redis: redis://… or rediss://… */
  url: string;
  /** Where workers reach this coordinator's transport (another machine's workers need a LAN address). */
  listen: { host: string; port: number };
  /** How often it follows the jobs out in the cluster and looks for new ones. */
  pollMs?: number;
}

interface InFlight {
  jobId: number;
  bullId: string;
  queue: Queue;
  model: ModelIdentity;
}

interface Bound {
  db: Db;
  queue: JobQueue;
  events: EventBus;
  engineOptions: EngineOptions;
  device: UpscaleDevice;
  identity: CoordinatorIdentity;
}

/** Each BullMQ job is kept a while after it ends, so a restarted coordinator can still read how it ended. */
const keepFinishedSeconds = 7 * 24 * 3600;

export class ClusterCoordinator implements QueueRunner {
  readonly #inFlight = new Map<number, InFlight>();
  readonly #landing = new Set<number>();
  readonly #notices = new Set<string>();
  #bound: Bound | null = null;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #wake: (() => void) | null = null;
  #unsubscribe: (() => void) | null = null;

  private constructor(
    readonly connection: ClusterConnection,
    private readonly options: CoordinatorOptions,
    private transport: TransportServer | null = null,
  ) {}

  /**
   * Connects to Redis and starts the transport, so an unreachable cluster or a
   * taken port fails here, in one line, before any job is touched.
   */
  static async connect(options: CoordinatorOptions): Promise<ClusterCoordinator> {
    const connection = await ClusterConnection.open(options.url);
    const coordinator = new ClusterCoordinator(connection, options);
    try {
      coordinator.transport = await startTransportServer(
        {
          admits: (jobId, token) => coordinator.#bound?.identity.admits(jobId, token) ?? false,
          paths: (jobId) => coordinator.#paths(jobId),
          land: (jobId, temp) => coordinator.#land(jobId, temp),
        },
        options.listen,
      );
    } catch (error) {
      await connection.close();
      throw error;
    }
    return coordinator;
  }

  /** The transport's address, as workers reach it. */
  get transportUrl(): string {
    return this.transport?.url ?? '';
  }

  /** The runner a YonosApp uses instead of its local one (AppOptions.runner). */
  bind(context: RunnerContext): QueueRunner {
    this.#bound = { ...context, identity: coordinatorIdentity(context.db) };
    this.#unsubscribe = context.queue.onWake(() => this.#wake?.());
    return this;
  }

  start(): void {
    this.#loop ??= this.#work(false);
  }

  async runUntilIdle(): Promise<void> {
    this.#loop ??= this.#work(true).finally(() => {
      this.#loop = null;
    });
    await this.#loop;
  }

  /** Stops sending work; jobs out in the cluster go on, and the next start re-attaches to them. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.#unsubscribe?.();
    await this.transport?.close();
    await this.connection.close();
  }

  async clusterStatus(): Promise<ClusterStatus> {
    const { db } = this.#context();
    return readClusterStatus(
      this.connection,
      db,
      [...this.#inFlight.values()].map((entry) => entry.model),
    );
  }

  #context(): Bound {
    if (this.#bound === null) throw new Error('The cluster coordinator is not bound to a library.');
    return this.#bound;
  }

  async #work(untilIdle: boolean): Promise<void> {
    const { queue, identity } = this.#context();
    await (await this.connection.redis()).set(coordinatorKey(identity.id), this.transportUrl);
    await this.#reattach();
    while (!this.#stopping) {
      try {
        this.#recover();
        await this.#follow();
        await this.#dispatchWhileRoom();
      } catch (error) {
        this.#notice(`yonos cluster: ${errorMessage(error)}`);
      }
      const idle =
        this.#inFlight.size === 0 && (queue.isPaused() || queue.status().counts.queued === 0);
      if (untilIdle && idle) return;
      await this.#idle();
    }
  }

  #idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.options.pollMs ?? 1000);
      this.#wake = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.#wake = null;
    });
  }

  /** Jobs a process that is gone left running go back to the queue, as the local runner does. */
  #recover(): void {
    for (const job of this.#context().queue.requeueInterrupted()) {
      if (job.outputClaimed) removeStaleTempFiles(job.output);
    }
  }

  /**
   * After a restart: the jobs an earlier coordinator of this library sent out
   * and that are still alive in the cluster are taken over, not sent again.
   */
  async #reattach(): Promise<void> {
    const { queue } = this.#context();
    for (const jobId of queue.interrupted()) {
      const job = queue.get(jobId);
      if (!job.outputClaimed || job.settings.modelId === null) continue;
      const model = await this.#modelFor(job).catch(() => null);
      if (model === null) continue;
      const entry = this.#entryFor(job, model);
      const state = await (await Job.fromId(entry.queue, entry.bullId))?.getState();
      if (state === undefined || state === 'failed' || state === 'completed') continue;
      if (queue.takeOver(jobId)) this.#inFlight.set(jobId, entry);
    }
  }

  /** Follows each job out in the cluster: progress, failure, or a job no longer wanted here. */
  async #follow(): Promise<void> {
    const { queue } = this.#context();
    for (const entry of [...this.#inFlight.values()]) {
      if (this.#landing.has(entry.jobId)) continue;
      if (!queue.holds(entry.jobId)) {
        this.#inFlight.delete(entry.jobId);
        const { state } = queue.get(entry.jobId);
        if (state !== 'done' && state !== 'skipped') await this.#withdraw(entry);
        continue;
      }
      const job = await Job.fromId(entry.queue, entry.bullId);
      const state = await job?.getState();
      if (job === undefined || state === 'completed' || state === 'unknown') {
        // Lost from Redis, or ended without landing here: it runs again.
        this.#inFlight.delete(entry.jobId);
        queue.release(entry.jobId);
      } else if (state === 'failed') {
        this.#inFlight.delete(entry.jobId);
        queue.fail(entry.jobId, job.failedReason || 'failed on the cluster');
      } else if (state === 'active') {
        this.#reportProgress(entry.jobId, job.progress);
      }
    }
  }

  #reportProgress(jobId: number, progress: unknown): void {
    const parsed = clusterProgressSchema.safeParse(progress);
    if (!parsed.success) return;
    const { tilesDone, tilesTotal, etaMs } = parsed.data;
    const fraction = tilesTotal > 0 ? tilesDone / tilesTotal : 0;
    const { queue, events } = this.#context();
    events.emit({ type: 'jobProgress', jobId, progress: fraction, tilesDone, tilesTotal, etaMs });
    queue.saveProgress(jobId, fraction);
  }

  /** A job cancelled or paused here: removed from the cluster, or stopped by its worker. */
  async #withdraw(entry: InFlight): Promise<void> {
    const job = await Job.fromId(entry.queue, entry.bullId);
    if (job === undefined) return;
    if ((await job.getState()) === 'active') {
      const client = await this.connection.redis();
      await client.set(cancelKey(entry.bullId), '1', { EX: 3600 });
    } else {
      await job.remove().catch(() => undefined);
    }
  }

  /** Sends queued jobs while the live workers have room (each worker's slots plus one waiting). */
  async #dispatchWhileRoom(): Promise<void> {
    const { queue, device } = this.#context();
    const workers = await this.connection.liveWorkers();
    const room = workers.reduce((sum, worker) => sum + worker.concurrency + 1, 0);
    if (workers.length === 0 && queue.status().counts.queued > 0) {
      this.#notice(
        `yonos cluster: no worker is connected to ${this.connection.address.display} yet; jobs wait.`,
      );
    }
    while (!this.#stopping && this.#inFlight.size < room) {
      const job = queue.claimNext(device);
      if (job === null) return;
      await this.#dispatch(job);
    }
  }

  async #dispatch(job: QueuedJob): Promise<void> {
    const { queue, identity } = this.#context();
    try {
      const model = await this.#modelFor(job);
      const decision = await claimOutput(queue, job, model.id, {
        pollMs: this.options.pollMs ?? 1000,
        signal: new AbortController().signal,
        recover: () => {
          this.#recover();
        },
      });
      if (decision.kind === 'skip') {
        queue.skip(job.id, `${decision.path} already exists`);
      } else if (decision.kind === 'adopt') {
        queue.complete(job.id, await describeOutput(decision.path, model.id));
      } else {
        const claimed = queue.get(job.id);
        const entry = this.#entryFor(claimed, model);
        const data = await jobData(claimed, model, identity);
        await entry.queue.add('upscale', data, {
          jobId: entry.bullId,
          attempts: 5,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: { age: keepFinishedSeconds },
          removeOnFail: { age: keepFinishedSeconds },
        });
        this.#inFlight.set(job.id, entry);
        this.#warnIfNobodyHas(model);
      }
    } catch (error) {
      queue.fail(job.id, errorMessage(error));
    }
  }

  async #modelFor(job: QueuedJob): Promise<ModelIdentity> {
    const { engineOptions } = this.#context();
    const { scale, modelId } = job.settings;
    return modelIdentity(resolveModel(engineOptions, scale, modelId ?? undefined));
  }

  /** The BullMQ job of one attempt of a library job: the same id after a restart, a new one per retry. */
  #entryFor(job: QueuedJob, model: ModelIdentity): InFlight {
    const { identity } = this.#context();
    return {
      jobId: job.id,
      bullId: `${identity.id}-${String(job.id)}-${String(job.attempts)}`,
      queue: this.connection.queue(model),
      model,
    };
  }

  #warnIfNobodyHas(model: ModelIdentity): void {
    void this.connection.liveWorkers().then((workers) => {
      const name = describeModel(model);
      if (workers.some((worker) => worker.models.some((m) => describeModel(m) === name))) return;
      this.#notice(
        `yonos cluster: no live worker has model ${name}; its jobs wait until one with exactly that model joins.`,
      );
    });
  }

  #paths(jobId: number): { input: string; output: string } | null {
    const bound = this.#bound;
    if (bound === null || !this.#inFlight.has(jobId) || !bound.queue.holds(jobId)) return null;
    const job = bound.queue.get(jobId);
    return job.outputClaimed ? { input: job.input, output: job.output } : null;
  }

  /** Puts a verified upload in place and records it; one landing per job, only while it is ours. */
  async #land(jobId: number, temp: string): Promise<boolean> {
    const paths = this.#paths(jobId);
    const entry = this.#inFlight.get(jobId);
    if (paths === null || entry === undefined || this.#landing.has(jobId)) return false;
    this.#landing.add(jobId);
    try {
      renameSync(temp, paths.output);
      const { queue } = this.#context();
      queue.complete(jobId, await describeOutput(paths.output, entry.model.id));
      this.#inFlight.delete(jobId);
      this.#wake?.();
      return true;
    } finally {
      this.#landing.delete(jobId);
    }
  }

  /** Says a thing once per run (a cluster without workers, Redis away), not on every poll. */
  #notice(message: string): void {
    if (this.#notices.has(message)) return;
    this.#notices.add(message);
    console.error(message);
  }
}

async function jobData(
  job: QueuedJob,
  model: ModelIdentity,
  identity: CoordinatorIdentity,
): Promise<ClusterJobData> {
  const { settings } = job;
  const [{ size }, sha256, header] = await Promise.all([
    stat(job.input),
    hashFile(job.input),
    sharp(job.input).metadata(),
  ]);
  return {
    coordinator: identity.id,
    jobId: job.id,
    token: identity.tokenFor(job.id),
    input: { name: path.basename(job.input), path: job.input, bytes: size, sha256 },
    output: job.output,
    model,
    options: {
      scale: settings.scale,
      ...setFields({
        steps: settings.steps,
        tile: settings.tile,
        format: settings.format,
        quality: settings.quality,
      }),
    },
    outputMegapixels: (header.width * header.height * settings.scale ** 2) / 1e6,
  };
}
