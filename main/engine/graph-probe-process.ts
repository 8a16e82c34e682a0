/**
 * Runs the model probe (model-probe.ts) out of harm's way: in a child process
 * with a memory cap, so a malformed or hostile graph that crashes ONNX
 * Runtime or allocates without bound takes down the probe, never the app.
 * How that process starts is a launcher's job: Node's child_process by
 * default; the Electron app, which cannot run itself as Node (its runAsNode
 * fuse is off), passes one on Electron's utility process
 * (main/electron/probe-launcher.ts). Either way the same script runs.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { InvalidError } from '../../common/errors.js';
import type { GraphFacts } from './graph-inspect.js';
import type { ProbeReport } from './graph-probe.js';
import type { ProbeAnswer } from './model-probe.js';
import { bundledEntryUrl } from './worker-url.js';

/** How a probe process ended: what it printed, and its exit code or the signal that ended it. */
export interface ProbeExit {
  stdout: string;
  code: number | null;
  signal: string | null;
}

/** A started probe process. */
export interface ProbeProcess {
  /** Settles once it has exited and its stdout is read; rejects when it could not start. */
  exited: Promise<ProbeExit>;
  kill(): void;
}

/** Starts an ES module script with arguments in a Node process of its own (stdout piped, no stdin). */
export type ProbeLauncher = (script: string, args: readonly string[]) => ProbeProcess;

export interface ProbeOptions {
  /** The LR tile side the engine will use for a dynamic graph. */
  tile: number;
  /** The most memory the probe process may use; default half of this machine's. */
  memoryCapBytes?: number;
  timeoutMs?: number;
  /** Default: nodeProbeLauncher. */
  launcher?: ProbeLauncher;
}

/** The probe as a child of this Node process. */
export const nodeProbeLauncher: ProbeLauncher = (script, args) => {
  // ONNX Runtime's native warnings (stderr) stay out of the user's terminal.
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<ProbeExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve({ stdout, code, signal });
    });
  });
  return {
    exited,
    kill: () => {
      child.kill();
    },
  };
};

/** The graph's facts and probe report; throws an InvalidError with the one-line reason it is refused. */
export async function probeModelFile(
  file: string,
  options: ProbeOptions,
): Promise<{ facts: GraphFacts; report: ProbeReport }> {
  const script = fileURLToPath(await bundledEntryUrl('model-probe'));
  const answer = await runProbe(script, file, options);
  if (!answer.ok) throw new InvalidError(answer.error);
  return answer;
}

async function runProbe(script: string, file: string, options: ProbeOptions): Promise<ProbeAnswer> {
  const cap = options.memoryCapBytes ?? Math.floor(os.totalmem() / 2);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const launch = options.launcher ?? nodeProbeLauncher;
  let probe: ProbeProcess;
  try {
    probe = launch(script, [file, String(options.tile), String(cap)]);
  } catch (error) {
    return refusal(`could not start (${messageOf(error)})`);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ProbeAnswer>((resolve) => {
    timer = setTimeout(() => {
      probe.kill();
      resolve(refusal(`did not finish in ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    const ended = probe.exited.then(answerFrom, (error: unknown) =>
      refusal(`could not start (${messageOf(error)})`),
    );
    return await Promise.race([ended, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function answerFrom({ stdout, code, signal }: ProbeExit): ProbeAnswer {
  const answer = lastJsonLine(stdout);
  if (answer !== null) return answer;
  if (signal !== null) return refusal(`crashed (${signal})`);
  return refusal(`stopped with exit code ${String(code)}`);
}

function refusal(why: string): ProbeAnswer {
  return { ok: false, error: `Cannot use this model: the probe run ${why}.` };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function lastJsonLine(stdout: string): ProbeAnswer | null {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as ProbeAnswer;
  } catch {
    return null;
  }
}
