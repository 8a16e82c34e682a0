/**
 * Gathers launch requests into batches. Windows starts one process per file
 * selected for a file-manager action, so ten photos arrive as ten launches
 * within a moment: they must become one batch, not ten. A batch closes once no
 * request came for `quietMs`, and at the latest `maxWaitMs` after it opened.
 */
import type { LaunchRequest, LaunchScale } from './launch-args.js';

export type LaunchBatch =
  | { kind: 'upscale'; scale: LaunchScale; outDir: string | null; files: string[] }
  | { kind: 'open'; files: string[] };

export interface BatcherTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LaunchBatcherOptions {
  quietMs?: number;
  maxWaitMs?: number;
  timers?: BatcherTimers;
}

const realTimers: BatcherTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export class LaunchBatcher {
  readonly #quietMs: number;
  readonly #maxWaitMs: number;
  readonly #timers: BatcherTimers;
  /**
   * Open batches by group (kind, scale, output folder), in the order they were
   * first asked for; a Set keeps each file once, in the order it came.
   */
  #groups = new Map<string, { batch: LaunchBatch; files: Set<string> }>();
  #openedAt = 0;
  #timer: unknown = null;

  constructor(
    private readonly onBatch: (batch: LaunchBatch) => void,
    options: LaunchBatcherOptions = {},
  ) {
    this.#quietMs = options.quietMs ?? 500;
    this.#maxWaitMs = options.maxWaitMs ?? 3000;
    this.#timers = options.timers ?? realTimers;
  }

  add(request: LaunchRequest): void {
    if (request.kind === 'none') return;
    const now = this.#timers.now();
    if (this.#groups.size === 0) this.#openedAt = now;
    const key = groupKey(request);
    const group = this.#groups.get(key);
    if (group === undefined)
      this.#groups.set(key, { batch: request, files: new Set(request.files) });
    else for (const file of request.files) group.files.add(file);
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    const untilCap = this.#openedAt + this.#maxWaitMs - now;
    this.#timer = this.#timers.setTimeout(
      () => {
        this.flush();
      },
      Math.max(0, Math.min(this.#quietMs, untilCap)),
    );
  }

  /** Whether requests are gathered that have not become a batch yet. */
  get pending(): boolean {
    return this.#groups.size > 0;
  }

  /** Hands over what is gathered now, without waiting for the quiet time. */
  flush(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    const groups = [...this.#groups.values()];
    this.#groups = new Map();
    for (const { batch, files } of groups) this.onBatch({ ...batch, files: [...files] });
  }
}

function groupKey(request: LaunchBatch): string {
  return request.kind === 'open'
    ? 'open'
    : JSON.stringify([request.kind, request.scale, request.outDir]);
}
