/**
 * Runs the model probe (model-probe.ts) out of harm's way: in a child process
 * with a memory cap, so a malformed or hostile graph that crashes ONNX
 * Runtime or allocates without bound takes down the probe, never the app.
 * Electron cannot run itself as Node (its runAsNode fuse is off): there the
 * probe runs on a worker thread, without the separate process.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvalidError } from '../../common/errors.js';
import type { GraphFacts } from './graph-inspect.js';
import type { ProbeReport } from './graph-probe.js';
import type { ProbeAnswer } from './model-probe.js';
import { bundledEntryUrl } from './worker-url.js';

export interface ProbeOptions {
  /** The LR tile side the engine will use for a dynamic graph. */
  tile: number;
  /** The most memory the probe process may use; default half of this machine's. */
  memoryCapBytes?: number;
  timeoutMs?: number;
}

/** The graph's facts and probe report; throws an InvalidError with the one-line reason it is refused. */
export async function probeModelFile(
  file: string,
  options: ProbeOptions,
): Promise<{ facts: GraphFacts; report: ProbeReport }> {
  const url = await bundledEntryUrl('model-probe');
  const answer =
    'electron' in process.versions
      ? await probeOnThread(url, file, options.tile)
      : await probeInProcess(url, file, options);
  if (!answer.ok) throw new InvalidError(answer.error);
  return answer;
}

function probeInProcess(url: URL, file: string, options: ProbeOptions): Promise<ProbeAnswer> {
  const cap = options.memoryCapBytes ?? Math.floor(os.totalmem() / 2);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const args = [fileURLToPath(url), file, String(options.tile), String(cap)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // ONNX Runtime's native warnings stay out of the user's terminal.
    child.stderr.resume();
    const fail = (why: string): void => {
      resolve({ ok: false, error: `Cannot use this model: the probe run ${why}.` });
    };
    child.on('error', (error) => {
      fail(`could not start (${error.message})`);
    });
    child.on('close', (code, signal) => {
      const answer = lastJsonLine(stdout);
      if (answer !== null) resolve(answer);
      else if (signal === 'SIGTERM' && child.killed)
        fail(`did not finish in ${timeoutMs / 1000} s`);
      else if (signal !== null) fail(`crashed (${signal})`);
      else fail(`stopped with exit code ${String(code)}`);
    });
  });
}

function probeOnThread(url: URL, file: string, tile: number): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const worker = new Worker(url, { workerData: { file, tile } });
    worker.once('message', (answer: ProbeAnswer) => {
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      resolve({ ok: false, error: `Cannot use this model: ${error.message}` });
    });
  });
}

function lastJsonLine(stdout: string): ProbeAnswer | null {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as ProbeAnswer;
  } catch {
    return null;
  }
}
