/**
 * Which device the job queue's engine actually runs on, and why a requested
 * one fell back (the engine logs each provider that failed), for Settings.
 */
import type { Engine } from '../engine/index.js';
import type { DeviceStatus, UpscaleDevice } from '../../common/contract.js';

export class DeviceMonitor {
  #engine: Engine | null = null;
  #fallback: string | null = null;

  constructor(readonly requested: UpscaleDevice) {}

  /** The engine's log: warnings still reach the console; provider failures are kept. */
  readonly log = (message: string): void => {
    if (/failed|out of memory/i.test(message)) this.#fallback = message;
    console.warn(message);
  };

  /** Follows the queue's engine once it is open. */
  watch(engine: Engine): Engine {
    this.#engine = engine;
    return engine;
  }

  status(): DeviceStatus {
    return {
      requested: this.requested,
      active: this.#engine?.providers().active ?? null,
      fallback: this.#fallback,
    };
  }
}
