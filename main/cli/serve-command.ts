import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loopbackHost, startWebHost } from '../server/web-host.js';
import { parseImageRef, resolveImage } from '../shared/image-access.js';
import {
  addEngineOptions,
  appOptionsFrom,
  untilInterrupted,
  withApp,
  type EngineCliOptions,
} from './app-options.js';
import { ownCli } from './integrate-command.js';
import { parsePort } from './options.js';

export function serveCommand(rendererDir: string): Command {
  return addEngineOptions(new Command('serve'))
    .description('Run Yonos in your browser: serves the app on 127.0.0.1 behind a one-time token')
    .option('-p, --port <port>', 'port to listen on; 0 picks a free one', parsePort, 0)
    .option(
      '--host <address>',
      'address to listen on; another than 127.0.0.1 lets other machines in (with the token)',
      loopbackHost,
    )
    .action(async function (
      this: Command,
      options: EngineCliOptions & { port: number; host: string },
    ) {
      if (!existsSync(path.join(rendererDir, 'index.html'))) {
        this.error(`The web UI is not built (no ${rendererDir}); run: npm run build`);
      }
      // The settings' right-click actions toggle installs actions that run this CLI.
      const appOptions = { ...appOptionsFrom(options), actionTargets: { cli: ownCli() } };
      await withApp(this, appOptions, async (services, app) => {
        await app.startBackground();
        const host = await startWebHost({
          rendererDir,
          services,
          events: app.events,
          currentEvents: () => app.progress.snapshot(),
          port: options.port,
          host: options.host,
          resolveImage: (ref) => {
            const parsed = parseImageRef(ref);
            return parsed === null ? null : resolveImage(app.db, parsed.kind, parsed.id);
          },
        });
        console.log(`Yonos is serving on ${host.openUrl}`);
        console.log('Open that address in your browser; press Ctrl+C to stop.');
        const signal = await untilInterrupted();
        await host.close();
        console.log(`Stopped (${signal}).`);
      });
    });
}
