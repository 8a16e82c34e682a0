/**
 * A real redis-server for cluster tests: on a free port, its data (AOF, fsync
 * on every write) in a temp folder, stopped after the test. `restart` stops it
 * the way a service manager would and starts it again on the same port and
 * data, so the test sees what survives a Redis restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { onCleanup, tempDir } from './temp.js';

export interface TestRedis {
  port: number;
  url: string;
  restart(): Promise<void>;
}

export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const dir = await tempDir('yonos-redis-');
  const port = await freePort();
  let server = await launch(dir, port, options.password);
  onCleanup(() => stop(server));
  const auth = options.password === undefined ? '' : `:${options.password}@`;
  return {
    port,
    url: `redis://${auth}127.0.0.1:${String(port)}`,
    restart: async () => {
      await stop(server);
      server = await launch(dir, port, options.password);
    },
  };
}

async function launch(dir: string, port: number, password?: string): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    ...(password === undefined ? [] : ['--requirepass', password]),
  ];
  const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) resolve();
    });
    server.once('exit', (code) => {
      reject(new Error(`redis-server exited (${String(code)}): ${log}`));
    });
  });
  return server;
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGTERM');
  await once(server, 'exit');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}
