/**
 * The `yonos serve` host: the same renderer the desktop window shows, served to
 * a browser on 127.0.0.1, with the service contract over HTTP (`POST
 * /api/<channel>`, the JSON body being the argument array) and its events over
 * a WebSocket (`/api/events`).
 *
 * Only the machine's own user should reach it, so it binds to loopback unless
 * told one other address (bind-host.ts), every API call needs the random token
 * printed at start-up, requests whose Host is not ours are refused (DNS
 * rebinding) and so are requests from other origins.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import { listenError, resolveBindHost } from './bind-host.js';
import {
  isChannelName,
  type ServiceEvent,
  type ServiceHandlers,
  type YonosEvents,
} from '../../common/contract.js';
import { dispatch } from '../app/dispatch.js';
import {
  BusyError,
  ConflictError,
  errorMessage,
  ForbiddenError,
  InvalidError,
  NotFoundError,
} from '../../common/errors.js';
import type { OpenedImage } from '../library/image-access.js';

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
   * The address or host name to bind, 127.0.0.1 by default. Another
   * interface's address makes the app reachable from other machines: only
   * when the user asks. Start-up failures are InvalidError (a bad host) or
   * BusyError (the port is taken), with a one-line message.
   */
  host?: string;
  /**
   * `GET /api/file/photo/<id>` and `/api/file/version/<id>`: the full-size
   * image for the compare view, opened, or null when there is none or it is
   * not allowed.
   */
  openImage?: (ref: string) => Promise<OpenedImage | null>;
}

export interface WebHost {
  /** `http://127.0.0.1:<port>` by default; with a host name given, that name. */
  origin: string;
  /** Bound to an address other machines can connect to (a LAN bind). */
  reachableFromNetwork: boolean;
  token: string;
  /** The address to open in a browser: origin plus the token. */
  openUrl: string;
  close(): Promise<void>;
}

const maxBodyBytes = 1024 * 1024;
const eventsPath = '/api/events';
const filePrefix = '/api/file/';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const givenHost = options.host ?? loopbackHost;
  const bind = await resolveBindHost(givenHost);
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenDigest = sha256(token);
  const serveStatic = sirv(options.rendererDir, { dotfiles: false, etag: true });

  let origin = '';
  /** `name:port` for the name the user gave and the bound address: the Host headers we answer. */
  let ourHosts = new Set<string>();
  let ourOrigins = new Set<string>();

  /**
   * The checks every request and WebSocket upgrade passes: our Host, our
   * Origin, a target that parses, and for the API the token. The URL, or why not.
   */
  const admit = (req: IncomingMessage): URL | HttpError => {
    if (!ourHosts.has(req.headers.host?.toLowerCase() ?? '')) {
      return new HttpError(403, 'Unexpected Host header');
    }
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined && !ourOrigins.has(requestOrigin.toLowerCase())) {
      return new HttpError(403, 'Cross-origin requests are refused');
    }
    const target = req.url ?? '/';
    if (!URL.canParse(target, origin)) return new HttpError(400, 'Malformed request target');
    const url = new URL(target, origin);
    if (url.pathname.startsWith('/api/') && !carriesToken(req, url, tokenDigest)) {
      return new HttpError(401, 'Missing or invalid token');
    }
    return url;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    const url = admit(req);
    if (url instanceof HttpError) {
      if (url.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      sendJson(res, url.status, { error: url.message });
      return;
    }
    if (url.pathname.startsWith(filePrefix)) {
      await sendImage(req, res, options.openImage, url.pathname.slice(filePrefix.length));
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

  // A request without Host reaches our own Host check, which answers it in JSON like the rest.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('yonos serve: request failed:', error);
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
      else res.end();
    });
  });

  const requestedPort = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(listenError(error, requestedPort, givenHost));
    });
    server.listen(requestedPort, bind.address, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hosts = bind.names.map((name) => `${name}:${port}`);
  ourHosts = new Set(hosts);
  ourOrigins = new Set(hosts.map((host) => `http://${host}`));
  origin = `http://${hosts[0] ?? ''}`;

  // Requests HTTP itself cannot parse get a JSON answer too, like every other refusal.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    endWithJson(socket, tooLarge ? 431 : 400, tooLarge ? 'Headers too large' : 'Malformed request');
  });

  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket: Duplex, head) => {
    const url = admit(req);
    const refused =
      url instanceof HttpError
        ? url
        : url.pathname === eventsPath && options.events !== undefined
          ? null
          : new HttpError(404, 'No such WebSocket');
    if (refused !== null) {
      endWithJson(socket, refused.status, refused.message);
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
    reachableFromNetwork: bind.reachableFromNetwork,
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
  openImage: WebHostOptions['openImage'],
  ref: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'Method not allowed' });
    return;
  }
  const image = (await openImage?.(ref)) ?? null;
  if (image === null) {
    sendJson(res, 404, { error: 'No such image' });
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', image.type);
  res.setHeader('Content-Length', image.size);
  if (req.method === 'HEAD') {
    await image.handle.close();
    res.end();
    return;
  }
  // pipeline closes the file however the response ends (a client that goes away included).
  await pipeline(image.handle.createReadStream(), res).catch(() => undefined);
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
    const status = statusFor(error);
    if (status === 500) console.error(`yonos serve: /api/${name} failed:`, error);
    // A body left unread (too large) leaves the connection unusable for another request.
    if (!req.complete) res.setHeader('Connection', 'close');
    sendJson(res, status, { error: errorMessage(error) });
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

/** The one map from error kinds to HTTP statuses; anything else is our fault (500). */
const statusByKind: [new (...args: never[]) => Error, number][] = [
  [InvalidError, 400],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [BusyError, 503],
];

function statusFor(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  return statusByKind.find(([kind]) => error instanceof kind)?.[1] ?? 500;
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

/** A whole JSON error response written on a bare socket (before or instead of HTTP handling). */
function endWithJson(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
