/** `--cluster` and its transport options, shared by serve, upscale, watch and `jobs run`. */
import { Option, type Command } from 'commander';
import { ClusterCoordinator } from '../cluster/coordinator.js';
import type { AppOptions } from '../app/app.js';
import { errorMessage, InvalidError } from '../../common/errors.js';
import { parsePort } from './options.js';
import { usageExitCode } from './usage-exit.js';

export interface ClusterCliOptions {
  cluster?: string;
  clusterHost: string;
  clusterPort: number;
}

export function clusterUrlOption(): Option {
  return new Option(
    '--cluster <url>',
    'send jobs to the workers of this Redis: redis://[:password@]host:6379 or rediss://… (TLS)',
  ).env('YONOS_CLUSTER');
}

export function addClusterOptions(command: Command): Command {
  return command
    .addOption(clusterUrlOption())
    .option(
      '--cluster-host <address>',
      'address workers fetch inputs from and upload outputs to (another machine’s workers need a LAN address)',
      '127.0.0.1',
    )
    .option('--cluster-port <port>', 'port for that; 0 picks a free one', parsePort, 0);
}

/** The coordinator for `--cluster`, or null without it; a bad address or unreachable Redis ends the command. */
export async function connectCoordinator(
  command: Command,
  options: ClusterCliOptions,
): Promise<ClusterCoordinator | null> {
  if (options.cluster === undefined) return null;
  try {
    return await ClusterCoordinator.connect({
      url: options.cluster,
      listen: { host: options.clusterHost, port: options.clusterPort },
    });
  } catch (error) {
    const exitCode = error instanceof InvalidError ? usageExitCode : 1;
    command.error(errorMessage(error), { exitCode });
  }
}

/** The app options that make a backend send its jobs to the coordinator instead of running them. */
export function coordinatorRunner(coordinator: ClusterCoordinator | null): Partial<AppOptions> {
  if (coordinator === null) return {};
  return { runner: (context) => coordinator.bind(context) };
}

export function announceCoordinator(coordinator: ClusterCoordinator | null): void {
  if (coordinator === null) return;
  console.error(
    `Sending jobs to the cluster at ${coordinator.connection.address.display}; ` +
      `workers fetch and upload through ${coordinator.transportUrl}.`,
  );
}
