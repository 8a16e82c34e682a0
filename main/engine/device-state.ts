/**
 * The inference worker's view of its devices: which providers to try (GPU
 * providers only once devices.ts found them working), how to open sessions on
 * each, and which GPU failed during this worker's life (not tried again).
 */
import {
  checkDevices,
  fallbackSentence,
  providerName,
  type DeviceCheck,
  type ProbeRunner,
} from './devices.js';
import { deviceLossInjection, ortProviderFor, webGpuResidency } from './diagnostics-env.js';
import { candidateProviders, firstLine } from './providers.js';
import type { SessionOptions } from './sessions.js';
import type { DeviceReport, WorkerSettings } from './worker-protocol.js';

interface Choice {
  candidates: string[];
  checks: DeviceCheck[];
}

export class DeviceState {
  readonly #settings: WorkerSettings;
  readonly #runProbe: ProbeRunner | undefined;
  readonly #log: (message: string) => void;
  readonly #lost = new Set<string>();
  #choice: Promise<Choice> | null = null;

  constructor(settings: WorkerSettings, log: (message: string) => void, runProbe?: ProbeRunner) {
    this.#settings = settings;
    this.#log = log;
    this.#runProbe = runProbe;
  }

  /** The providers to try for the next job, best first, ending with the CPU. */
  async candidates(): Promise<string[]> {
    const { candidates } = await this.#chosen();
    return candidates.filter((provider) => !this.#lost.has(provider));
  }

  async report(): Promise<DeviceReport> {
    const { checks } = await this.#chosen();
    const [provider = 'cpu'] = await this.candidates();
    const adapter = checks.find((check) => check.provider === provider)?.adapter ?? null;
    return { provider, adapter, checks };
  }

  async sessionOptions(provider: string): Promise<SessionOptions> {
    const { checks } = await this.#chosen();
    const check = checks.find((entry) => entry.provider === provider);
    return {
      ...(this.#settings.threads === undefined ? {} : { threads: this.#settings.threads }),
      residency: provider === 'webgpu' ? webGpuResidency(check?.ioBinding ?? false) : 'host',
      ortProvider: ortProviderFor(provider),
      wrapRun: deviceLossInjection(provider),
    };
  }

  /** After a GPU failed mid-job: the job finishes on the CPU, and later jobs start there. */
  markLost(provider: string, reason: string): void {
    this.#lost.add(provider);
    this.#log(
      `${providerName(provider)} failed (${reason}); finishing on the CPU, ` +
        'and using the CPU from now on.',
    );
  }

  #chosen(): Promise<Choice> {
    this.#choice ??= this.#choose();
    return this.#choice;
  }

  async #choose(): Promise<Choice> {
    const { executionProviders, device, dataDir } = this.#settings;
    if (executionProviders !== undefined) return { candidates: executionProviders, checks: [] };
    const gpus = candidateProviders(device).filter((provider) => provider !== 'cpu');
    if (gpus.length === 0) return { candidates: ['cpu'], checks: [] };
    let found: Awaited<ReturnType<typeof checkDevices>>;
    try {
      found = await checkDevices(gpus, {
        dataDir,
        ...(this.#runProbe === undefined ? {} : { runProbe: this.#runProbe }),
      });
    } catch (error) {
      this.#log(`Could not check the GPU (${firstLine(error)}); using the CPU.`);
      return { candidates: ['cpu'], checks: [] };
    }
    const { checks, fresh } = found;
    const working = checks.filter((check) => check.available).map((check) => check.provider);
    // Asked for by name: say why every time; `auto`: once, when it is found out.
    if (working.length === 0 && (device !== 'auto' || fresh.length > 0)) {
      this.#log(fallbackSentence(checks));
    }
    return { candidates: [...working, 'cpu'], checks };
  }
}
