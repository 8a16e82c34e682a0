// @ts-check
/**
 * The cluster benchmark (`npm run bench:cluster`): output MP/s of one batch
 * sent by `yonos upscale --cluster` to 1, 2 and 3 `yonos worker` processes on
 * this machine, with the coordinator's own costs: the bytes it moves (inputs
 * out, outputs in) per second, and Redis commands per job. It starts its own
 * redis-server on a free port in a temp folder and removes everything after,
 * on failure too. Needs the built CLI (dist/cli/yonos.mjs) and redis-server.
 *
 *   node scripts/bench-cluster.mjs [--photos 16] [--size 320x240] [--workers 1,2,3]
 *     [--scale 2] [--models DIR] [--out bench-results/cluster.json] [--json]
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import sharp from 'sharp';

/**
 * @typedef {import('node:child_process').ChildProcessWithoutNullStreams} Child
 * @typedef {{ workers: number, seconds: number, wallSeconds: number, outputMegapixels: number,
 *   outputMegapixelsPerSecond: number, transferMegabytes: number, transferMegabytesPerSecond: number,
 *   redisCommandsPerJob: number }} WorkersResult
 * @typedef {{ schema: string, createdAt: string,
 *   machine: { platform: string, arch: string, cpus: number, cpuModel: string, node: string },
 *   batch: { photos: number, width: number, height: number, scale: number, models: string },
 *   results: WorkersResult[] }} ClusterBenchReport
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/cli/yonos.mjs');

const { values: args } = parseArgs({
  options: {
    photos: { type: 'string', default: '16' },
    size: { type: 'string', default: '320x240' },
    workers: { type: 'string', default: '1,2,3' },
    scale: { type: 'string', default: '2' },
    models: { type: 'string', default: path.join(root, 'test/fixtures/models') },
    threads: { type: 'string', default: '1' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const temp = await mkdtemp(path.join(os.tmpdir(), 'yonos-cluster-bench-'));
/** @type {Set<Child>} */
const processes = new Set();
// Ctrl-C or a kill mid-run still stops Redis and the workers and removes the temp folder.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    void cleanUp().then(() => process.exit(130));
  });
}
try {
  const report = await runBench();
  const markdown = reportMarkdown(report);
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : markdown);
  if (args.out !== undefined) {
    await mkdir(path.dirname(args.out), { recursive: true });
    await writeFile(args.out, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(args.out.replace(/(\.json)?$/, '.md'), markdown);
  }
} catch (error) {
  console.error(`bench:cluster: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

async function cleanUp() {
  await Promise.all([...processes].map(stop));
  await rm(temp, { recursive: true, force: true });
}

/** @returns {Promise<ClusterBenchReport>} */
async function runBench() {
  const photos = Number(args.photos);
  const [width = 0, height = 0] = args.size.split('x').map(Number);
  const inputDir = path.join(temp, 'photos');
  const inputBytes = await writePhotos(inputDir, photos, width, height);
  const redisPort = await freePort();
  const redis = await startRedis(redisPort);
  const url = `redis://127.0.0.1:${String(redisPort)}`;
  const results = [];
  for (const workers of args.workers.split(',').map(Number)) {
    results.push(await benchWorkers(url, redisPort, workers, inputDir, inputBytes, photos));
  }
  await stop(redis);
  return {
    schema: 'yonos-cluster-bench/1',
    createdAt: new Date().toISOString(),
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.versions.node,
    },
    batch: { photos, width, height, scale: Number(args.scale), models: args.models },
    results,
  };
}

/** One timed batch on `count` fresh workers (started and ready before the clock starts). */
/**
 * @param {string} url @param {number} redisPort @param {number} count
 * @param {string} inputDir @param {number} inputBytes @param {number} photos
 * @returns {Promise<WorkersResult>}
 */
async function benchWorkers(url, redisPort, count, inputDir, inputBytes, photos) {
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker(url)));
  const outDir = path.join(temp, `out-${String(count)}`);
  const commandsBefore = await redisCommands(redisPort);
  const { wallSeconds, seconds } = await runCoordinator(url, inputDir, outDir);
  const commands = (await redisCommands(redisPort)) - commandsBefore;
  await Promise.all(workers.map(stop));
  const output = await measureOutputs(outDir);
  if (output.files !== photos) {
    throw new Error(
      `${String(count)} worker(s): ${String(output.files)} of ${String(photos)} outputs`,
    );
  }
  const megabytes = (inputBytes + output.bytes) / 1e6;
  return {
    workers: count,
    seconds: round(seconds),
    wallSeconds: round(wallSeconds),
    outputMegapixels: round(output.megapixels),
    outputMegapixelsPerSecond: round(output.megapixels / seconds),
    transferMegabytes: round(megabytes),
    transferMegabytesPerSecond: round(megabytes / seconds),
    redisCommandsPerJob: round(commands / photos),
  };
}

/** @param {string} dir @param {number} count @param {number} width @param {number} height */
async function writePhotos(dir, count, width, height) {
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  for (let seed = 1; seed <= count; seed++) {
    const pixels = Buffer.alloc(width * height * 3);
    for (let index = 0; index < pixels.length; index++) {
      pixels[index] = (index * 31 + seed * 97 + ((index * seed) % 251)) % 256;
    }
    const file = path.join(dir, `photo-${String(seed).padStart(3, '0')}.jpg`);
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(file);
    bytes += (await stat(file)).size;
  }
  return bytes;
}

