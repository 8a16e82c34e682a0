/**
 * The `yonos serve` host: the same renderer the desktop window shows, served to
 * a browser on 127.0.0.1, with the service contract over HTTP (`POST
 * /api/<channel>`, the JSON body being the argument array) and its events over
 * a WebSocket (`/api/events`).
 *
 * Only the machine's own user should reach it, so it binds to loopback, every
 * API call needs the random token printed at start-up, requests whose Host is
 * not ours are refused (DNS rebinding) and so are requests from other origins.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import {
  isChannelName,
  type ServiceEvent,
  type ServiceHandlers,
  type YonosEvents,
} from '../shared/contract.js';
import { dispatch } from '../shared/dispatch.js';
import { imageContentType } from '../shared/image-access.js';

export const loopbackHost = '127.0.0.1';

export interface WebHostOptions {
  /** Folder holding the built renderer (index.html and assets). */
  rendererDir: string;
  services: ServiceHandlers;
  /** Streamed to WebSocket clients of /api/events. */
  events?: YonosEvents;
  /**
   * Sent to each client as it (re)connects, before the stream: the running
   * jobs' latest progress, so a reloaded page need not wait for the next tile.
   */
  currentEvents?: () => ServiceEvent[];
  /** 0 lets the OS pick a free port. */
  port?: number;
  /** Fixed token for tests; by default a fresh random one per start. */
  token?: string;
  /**
   * The address to bind, 127.0.0.1 by default. Another interface's address
   * makes the app reachable from other machines: only when the user asks.
   */
  host?: string;
  /**
   * `GET /api/file/photo/<id>` and `/api/file/version/<id>`: the full-size
   * image for the compare view, or null when there is none or it is not allowed.
   */
  resolveImage?: (ref: string) => string | null;
}

export interface WebHost {
  /** `http://127.0.0.1:<port>`, the only origin the host answers. */
  origin: string;
  token: string;
  /** The address to open in a browser: origin plus the token. */
  openUrl: string;
  close(): Promise<void>;
}

const maxBodyBytes = 1024 * 1024;
const eventsPath = '/api/events';
const filePrefix = '/api/file/';

/** Wildcard addresses: no single Host header to check, so they are refused. */
const wildcardHosts = new Set(['0.0.0.0', '::', '[::]', '']);

/** `host:port` as it appears in a Host header (IPv6 in brackets). */
function hostHeader(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const bindHost = options.host ?? loopbackHost;
  if (wildcardHosts.has(bindHost)) {
    throw new Error(
      `Refusing to listen on every interface (${bindHost}); pass the one address to serve on.`,
    );
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenDigest = sha256(token);
  const serveStatic = sirv(options.rendererDir, { dotfiles: false, etag: true });

  let origin = '';
  let expectedHost = '';

  /** The checks every request and WebSocket upgrade passes: our Host, our Origin, and for the API the token. */
  const refusal = (req: IncomingMessage, url: URL): HttpError | null => {
    if (req.headers.host !== expectedHost) return new HttpError(403, 'Unexpected Host header');
    if (req.headers.origin !== undefined && req.headers.origin !== origin) {
      return new HttpError(403, 'Cross-origin requests are refused');
    }
    if (url.pathname.startsWith('/api/') && !carriesToken(req, url, tokenDigest)) {
      return new HttpError(401, 'Missing or invalid token');
    }
    return null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    const url = new URL(req.url ?? '/', origin);
    const refused = refusal(req, url);
    if (refused !== null) {
      if (refused.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      sendJson(res, refused.status, { error: refused.message });
      return;
    }
    if (url.pathname.startsWith(filePrefix)) {
      await sendImage(req, res, options.resolveImage?.(url.pathname.slice(filePrefix.length)));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      await answerApi(options.services, req, res, url.pathname);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'Method not allowed' });
      return;
    }
    serveStatic(req, res, () => {
      sendJson(res, 404, { error: 'Not found' });
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('yonos serve: request failed:', error);
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  expectedHost = hostHeader(bindHost, port);
  origin = `http://${expectedHost}`;

  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket: Duplex, head) => {
    const url = new URL(req.url ?? '/', origin);
    const refused =
      refusal(req, url) ??
      (url.pathname === eventsPath && options.events !== undefined
        ? null
        : new HttpError(404, 'No such WebSocket'));
    if (refused !== null) {
      socket.end(`HTTP/1.1 ${refused.status} ${refused.message}\r\nConnection: close\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (client) => {
      for (const event of options.currentEvents?.() ?? []) client.send(JSON.stringify(event));
      const unsubscribe = options.events?.subscribe((event) => {
        client.send(JSON.stringify(event));
      });
      client.on('close', () => unsubscribe?.());
    });
  });

  return {
    origin,
    token,
    openUrl: `${origin}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function sendImage(
  req: IncomingMessage,
  res: ServerResponse,
  file: string | null | undefined,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'Method not allowed' });
    return;
  }
  const type = file == null ? null : imageContentType(file);
  const size =
    file == null
      ? null
      : await stat(file).then(
          (info) => (info.isFile() ? info.size : null),
          () => null,
        );
  if (file == null || type === null || size === null) {
    sendJson(res, 404, { error: 'No such image' });
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', size);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** `GET /api/health` (kept for simple probes) and `POST /api/<channel>` with the argument array. */
async function answerApi(
  services: ServiceHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const name = pathname.slice('/api/'.length);
  if (!isChannelName(name)) {
    sendJson(res, 404, { error: 'No such API route' });
    return;
  }
  const isHealthProbe = req.method === 'GET' && name === 'health';
  if (req.method !== 'POST' && !isHealthProbe) {
    sendJson(res, 405, { error: 'Use POST with the arguments as a JSON array' });
    return;
  }
  try {
    const args = isHealthProbe ? [] : await readJsonBody(req);
    sendJson(res, 200, await dispatch(services, name, args));
  } catch (error) {
    sendJson(res, statusFor(error), {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpError(413, 'Request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? [] : (JSON.parse(text) as unknown);
  } catch {
    throw new HttpError(400, 'The body is not valid JSON');
  }
}

/** Bad arguments are the caller's fault (400); a missing record is 404; the rest is ours. */
function statusFor(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof Error && error.name === '$ZodError') return 400;
  if (error instanceof Error && error.name === 'NotFoundError') return 404;
  return 500;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Token from `Authorization: Bearer …` or `?token=…`, compared in constant time. */
function carriesToken(req: IncomingMessage, url: URL, tokenDigest: Buffer): boolean {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const presented = bearer ?? url.searchParams.get('token');
  return presented !== null && timingSafeEqual(sha256(presented), tokenDigest);
}

function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The page URL carries the token: never leak it through Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
  res.setHeader('Cache-Control', 'no-store');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
