/**
 * The inference worker's entry point (bundled as engine-worker.mjs). It runs
 * one decode + inference at a time, in the order jobs arrive, and reports
 * progress; a job's encoding overlaps the next job's inference (the engine
 * sends the next job once this one reports 'inferred').
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { checkProvider } from './device-check.js';
import { DeviceState } from './device-state.js';
import { runProbeProcess, type ProbeRunner } from './devices.js';
import { isCudaProviderInstalled } from './providers.js';
import { TileHelpers } from './tile-work.js';
import { CancelSignal, runUpscaleJob, SessionCache } from './upscale-job.js';
import type { FromWorker, ToWorker, WorkerSettings } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('engine-worker must run as a worker thread');

/** Jobs past inference that may still be encoding before the next inference waits for them. */
const encodesInFlight = 2;

const settings = workerData as WorkerSettings;
const post = (message: FromWorker): void => {
  port.postMessage(message);
};
const log = (message: string): void => {
  post({ type: 'log', message });
};
const devices = new DeviceState(settings, log, probeRunner());
const sessions = new SessionCache();
const tileHelpers = new TileHelpers();
const encoding = new Set<Promise<unknown>>();

let inference = Promise.resolve();
port.on('message', (message: ToWorker) => {
  if (message.type === 'devices') {
    void devices.report().then((report) => {
      post({ type: 'devices', id: message.id, report });
    });
    return;
  }
  const previous = inference;
  let inferred = (): void => undefined;
  inference = new Promise<void>((resolve) => (inferred = resolve));
  void previous.then(() => handle(message, inferred));
});
post({ type: 'ready', available: availableProviders() });

async function handle(message: Extract<ToWorker, { type: 'upscale' }>, inferred: () => void) {
  while (encoding.size >= encodesInFlight) await Promise.race(encoding);
  // Counted as encoding from the moment the model is done with it.
  const done: Promise<void> = upscale(message, () => {
    encoding.add(done);
    inferred();
  });
  await done;
  encoding.delete(done);
}

async function upscale(
  { id, job, cancel }: Extract<ToWorker, { type: 'upscale' }>,
  inferred: () => void,
): Promise<void> {
  const flag = new Int32Array(cancel);
  try {
    const result = await runUpscaleJob(job, {
      dataDir: settings.dataDir,
      devices,
      sessions,
      tileWork: tileHelpers.work,
      log,
      onProvider: (active) => {
        post({ type: 'provider', active });
      },
      onProgress: (progress) => {
        post({ type: 'progress', id, progress });
      },
      onInferred: () => {
        post({ type: 'inferred', id });
        inferred();
      },
      checkpoint: () => {
        if (Atomics.load(flag, 0) === 1) throw new CancelSignal(`Cancelled: ${job.input}`);
      },
    });
    post({ type: 'done', id, result });
  } catch (error) {
    const cancelled = error instanceof CancelSignal;
    const message = error instanceof Error ? error.message : String(error);
    post({ type: 'failed', id, message, cancelled });
  } finally {
    // A job that failed before the model finished frees the way for the next one here.
    inferred();
  }
}

/** Electron cannot run itself as Node (its runAsNode fuse is off): there the probe runs in this thread. */
function probeRunner(): ProbeRunner {
  if (!('electron' in process.versions)) return runProbeProcess;
  return async (provider) => {
    try {
      const check = await checkProvider(provider);
      return { result: { ok: true, ioBinding: check.ioBinding }, stderr: '', exit: null };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { result: { ok: false, error: message }, stderr: '', exit: null };
    }
  };
}

/** What this onnxruntime-node build can use: bundled providers, plus CUDA once installed. */
function availableProviders(): string[] {
  return ort
    .listSupportedBackends()
    .filter((backend) => backend.bundled || (backend.name === 'cuda' && isCudaProviderInstalled()))
    .map((backend) => backend.name);
}
