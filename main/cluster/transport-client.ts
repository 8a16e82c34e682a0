/**
 * The worker's side of the transport: fetch a job's input from its
 * coordinator and upload the output, streamed, with that job's token only,
 * and sha256 checked on both ends. A coordinator briefly away (restarting) is
 * retried; one that says the job is no longer wanted ends the job quietly.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { UnrecoverableError } from 'bullmq';
import type { ClusterJobData } from './protocol.js';
import { hashFile, sha256Header, sharedTempHeader } from './transport-server.js';

export interface JobEndpoint {
  /** The coordinator's current transport address. */
  baseUrl: () => Promise<string>;
  data: ClusterJobData;
}

/** The coordinator no longer wants this job (done elsewhere, cancelled or paused). */
export class UnwantedJobError extends Error {}

const attempts = 5;

export async function downloadInput(endpoint: JobEndpoint, file: string): Promise<void> {
  const response = await request(endpoint, 'input', { method: 'GET' });
  if (response.body === null) throw new Error('The coordinator sent no input.');
  const hash = createHash('sha256');
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body), tee, createWriteStream(file));
  const actual = hash.digest('hex');
  if (actual !== endpoint.data.input.sha256) {
    throw new Error(
      `The input of job ${String(endpoint.data.jobId)} arrived with sha256 ${actual}, not ${endpoint.data.input.sha256}.`,
    );
  }
}

/** Uploads `file` as the job's output; with `sharedTemp`, names the temp file a mapped worker wrote instead. */
export async function uploadOutput(
  endpoint: JobEndpoint,
  file: string,
  sharedTemp?: string,
): Promise<void> {
  const sha256 = await hashFile(file);
  const headers: Record<string, string> = { [sha256Header]: sha256 };
  if (sharedTemp !== undefined) {
    await request(endpoint, 'output', {
      method: 'PUT',
      headers: { ...headers, [sharedTempHeader]: sharedTemp },
    });
    return;
  }
  const { size } = await stat(file);
  await request(endpoint, 'output', () => ({
    method: 'PUT',
    headers: { ...headers, 'Content-Length': String(size) },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  }));
}

type Init = RequestInit & { duplex?: 'half' };

/** One call, retried while the coordinator cannot be reached; a 409 is UnwantedJobError. */
async function request(
  endpoint: JobEndpoint,
  what: 'input' | 'output',
  init: Init | (() => Init),
): Promise<Response> {
  const { jobId, token } = endpoint.data;
  for (let attempt = 1; ; attempt += 1) {
    const options = typeof init === 'function' ? init() : init;
    let response: Response;
    try {
      const url = `${await endpoint.baseUrl()}/cluster/v1/jobs/${String(jobId)}/${what}`;
      response = await fetch(url, {
        ...options,
        headers: {
          ...(options.headers as Record<string, string>),
          Authorization: `Bearer ${token}`,
        },
      });
    } catch (error) {
      // Not reachable (restarting, network): wait and try again, a few times.
      if (attempt >= attempts) throw error;
      await delay(1000 * 2 ** attempt);
      continue;
    }
    if (response.ok) return response;
    const message = await errorOf(response);
    if (response.status === 409) throw new UnwantedJobError(message);
    // A refused token or request will be refused again: no retries.
    if ([401, 403, 404, 405].includes(response.status)) throw new UnrecoverableError(message);
    if (attempt >= attempts) throw new Error(message);
    await delay(1000 * 2 ** attempt);
  }
}

async function errorOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error?: string };
    return `coordinator: ${error ?? text} (HTTP ${String(response.status)})`;
  } catch {
    return `coordinator: HTTP ${String(response.status)}`;
  }
}
