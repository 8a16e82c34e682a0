/**
 * What the desktop app does with a launch batch: files to open are imported
 * and the library window shows; files to upscale become one job batch, with a
 * progress window when the library window is not open. Started only for an
 * upscale, the app quits once its batches are over, unless some job failed
 * (its error stays readable until the window is closed) or the user opened the
 * library window. The windows and dialogs are the host's (Electron's) part.
 */
import type { ServiceHandlers } from '../../common/contract.js';
import type { YonosApp } from '../app/app.js';
import { trackBatch } from './batch-tracker.js';
import type { LaunchBatch } from './launch-batcher.js';

export interface LaunchBatchHost {
  libraryWindowOpen(): boolean;
  showLibraryWindow(): void;
  openProgressWindow(batchId: number): void;
  /** Tells the user what could not be done; resolves once they have read it. */
  warn(message: string, detail: string): Promise<void>;
  /** Whether launches have handed over files that are not a batch yet. */
  launchesPending(): boolean;
  quit(): void;
}

export class LaunchBatchRunner {
  #quitWhenDone: boolean;
  #underWay = 0;
  #someFailed = false;

  constructor(
    private readonly backend: Pick<YonosApp, 'events' | 'queue'>,
    private readonly services: Pick<ServiceHandlers, 'jobsEnqueue' | 'libraryImport'>,
    private readonly host: LaunchBatchHost,
    options: { quitWhenDone: boolean },
  ) {
    this.#quitWhenDone = options.quitWhenDone;
  }

  /** Whether the app is still one started only for upscale batches. */
  get quitsWhenDone(): boolean {
    return this.#quitWhenDone;
  }

  /** The user opened the library window: the app stays after the batches. */
  stay(): void {
    this.#quitWhenDone = false;
  }

  async run(batch: LaunchBatch): Promise<void> {
    this.#underWay++;
    try {
      if (batch.kind === 'open') await this.#open(batch.files);
      else await this.#upscale(batch);
    } catch (error) {
      await this.host.warn(
        'Yonos could not do that',
        error instanceof Error ? error.message : String(error),
      );
    } finally {
      this.#underWay--;
      // A launch still being gathered comes back here as a batch of its own.
      const idle = this.#underWay === 0 && !this.host.launchesPending();
      if (this.#quitWhenDone && idle && !this.#someFailed) this.host.quit();
    }
  }

  async #open(files: string[]): Promise<void> {
    const report = await this.services.libraryImport({ paths: files });
    this.host.showLibraryWindow();
    if (report.failed.length > 0) {
      await this.host.warn('Some files could not be imported', describe(report.failed));
    }
  }

  async #upscale(batch: Extract<LaunchBatch, { kind: 'upscale' }>): Promise<void> {
    const result = await this.services.jobsEnqueue({
      inputs: batch.files,
      scale: batch.scale,
      ...(batch.outDir === null ? {} : { outDir: batch.outDir }),
      label: `Upscale ×${batch.scale} (file manager)`,
    });
    // With the library window open its queue shows the batch.
    if (!this.host.libraryWindowOpen() && result.jobIds.length > 0) {
      this.host.openProgressWindow(result.batchId);
    }
    const unqueued =
      result.failed.length === 0
        ? undefined
        : this.host.warn('Some files could not be queued', describe(result.failed));
    const tracking = trackBatch(this.backend.events, this.backend.queue, result.batchId);
    const [progress] = await Promise.all([tracking.finished, unqueued]);
    if (progress.failed > 0) this.#someFailed = true;
  }
}

function describe(failed: { path: string; error: string }[]): string {
  return failed.map((entry) => `${entry.path}: ${entry.error}`).join('\n');
}
