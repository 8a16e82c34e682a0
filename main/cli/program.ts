import { Command } from 'commander';
import { appVersion } from '../../common/version.js';
import { benchCommand } from './bench-command.js';
import { evalCommand } from './eval-command.js';
import { integrateCommand } from './integrate-command.js';
import { jobsCommand } from './jobs-command.js';
import { libraryCommand } from './library-command.js';
import { modelsCommand } from './models-command.js';
import { serveCommand } from './serve-command.js';
import { upscaleCommand } from './upscale-command.js';
import { exitWithUsageCodes } from './usage-exit.js';
import { watchCommand } from './watch-command.js';
import { workerCommand } from './worker-command.js';

export interface ProgramContext {
  /** Where the built renderer lives; `yonos serve` hosts it. */
  rendererDir: string;
}

export function buildProgram({ rendererDir }: ProgramContext): Command {
  const program = new Command('yonos')
    .description('Yonos photo enhancer: super-resolution on your own machine')
    .version(appVersion)
    .addCommand(upscaleCommand())
    .addCommand(serveCommand(rendererDir))
    .addCommand(modelsCommand())
    .addCommand(benchCommand())
    .addCommand(evalCommand())
    .addCommand(watchCommand())
    .addCommand(libraryCommand())
    .addCommand(jobsCommand())
    .addCommand(workerCommand())
    .addCommand(integrateCommand());
  exitWithUsageCodes(program);
  return program;
}
