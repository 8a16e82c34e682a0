/**
 * Adding a model in the Electron app: the probe runs in Electron's utility
 * process, under the same memory cap as elsewhere. `electron` is mocked at that
 * boundary only: its `utilityProcess.fork` is a real Node child process running
 * the real probe script, with Electron's stream behaviour (stdout through a
 * PassThrough whose listeners Electron drops as it reports the exit).
 */
import { describe, expect, it, vi } from 'vitest';
import { badGraphs, srGraph, writeGraph } from '../../test/support/graph-models.js';
import { tempApp, tempDir } from '../../test/support/temp.js';
import { createServices } from '../app/services.js';

const forks = vi.hoisted(() => [] as { modulePath: string; args: string[]; stdio: unknown }[]);

vi.mock('electron', async () => {
  const { spawn } = await import('node:child_process');
  const { EventEmitter } = await import('node:events');
  const { PassThrough } = await import('node:stream');
  return {
    utilityProcess: {
      fork: (modulePath: string, args: string[], options: { stdio: string[] }) => {
        forks.push({ modulePath, args, stdio: options.stdio });
        const child = spawn(process.execPath, [modulePath, ...args], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const stdout = options.stdio[1] === 'pipe' ? new PassThrough() : null;
        if (stdout !== null) child.stdout.pipe(stdout);
        const utility = Object.assign(new EventEmitter(), {
          stdout,
          kill: () => child.kill(),
        });
        child.once('exit', (code) => {
          utility.emit('exit', code ?? 1);
          stdout?.removeAllListeners();
        });
        return utility;
      },
    },
  };
});

const { utilityProbeLauncher } = await import('./probe-launcher.js');

describe('the model probe in the Electron app', () => {
  it('runs in a utility process: a good graph is added, a memory hog refused in one line', async () => {
    const app = await tempApp({ probeLauncher: utilityProbeLauncher });
    const services = createServices(app);
    const dir = await tempDir();
    const good = await writeGraph(dir, 'mine.onnx', srGraph({ scale: 2 }));
    const { bytes, error } = badGraphs()['memory-hog.onnx'] ?? {
      bytes: new Uint8Array(),
      error: /./,
    };
    const hog = await writeGraph(dir, 'hog.onnx', bytes);

    await expect(services.modelsAdd({ path: good })).resolves.toMatchObject({
      id: 'mine',
      scale: 2,
      kind: 'graph',
    });
    const refusal = await Promise.resolve(services.modelsAdd({ path: hog, memoryCapMb: 200 })).then(
      () => '',
      (reason: unknown) => (reason as Error).message,
    );
    expect(refusal).toMatch(error);
    expect(refusal).toMatch(/^Cannot use this model: [^\n]+$/);

    expect(forks.map((fork) => fork.args[0])).toEqual([good, hog]);
    for (const fork of forks) {
      expect(fork.modulePath).toMatch(/model-probe\.mjs$/);
      expect(fork.stdio).toEqual(['ignore', 'pipe', 'ignore']);
    }
    expect(forks[1]?.args[2]).toBe(String(200 * 2 ** 20));
    expect((await services.health()).status).toBe('ok');
  });
});
