/**
 * Runs queued jobs on one device, one at a time. Jobs that fail are recorded
 * and the runner goes on; a job interrupted by shutdown or a crash runs again
 * at the next start without ever producing a second output file.
 */
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import sharp from 'sharp';
import { formatFromPath, resolveOutputPath } from '../engine/output-path.js';
import type { Engine, EngineOptions, Scale, UpscaleProgress } from '../engine/index.js';
import type { UpscaleDevice } from '../shared/contract.js';
import type { EventBus } from '../shared/events.js';
import type { FinishedOutput, JobQueue, QueuedJob } from './queue.js';
import { removeStaleTempFiles } from './temp-files.js';

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

type OutputDecision =
  | { kind: 'write'; path: string }
  | { kind: 'adopt'; path: string }
  | { kind: 'skip'; path: string };

export class JobRunner {
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
      const modelId = job.settings.modelId ?? defaultModelId(engine, job.settings.scale);
      const decision = await this.#claimOutput(job, modelId, controller.signal);
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
        ...(settings.steps === null ? {} : { steps: settings.steps }),
        ...(settings.tile === null ? {} : { tile: settings.tile }),
        ...(settings.format === null ? {} : { format: settings.format }),
        ...(settings.quality === null ? {} : { quality: settings.quality }),
        ...(settings.look === undefined ? {} : { look: settings.look }),
        ...(settings.strength === undefined ? {} : { strength: settings.strength }),
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

  /** Decides the output and claims it; while another job writes to that path, waits and decides again. */
  async #claimOutput(
    job: QueuedJob,
    modelId: string,
    signal: AbortSignal,
  ): Promise<OutputDecision> {
    for (;;) {
      const decision = this.#decideOutput(job);
      if (decision.kind !== 'write' || this.queue.claimOutput(job.id, decision.path, modelId)) {
        return decision;
      }
      await delay(this.options.pollMs ?? 2000, undefined, { signal });
      // The job writing there may be one whose process is gone: it goes back to the queue.
      this.recover();
    }
  }

  /**
   * A claimed output that exists was written by an earlier attempt of this very
   * job (the engine renames into place only when the file is complete), so it
   * is adopted rather than written twice. Overwrite jobs just write again.
   */
  #decideOutput(job: QueuedJob): OutputDecision {
    const { settings } = job;
    // Unless another job has recorded the file there since (it took the path over
    // while this job's process was gone): then it is decided afresh, like any other.
    if (job.outputClaimed && !this.queue.isOutputOfAnotherJob(job.output, job.id)) {
      const adopt = existsSync(job.output) && settings.collision !== 'overwrite';
      return { kind: adopt ? 'adopt' : 'write', path: job.output };
    }
    const request = {
      input: job.input,
      scale: settings.scale,
      template: settings.template,
      ...(settings.outDir === null ? {} : { outDir: settings.outDir }),
      ...(settings.sourceRoot === null ? {} : { sourceRoot: settings.sourceRoot }),
      ...(settings.format === null ? {} : { format: settings.format }),
    };
    let resolved = resolveOutputPath({ ...request, collision: settings.collision });
    // "Overwrite" only ever replaces our own outputs; anyone else's file is left alone.
    if (
      settings.collision === 'overwrite' &&
      existsSync(resolved.path) &&
      !this.queue.isOwnOutput(resolved.path)
    ) {
      resolved = resolveOutputPath({ ...request, collision: 'increment' });
    }
    return { kind: resolved.action === 'skip' ? 'skip' : 'write', path: resolved.path };
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

/** The model a job without one uses: as the engine picks, the first for the scale in search order. */
/** The model a job without one runs with: the engine's choice for the scale (registry.ts pickModel). */
export function defaultModelId(engine: Engine, scale: Scale): string {
  return engine.resolveModel(scale).id;
}

async function describeOutput(file: string, modelId: string): Promise<FinishedOutput> {
  const metadata = await sharp(file).metadata();
  return {
    path: file,
    modelId,
    width: metadata.width,
    height: metadata.height,
    format: formatFromPath(file) ?? metadata.format,
  };
}
