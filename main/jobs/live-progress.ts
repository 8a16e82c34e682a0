/**
 * The latest tile progress of every running job, kept from the event stream,
 * so a client that (re)connects learns at once how far the running job is
 * instead of waiting for its next tile, and estimates can use its pace.
 */
import type { JobProgress } from '../../common/contract.js';
import type { EventBus } from '../../common/events.js';

export interface LiveJobProgress extends JobProgress {
  /** When this progress was reported (ms since the epoch). */
  at: number;
}

export class LiveProgress {
  readonly #running = new Map<number, LiveJobProgress>();
  readonly #unsubscribe: () => void;

  constructor(events: EventBus) {
    this.#unsubscribe = events.subscribe((event) => {
      if (event.type === 'jobProgress')
        this.#running.set(event.jobId, { ...event, at: Date.now() });
      else if (event.type === 'job' && event.job.state !== 'running') {
        this.#running.delete(event.job.id);
      }
    });
  }

  /** The last `jobProgress` event of each running job. */
  snapshot(): JobProgress[] {
    return [...this.#running.values()].map((live) => ({
      type: 'jobProgress',
      jobId: live.jobId,
      progress: live.progress,
      tilesDone: live.tilesDone,
      tilesTotal: live.tilesTotal,
      etaMs: live.etaMs,
    }));
  }

  get(jobId: number): LiveJobProgress | undefined {
    return this.#running.get(jobId);
  }

  close(): void {
    this.#unsubscribe();
  }
}
