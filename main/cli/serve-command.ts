import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { startWebHost } from '../server/web-host.js';
import { createServices } from '../shared/services.js';
import { parsePort } from './options.js';

export function serveCommand(rendererDir: string): Command {
  return new Command('serve')
    .description('Run Yonos in your browser: serves the app on 127.0.0.1 behind a one-time token')
    .option('-p, --port <port>', 'port to listen on; 0 picks a free one', parsePort, 0)
    .action(async function (this: Command, options: { port: number }) {
      if (!existsSync(path.join(rendererDir, 'index.html'))) {
        this.error(`The web UI is not built (no ${rendererDir}); run: npm run build`);
      }
      const host = await startWebHost({
        rendererDir,
        services: createServices(),
        port: options.port,
      });
      console.log(`Yonos is serving on ${host.openUrl}`);
      console.log('Open that address in your browser; press Ctrl+C to stop.');
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await host.close();
      console.log(`Stopped (${signal}).`);
    });
}