/** @param {string} dir */
async function measureOutputs(dir) {
  const names = await readdir(dir);
  let bytes = 0;
  let pixels = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    const { width, height } = await sharp(file).metadata();
    pixels += width * height;
    bytes += (await stat(file)).size;
  }
  return { files: names.length, bytes, megapixels: pixels / 1e6 };
}

/**
 * Runs the coordinator; `seconds` counts from its "Sending jobs to the cluster"
 * line (inputs hashed and queued) to its exit, `wallSeconds` the whole command.
 */
/** @param {string} url @param {string} inputDir @param {string} outDir */
async function runCoordinator(url, inputDir, outDir) {
  const dataDir = await mkdtemp(path.join(temp, 'coordinator-'));
  const started = performance.now();
  const child = track(
    spawn(process.execPath, [
      cli,
      'upscale',
      inputDir,
      '--out',
      outDir,
      '--data-dir',
      dataDir,
      '--cluster',
      url,
      '--scale',
      args.scale,
      '--models',
      args.models,
    ]),
  );
  let stderr = '';
  let sending = Number.NaN;
  child.stderr.on('data', (/** @type {Buffer} */ chunk) => {
    stderr += chunk.toString();
    if (Number.isNaN(sending) && stderr.includes('Sending jobs to the cluster')) {
      sending = performance.now();
    }
  });
  child.stdout.resume();
  /** @type {number | null} */
  const code = await new Promise((resolve) => {
    child.once('exit', resolve);
  });
  const ended = performance.now();
  if (code !== 0) throw new Error(`yonos upscale --cluster exited ${String(code)}: ${stderr}`);
  return { wallSeconds: (ended - started) / 1000, seconds: (ended - sending) / 1000 };
}

/** @param {string} url */
async function startWorker(url) {
  const dataDir = await mkdtemp(path.join(temp, 'worker-'));
  const child = track(
    spawn(process.execPath, [
      cli,
      'worker',
      '--cluster',
      url,
      '--models',
      args.models,
      '--data-dir',
      dataDir,
      '--threads',
      args.threads,
      '--json',
    ]),
  );
  await untilLine(child, (line) => line.includes('"type":"ready"'), 'yonos worker');
  return child;
}

/** @param {number} port */
async function startRedis(port) {
  const dir = await mkdtemp(path.join(temp, 'redis-'));
  const redisArgs = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  const child = track(spawn('redis-server', redisArgs));
  await untilLine(child, (line) => line.includes('Ready to accept connections'), 'redis-server');
  return child;
}

/** Every command Redis has processed so far (from `INFO stats`): workers' polling included. */
/** @param {number} port */
async function redisCommands(port) {
  const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(port), 'INFO', 'stats']);
  return Number(/total_commands_processed:(\d+)/.exec(stdout)?.[1] ?? Number.NaN);
}

/**
 * @param {Child} child @param {(line: string) => boolean} matches @param {string} name
 * @returns {Promise<void>}
 */
function untilLine(child, matches, name) {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (/** @type {Buffer} */ chunk) => {
      output += chunk.toString();
      if (output.split('\n').some(matches)) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (/** @type {Buffer} */ chunk) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      reject(new Error(`${name} exited (${String(code)}): ${output}`));
    });
  });
}

/** @param {Child} child */
function track(child) {
  processes.add(child);
  child.once('exit', () => {
    processes.delete(child);
  });
  return child;
}

/** @param {Child} child */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** @returns {Promise<number>} */
function freePort() {
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

/** @param {ClusterBenchReport} report */
function reportMarkdown(report) {
  const { machine, batch } = report;
  const rows = report.results.map(
    (result) =>
      `| ${String(result.workers)} | ${String(result.seconds)} | ${String(result.wallSeconds)} | ` +
      `${String(result.outputMegapixelsPerSecond)} | ` +
      `${String(result.transferMegabytesPerSecond)} | ${String(result.redisCommandsPerJob)} |`,
  );
  return [
    `# Cluster benchmark (${report.createdAt})`,
    '',
    `${String(machine.cpus)} CPU(s) (${machine.cpuModel}), Node ${machine.node}; ` +
      `${String(batch.photos)} photos of ${String(batch.width)}×${String(batch.height)} at ×${String(batch.scale)}, ` +
      'coordinator, workers and Redis on this machine.',
    '',
    '| workers | batch s | command s | output MP/s | coordinator transfer MB/s | Redis commands per job |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'The batch runs from the coordinator sending the jobs (inputs hashed and queued) to its ' +
      'exit; MP/s and MB/s are over that time. The command adds its start-up. Transfer is the inputs sent plus the outputs received. Redis commands ' +
      'count every command Redis processed during the batch (the workers’ idle polling included).',
    '',
  ].join('\n');
}

/** Four significant digits: enough for any of these figures, small batches included. */
/** @param {number} value */
function round(value) {
  return Number(value.toPrecision(4));
}
