import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loopbackHost, startWebHost } from '../server/web-host.js';
import { BusyError, InvalidError } from '../../common/errors.js';
import { openImage } from '../library/image-access.js';
import {
  addEngineOptions,
  appOptionsFrom,
  untilInterrupted,
  withApp,
  type EngineCliOptions,
} from './app-options.js';
import {
  addClusterOptions,
  announceCoordinator,
  connectCoordinator,
  coordinatorRunner,
  type ClusterCliOptions,
} from './cluster-options.js';
import { ownCli } from './integrate-command.js';
import { parsePort } from './options.js';
import { usageExitCode } from './usage-exit.js';

export function serveCommand(rendererDir: string): Command {
  return addClusterOptions(addEngineOptions(new Command('serve')))
    .description('Run Yonos in your browser: serves the app on 127.0.0.1 behind a one-time token')
    .option('-p, --port <port>', 'port to listen on; 0 picks a free one', parsePort, 0)
    .option(
      '--host <address>',
      'address or host name to listen on; one other than loopback lets other machines in (with the token); never every interface',
      loopbackHost,
    )
    .action(async function (
      this: Command,
      options: EngineCliOptions & ClusterCliOptions & { port: number; host: string },
    ) {
      if (!existsSync(path.join(rendererDir, 'index.html'))) {
        this.error(`The web UI is not built (no ${rendererDir}); run: npm run build`);
      }
      // The settings' right-click actions toggle installs actions that run this CLI.
      const coordinator = await connectCoordinator(this, options);
      const appOptions = {
        ...appOptionsFrom(options),
        actionTargets: { cli: ownCli() },
        ...coordinatorRunner(coordinator),
      };
      await withApp(this, appOptions, async (services, app) => {
        // Listen first: a taken port or a bad --host ends here, before any job or watch starts.
        const host = await startWebHost({
          rendererDir,
          services,
          events: app.events,
          currentEvents: () => app.progress.snapshot(),
          port: options.port,
          host: options.host,
          openImage: (ref) => openImage(app.db, ref),
        }).catch((error: unknown) => {
          if (error instanceof InvalidError || error instanceof BusyError) {
            this.error(error.message, { exitCode: usageExitCode });
          }
          throw error;
        });
        await app.startBackground();
        console.log(`Yonos is serving on ${host.openUrl}`);
        if (host.reachableFromNetwork) {
          console.log(
            'Other machines on your network can reach this address: anyone with it, token ' +
              'included, can browse your library, read its photos and queue work.',
          );
        }
        console.log('Open that address in your browser; press Ctrl+C to stop.');
        announceCoordinator(coordinator);
        const signal = await untilInterrupted();
        await host.close();
        console.log(`Stopped (${signal}).`);
      });
    });
}
