/**
 * Runs queued jobs on one device, one at a time. Jobs that fail are recorded
 * and the runner goes on; a job interrupted by shutdown or a crash runs again
 * at the next start without ever producing a second output file.
 */
import { formatFromPath } from '../engine/output-path.js';
import type { Engine, EngineOptions, UpscaleProgress } from '../engine/index.js';
import type { ClusterStatus, UpscaleDevice } from '../../common/contract.js';
import type { EventBus } from '../../common/events.js';
import { claimOutput, describeOutput } from './output-decision.js';
import type { FinishedOutput, JobQueue, QueuedJob } from './queue.js';
import { removeStaleTempFiles } from './temp-files.js';
import { definedFields, setFields } from '../../common/fields.js';

export interface RunnerOptions {
  device: UpscaleDevice;
  /** Opens the engine on first use: loading models is slow and many sessions never need it. */
  openEngine: (options: EngineOptions) => Promise<Engine>;
  engineOptions: EngineOptions;
  events?: EventBus;
  /** How often an idle runner looks for work added by another process. */
  pollMs?: number;
  /** Progress is written to the database at least this often (events are sent on every tile). */
  persistEveryMs?: number;
}

/** What works through the queue: this machine's runner, or a cluster coordinator sending jobs to workers. */
export interface QueueRunner {
  /** Works until stopped. */
  start(): void;
  /** Works until no job is queued, then resolves. */
  runUntilIdle(): Promise<void>;
  stop(): Promise<void>;
  /** A cluster's workers, depth and speed; undefined for the local runner. */
  clusterStatus?: () => Promise<ClusterStatus>;
}

export class JobRunner implements QueueRunner {
  #engine: Promise<Engine> | null = null;
  #current: { jobId: number; controller: AbortController } | null = null;
  #stopping = false;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly queue: JobQueue,
    private readonly options: RunnerOptions,
  ) {
    this.#unsubscribe.push(
      queue.onInterrupt((jobId) => {
        if (this.#current?.jobId === jobId) this.#current.controller.abort();
      }),
      queue.onWake(() => this.#wake?.()),
    );
  }

  /** Requeues what a previous process left running, then works until stopped. */
  start(): void {
    this.#loop ??= this.#work(false);
  }

  /** Works until no job is queued (the `yonos jobs run` mode), then resolves. */
  async runUntilIdle(): Promise<void> {
    this.#loop ??= this.#work(true).finally(() => {
      this.#loop = null;
    });
    await this.#loop;
  }

  recover(): void {
    for (const job of this.queue.requeueInterrupted()) {
      if (job.outputClaimed) removeStaleTempFiles(job.output);
    }
  }

  /** Interrupts the current job (it goes back to the queue) and closes the engine. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#current?.controller.abort();
    this.#wake?.();
    await this.#loop;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    const engine = this.#engine;
    this.#engine = null;
    if (engine !== null) await (await engine).close();
  }

  async #work(untilIdle: boolean): Promise<void> {
    while (!this.#stopping) {
      // Jobs of a process that is gone, or froze past its lease, go back to the queue.
      this.recover();
      const job = this.queue.claimNext(this.options.device);
      if (job !== null) {
        await this.#process(job);
        continue;
      }
      if (untilIdle && (this.queue.isPaused() || this.queue.status().counts.queued === 0)) return;
      await this.#idle();
    }
  }

  #idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.options.pollMs ?? 2000);
      const wake = (): void => {
        done();
      };
      this.#wake = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.#wake = null;
    });
  }

  async #process(job: QueuedJob): Promise<void> {
    const controller = new AbortController();
    this.#current = { jobId: job.id, controller };
    try {
      const engine = await this.#openEngine();
      // The engine's resolver, as yonos upscale's: the same model for the same request.
      const modelId = engine.resolveModel(job.settings.scale, job.settings.modelId ?? undefined).id;
      const decision = await claimOutput(this.queue, job, modelId, {
        pollMs: this.options.pollMs ?? 2000,
        signal: controller.signal,
        recover: () => {
          this.recover();
        },
      });
      if (decision.kind === 'skip') {
        this.queue.skip(job.id, `${decision.path} already exists`);
      } else if (decision.kind === 'adopt') {
        this.queue.complete(job.id, await describeOutput(decision.path, modelId));
      } else {
        this.queue.complete(
          job.id,
          await this.#upscale(engine, job, decision.path, modelId, controller),
        );
      }
    } catch (error) {
      if (controller.signal.aborted) this.#afterInterrupt(job.id);
      else this.queue.fail(job.id, error instanceof Error ? error.message : String(error));
    } finally {
      this.#current = null;
    }
  }

  async #upscale(
    engine: Engine,
    job: QueuedJob,
    output: string,
    modelId: string,
    controller: AbortController,
  ): Promise<FinishedOutput> {
    const { settings } = job;
    const result = await engine.upscaleFile(
      job.input,
      output,
      {
        scale: settings.scale,
        modelId,
        ...setFields({
          steps: settings.steps,
          tile: settings.tile,
          format: settings.format,
          quality: settings.quality,
        }),
        ...definedFields({ look: settings.look, strength: settings.strength }),
      },
      { signal: controller.signal, onProgress: this.#progressReporter(job.id, controller) },
    );
    return {
      path: result.output,
      modelId: result.modelId,
      width: result.width,
      height: result.height,
      format: formatFromPath(result.output) ?? 'png',
    };
  }

  #progressReporter(
    jobId: number,
    controller: AbortController,
  ): (progress: UpscaleProgress) => void {
    const persistEveryMs = this.options.persistEveryMs ?? 1000;
    let lastPersist = { at: Date.now(), fraction: 0 };
    return (progress) => {
      const fraction = progress.tilesTotal > 0 ? progress.tilesDone / progress.tilesTotal : 0;
      this.options.events?.emit({
        type: 'jobProgress',
        jobId,
        progress: fraction,
        tilesDone: progress.tilesDone,
        tilesTotal: progress.tilesTotal,
        etaMs: progress.etaMs,
      });
      // Coarse: every tenth of the job or every second, whichever comes first.
      const due =
        fraction - lastPersist.fraction >= 0.1 || Date.now() - lastPersist.at >= persistEveryMs;
      if (!due) return;
      lastPersist = { at: Date.now(), fraction };
      // Another process (the CLI, say) may have cancelled or paused this job.
      if (!this.queue.saveProgress(jobId, fraction) || this.queue.isPaused()) controller.abort();
    };
  }

  /** Paused or cancelled jobs keep that state; otherwise (shutdown, queue paused) they run again later. */
  #afterInterrupt(jobId: number): void {
    if (this.queue.get(jobId).state === 'running') this.queue.release(jobId);
  }

  #openEngine(): Promise<Engine> {
    this.#engine ??= this.options.openEngine({
      ...this.options.engineOptions,
      device: this.options.device,
    });
    return this.#engine;
  }
}
