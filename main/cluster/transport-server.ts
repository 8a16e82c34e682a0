/**
 * The coordinator's side of the transport: workers fetch a job's input and
 * upload its output over HTTP, streamed, each request carrying that job's
 * token (it opens nothing else: no other job, no library, no UI API). An
 * upload is written to a temp file beside the output while its sha256 is
 * computed, and lands (renamed into place, recorded) only when the hash
 * matches the one the worker declared.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { reserveTempFile } from '../engine/output-file.js';
import { listenError, resolveBindHost } from '../server/bind-host.js';
import { errorMessage } from '../../common/errors.js';
import { isTempFileOf } from '../jobs/temp-files.js';

/** What the coordinator answers about the jobs it has out in the cluster. */
export interface TransportJobs {
  /** Checks a job token. */
  admits(jobId: number, token: string): boolean;
  /** The input and output paths of a job that is out in the cluster now, else null. */
  paths(jobId: number): { input: string; output: string } | null;
  /** Renames a verified temp file into place and records it; false when the job is no longer wanted. */
  land(jobId: number, temp: string): Promise<boolean>;
}

export interface TransportServer {
  url: string;
  close(): Promise<void>;
}

export const sha256Header = 'x-yonos-sha256';
/** A mapped worker names the temp file it wrote beside the output instead of uploading it. */
export const sharedTempHeader = 'x-yonos-shared-temp';
const route = /^\/cluster\/v1\/jobs\/(\d+)\/(input|output)$/;

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startTransportServer(
  jobs: TransportJobs,
  listen: { host: string; port: number },
): Promise<TransportServer> {
  const bind = await resolveBindHost(listen.host, '--cluster-host');
  const server = createServer((req, res) => {
    answer(jobs, req, res).catch((error: unknown) => {
      const status = error instanceof Refusal ? error.status : 500;
      if (status === 500) console.error('yonos cluster: transfer failed:', errorMessage(error));
      if (!req.complete) res.setHeader('Connection', 'close');
      if (res.headersSent) res.destroy();
      else sendJson(res, status, { error: errorMessage(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(
        listenError(error, listen.port, listen.host, {
          host: '--cluster-host',
          port: '--cluster-port',
        }),
      );
    });
    server.listen(listen.port, bind.address, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${bind.names[0] ?? bind.address}:${String(port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function answer(
  jobs: TransportJobs,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const match = route.exec(new URL(req.url ?? '/', 'http://x').pathname);
  if (match === null) throw new Refusal(404, 'No such cluster route');
  const jobId = Number(match[1]);
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (token === undefined || !jobs.admits(jobId, token)) {
    throw new Refusal(401, 'Missing or invalid job token');
  }
  const paths = jobs.paths(jobId);
  if (paths === null) throw new Refusal(409, `Job ${String(jobId)} is no longer wanted`);
  if (match[2] === 'input') {
    if (req.method !== 'GET') throw new Refusal(405, 'Use GET for a job input');
    await sendFile(res, paths.input);
  } else {
    if (req.method !== 'PUT') throw new Refusal(405, 'Use PUT for a job output');
    await receiveOutput(jobs, jobId, paths.output, req, res);
  }
}

async function sendFile(res: ServerResponse, file: string): Promise<void> {
  const { size } = await stat(file);
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
  await pipeline(createReadStream(file), res);
}

async function receiveOutput(
  jobs: TransportJobs,
  jobId: number,
  output: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const declared = req.headers[sha256Header];
  if (typeof declared !== 'string' || !/^[0-9a-f]{64}$/.test(declared)) {
    throw new Refusal(400, `An output needs its sha256 in ${sha256Header}`);
  }
  const shared = req.headers[sharedTempHeader];
  const temp =
    typeof shared === 'string' ? sharedTemp(output, shared) : await reserveTempFile(output);
  try {
    const actual = typeof shared === 'string' ? await hashFile(temp) : await hashInto(req, temp);
    if (actual !== declared) {
      throw new Refusal(400, `The output's sha256 is ${actual}, not the declared ${declared}`);
    }
    const landed = await jobs.land(jobId, temp);
    if (!landed) throw new Refusal(409, `Job ${String(jobId)} is no longer wanted`);
    sendJson(res, 200, { landed: true });
  } finally {
    await rm(temp, { force: true });
  }
}

/** A temp file a mapped worker wrote beside the output: only a temp name of that very output. */
function sharedTemp(output: string, name: string): string {
  if (path.basename(name) !== name || !isTempFileOf(name, output)) {
    throw new Refusal(400, `${name} is not a temp file of ${path.basename(output)}`);
  }
  return path.join(path.dirname(output), name);
}

async function hashInto(req: IncomingMessage, file: string): Promise<string> {
  const hash = createHash('sha256');
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(req, tee, createWriteStream(file));
  return hash.digest('hex');
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
