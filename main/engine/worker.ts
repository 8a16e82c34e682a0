/**
 * The inference worker's entry point (bundled as engine-worker.mjs). It runs
 * one upscale at a time, in the order they arrive, and reports progress.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { candidateProviders, isCudaProviderInstalled } from './providers.js';
import { CancelSignal, runUpscaleJob, SessionCache } from './upscale-job.js';
import type { FromWorker, ToWorker, WorkerSettings } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('engine-worker must run as a worker thread');

const settings = workerData as WorkerSettings;
const candidates = settings.executionProviders ?? candidateProviders(settings.device);
const sessions = new SessionCache();
const post = (message: FromWorker): void => {
  port.postMessage(message);
};
const log = (message: string): void => {
  post({ type: 'log', message });
};

let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});
post({ type: 'ready', available: availableProviders() });

async function handle({ id, job, cancel }: ToWorker): Promise<void> {
  const flag = new Int32Array(cancel);
  try {
    const result = await runUpscaleJob(job, {
      settings,
      candidates,
      sessions,
      log,
      onProvider: (active) => {
        post({ type: 'provider', active });
      },
      onProgress: (progress) => {
        post({ type: 'progress', id, progress });
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
  }
}

/** What this onnxruntime-node build can use: bundled providers, plus CUDA once installed. */
function availableProviders(): string[] {
  return ort
    .listSupportedBackends()
    .filter((backend) => backend.bundled || (backend.name === 'cuda' && isCudaProviderInstalled()))
    .map((backend) => backend.name);
}
