/**
 * The model probe's process in the app. Electron cannot run itself as Node
 * (its runAsNode fuse is off), so the probe runs in a utility process,
 * Electron's own Node child process: the same script, memory watch and
 * one-line answer as under `yonos serve` and the CLI.
 */
import { text } from 'node:stream/consumers';
import { utilityProcess } from 'electron';
import type { ProbeExit, ProbeLauncher } from '../engine/graph-probe-process.js';

export const utilityProbeLauncher: ProbeLauncher = (script, args) => {
  const child = utilityProcess.fork(script, [...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
    serviceName: 'Yonos model probe',
  });
  const { stdout } = child;
  const exited = new Promise<ProbeExit>((resolve) => {
    child.once('exit', (code) => {
      // Electron drops the stdout stream's listeners as it reports the exit, so
      // the stream is read after: it holds what the probe printed until then.
      setImmediate(() => {
        void (stdout === null ? Promise.resolve('') : text(stdout)).then((printed) => {
          resolve({ stdout: printed, code, signal: null });
        });
      });
    });
  });
  return {
    exited,
    kill: () => {
      child.kill();
    },
  };
};
