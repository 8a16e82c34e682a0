/** What the library, jobs and watch commands share: the data directory, the engine options and JSON output. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { YonosApp, type AppOptions } from '../app/app.js';
import { deviceSchema, type UpscaleDevice } from '../../common/contract.js';
import { checkedHandlers } from '../app/dispatch.js';
import { createServices } from '../app/services.js';
import type { ServiceHandlers } from '../../common/contract.js';
import { DamagedDatabaseError, NewerDatabaseError } from '../library/db.js';
import { WatchesBusyError } from '../watch/manager.js';
import {
  BusyError,
  ConflictError,
  errorMessage,
  ForbiddenError,
  InvalidError,
  NotFoundError,
} from '../../common/errors.js';
import { usageExitCode } from './usage-exit.js';
import { definedFields } from '../../common/fields.js';

export interface DataDirOptions {
  dataDir?: string;
}

export interface EngineCliOptions extends DataDirOptions {
  models: string[];
  device: UpscaleDevice;
  threads?: number;
}

export interface JsonOption {
  json?: boolean;
}

export function addDataDirOption(command: Command): Command {
  return command.option(
    '--data-dir <dir>',
    'library and cache folder (default: $YONOS_DATA_DIR, else the per-user app data folder)',
  );
}

export function addEngineOptions(command: Command): Command {
  return addDataDirOption(command)
    .option('--models <dir>', 'extra model folder (repeatable)', collect, [])
    .addOption(
      new Option('--device <device>', 'execution device')
        .choices(deviceSchema.options)
        .default('auto'),
    )
    .option('--threads <n>', 'CPU threads for inference', parseWholeNumber);
}

export function addJsonOption(command: Command): Command {
  return command.option('--json', 'print machine-readable JSON');
}

/** A subcommand on the library's data directory that can answer in JSON (`yonos library …`, `yonos jobs …`). */
export function dataCommand(name: string, description: string): Command {
  return addJsonOption(addDataDirOption(new Command(name).description(description)));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseWholeNumber(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError('Expected a whole number of at least 1.');
  }
  return number;
}

export function appOptionsFrom(options: DataDirOptions & Partial<EngineCliOptions>): AppOptions {
  return {
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.models === undefined || options.models.length === 0
      ? {}
      : { modelDirs: options.models }),
    ...definedFields({ device: options.device, threads: options.threads }),
  };
}

/** Errors whose message says all a person needs: printed as one line, exit code 1. */
const explainedErrors = [DamagedDatabaseError, NewerDatabaseError, WatchesBusyError];

/** Opens the backend for one command, and closes it however the command ends. */
export async function withApp<T>(
  command: Command,
  options: AppOptions,
  run: (services: ServiceHandlers, app: YonosApp) => Promise<T> | T,
): Promise<T> {
  let app: YonosApp;
  try {
    app = YonosApp.open({ processName: commandPath(command), ...options });
  } catch (error) {
    explainOrRethrow(command, error);
  }
  try {
    return await run(checkedHandlers(createServices(app)), app);
  } catch (error) {
    const exitCode = exitCodeFor(error);
    if (exitCode === null) explainOrRethrow(command, error);
    command.error(errorMessage(error), { exitCode });
  } finally {
    await app.close();
  }
}

function explainOrRethrow(command: Command, error: unknown): never {
  if (explainedErrors.some((type) => error instanceof type))
    command.error((error as Error).message);
  throw error;
}

/** "yonos jobs run": how other processes name this one. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) {
    names.unshift(current.name());
  }
  return names.join(' ');
}

/** The one map from error kinds to exit codes: a request that cannot work as written is a usage error. */
function exitCodeFor(error: unknown): number | null {
  if (error instanceof InvalidError) return usageExitCode;
  const failures = [NotFoundError, ForbiddenError, ConflictError, BusyError];
  return failures.some((kind) => error instanceof kind) ? 1 : null;
}

/** JSON for scripts, or a readable rendering for people. */
export function print(options: JsonOption, value: unknown, human: () => string): void {
  process.stdout.write(
    options.json === true ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`,
  );
}

/** One line per event: JSON Lines for scripts, text for people. */
export function printLine(options: JsonOption, value: unknown, human: () => string): void {
  process.stdout.write(`${options.json === true ? JSON.stringify(value) : human()}\n`);
}

export function parseIds(values: string[]): number[] {
  return values.map((value) => {
    const id = Number(value);
    if (!Number.isInteger(id) || id < 1) throw new InvalidArgumentError(`"${value}" is not an id.`);
    return id;
  });
}

/** Resolves when the process is asked to stop (Ctrl+C or a service manager). */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
