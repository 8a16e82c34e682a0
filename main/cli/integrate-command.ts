import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import {
  actionsStatus,
  installActions,
  otherPlatformActions,
  uninstallActions,
  type ActionsStatus,
  type CliTarget,
} from '../integration/file-manager-actions.js';
import { defaultDataDir } from '../engine/data-dir.js';
import { addJsonOption, print, type JsonOption } from './app-options.js';
import { usageExitCode } from './usage-exit.js';

interface IntegrateCliOptions extends JsonOption {
  install?: boolean;
  uninstall?: boolean;
  status?: boolean;
}

/**
 * This CLI as the actions should run it: this Node and this file, which is
 * the bundle (dist/cli/yonos.mjs) since every CLI module is bundled into it.
 */
export function ownCli(): CliTarget {
  return { node: process.execPath, script: fileURLToPath(import.meta.url) };
}

export function integrateCommand(): Command {
  return addJsonOption(new Command('integrate'))
    .description('Add "Upscale ×4" and "Upscale ×8" to the right-click menu of Linux file managers')
    .addOption(new Option('--install', 'install or update them').conflicts(['uninstall', 'status']))
    .addOption(new Option('--uninstall', 'remove them').conflicts('status'))
    .addOption(new Option('--status', 'show where they are installed'))
    .action(function (this: Command, options: IntegrateCliOptions) {
      const elsewhere = otherPlatformActions();
      if (elsewhere !== null) {
        process.stderr.write(`${elsewhere}\n`);
        process.exitCode = usageExitCode;
        return;
      }
      const targets = { cli: ownCli() };
      const integration = { dataDir: defaultDataDir() };
      let status: ActionsStatus;
      if (options.install === true) status = installActions(targets, integration);
      else if (options.uninstall === true) status = uninstallActions(targets, integration);
      else if (options.status === true) status = actionsStatus(targets, integration);
      else {
        this.error('Choose one of --install, --uninstall or --status.', {
          exitCode: usageExitCode,
          code: 'yonos.usage',
        });
      }
      print(options, status, () => describe(status, options));
    });
}

function describe(status: ActionsStatus, options: IntegrateCliOptions): string {
  const rows = [
    { name: 'Launcher', state: status.launcher.state, paths: [status.launcher.path] },
    ...status.fileManagers,
  ];
  const width = Math.max(...rows.map((row) => row.name.length));
  const lines = rows.map(
    (row) =>
      `${row.name.padEnd(width)}  ${row.state.replace('-', ' ').padEnd(13)}  ${row.paths.join(', ')}`,
  );
  if (options.install === true) {
    lines.unshift('Installed "Upscale ×4" and "Upscale ×8" for images:');
    lines.push(
      'Each runs the launcher, which upscales with this yonos CLI and notifies of progress.',
    );
  } else if (options.uninstall === true) {
    lines.unshift('Removed the Yonos right-click actions:');
  }
  return lines.join('\n');
}
