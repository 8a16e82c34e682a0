/**
 * The `yonos serve` host: the same renderer the desktop window shows, served to
 * a browser on 127.0.0.1, with the service contract over HTTP.
 *
 * Only the machine's own user should reach it, so it binds to loopback, every
 * API call needs the random token printed at start-up, requests whose Host is
 * not ours are refused (DNS rebinding) and so are requests from other origins.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import type { ServiceHandlers } from '../shared/contract.js';

export const loopbackHost = '127.0.0.1';

export interface WebHostOptions {
  /** Folder holding the built renderer (index.html and assets). */
  rendererDir: string;
  services: ServiceHandlers;
  /** 0 lets the OS pick a free port. */
  port?: number;
  /** Fixed token for tests; by default a fresh random one per start. */
  token?: string;
}

export interface WebHost {
  /** `http://127.0.0.1:<port>`, the only origin the host answers. */
  origin: string;
  token: string;
  /** The address to open in a browser: origin plus the token. */
  openUrl: string;
  close(): Promise<void>;
}

type ApiRoute = (services: ServiceHandlers) => unknown;

const apiRoutes: Record<string, ApiRoute | undefined> = {
  'GET /api/health': (services) => services.health(),
};

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenDigest = sha256(token);
  const serveStatic = sirv(options.rendererDir, { dotfiles: false, etag: true });

  let origin = '';
  let expectedHost = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    if (req.headers.host !== expectedHost) {
      sendJson(res, 403, { error: 'Unexpected Host header' });
      return;
    }
    if (req.headers.origin !== undefined && req.headers.origin !== origin) {
      sendJson(res, 403, { error: 'Cross-origin requests are refused' });
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname.startsWith('/api/')) {
      if (!carriesToken(req, url, tokenDigest)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        sendJson(res, 401, { error: 'Missing or invalid token' });
        return;
      }
      const route = apiRoutes[`${req.method ?? 'GET'} ${url.pathname}`];
      if (route === undefined) {
        sendJson(res, 404, { error: 'No such API route' });
        return;
      }
      sendJson(res, 200, await route(options.services));
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
    server.listen(options.port ?? 0, loopbackHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  expectedHost = `${loopbackHost}:${port}`;
  origin = `http://${expectedHost}`;

  return {
    origin,
    token,
    openUrl: `${origin}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
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
