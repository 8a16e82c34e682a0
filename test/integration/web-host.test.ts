import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { healthReportSchema, serviceEventSchema } from '../../common/contract.js';
import { YonosApp } from '../../main/app/app.js';
import { createServices } from '../../main/app/services.js';
import { startWebHost, type WebHost } from '../../main/server/web-host.js';
import { BusyError, InvalidError } from '../../common/errors.js';
import { writePhoto } from '../support/images.js';

const token = 'test-token';
let rendererDir: string;
let dataDir: string;
let app: YonosApp;
let host: WebHost;
let imageFile: string;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The status of a GET to `origin` with these headers (Host and Origin included). */
function fetchStatus(
  origin: string,
  pathAndQuery: string,
  headers: Record<string, string>,
): Promise<number> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: pathAndQuery, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** node:http rather than fetch: the tests must set Host and Origin freely. */
function get(
  pathAndQuery: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Reply> {
  const { hostname, port } = new URL(host.origin);
  const method = body === undefined ? 'GET' : 'POST';
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: pathAndQuery, headers, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

beforeAll(async () => {
  rendererDir = await mkdtemp(path.join(tmpdir(), 'yonos-renderer-'));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Yonos</title>');
  imageFile = path.join(rendererDir, 'photo.png');
  await writeFile(imageFile, 'not really a png');
  dataDir = await mkdtemp(path.join(tmpdir(), 'yonos-data-'));
  app = YonosApp.open({ dataDir });
  host = await startWebHost({
    rendererDir,
    services: createServices(app),
    events: app.events,
    token,
    openImage: async (ref) =>
      ref === 'photo/1'
        ? { handle: await open(imageFile), type: 'image/png', size: (await stat(imageFile)).size }
        : null,
  });
});

afterAll(async () => {
  await host.close();
  await app.close();
  await rm(rendererDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

describe('yonos serve web host', () => {
  it('listens on loopback only and prints the token in its URL', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.openUrl).toBe(`${host.origin}/?token=${token}`);
  });

  it('answers /api/health with a Bearer token', async () => {
    const reply = await get('/api/health', { Authorization: `Bearer ${token}` });
    expect(reply.status).toBe(200);
    expect(healthReportSchema.parse(JSON.parse(reply.body)).status).toBe('ok');
  });

  it('answers /api/health with ?token=', async () => {
    expect((await get(`/api/health?token=${token}`)).status).toBe(200);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { Authorization: 'Bearer not-the-token' }],
    ['a token of another length', { Authorization: 'Bearer x' }],
  ])('refuses the API with %s', async (_case, headers: Record<string, string>) => {
    const reply = await get('/api/health', headers);
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses requests from another origin, even with the token', async () => {
    const reply = await get('/api/health', {
      Authorization: `Bearer ${token}`,
      Origin: 'http://evil.example',
    });
    expect(reply.status).toBe(403);
  });

  it('accepts requests from its own origin', async () => {
    const reply = await get('/api/health', {
      Authorization: `Bearer ${token}`,
      Origin: host.origin,
    });
    expect(reply.status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const reply = await get(`/api/health?token=${token}`, { Host: 'evil.example' });
    expect(reply.status).toBe(403);
  });

  it('serves the renderer without a token, with protective headers', async () => {
    const reply = await get('/');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<title>Yonos</title>');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  it('does not serve files outside the renderer folder', async () => {
    expect((await get('/../package.json')).status).toBe(404);
    expect((await get('/%2e%2e/package.json')).status).toBe(404);
  });

  it('serves an allowed full-size image with the token only', async () => {
    expect((await get('/api/file/photo/1')).status).toBe(401);
    const reply = await get(`/api/file/photo/1?token=${token}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/png');
    expect(reply.body).toBe('not really a png');
    expect((await get(`/api/file/photo/2?token=${token}`)).status).toBe(404);
    expect((await get(`/api/file/../../etc/passwd?token=${token}`)).status).not.toBe(200);
  });

  it.each(['0.0.0.0', '0', '0.0', '0x0', '::', '[::]', '::0', '0:0:0:0:0:0:0:0', '::ffff:0.0.0.0'])(
    'refuses to bind every interface at once, however it is spelt: %s',
    async (wildcard) => {
      const starting = startWebHost({ rendererDir, services: createServices(app), host: wildcard });
      await expect(starting).rejects.toThrow(InvalidError);
      await expect(starting).rejects.toThrow(`--host ${wildcard} means every interface at once`);
    },
  );

  it.each(['', 'nosuch.invalid', '999.1.1.1'])(
    'refuses a host that is no address of this machine: "%s"',
    async (bad) => {
      const starting = startWebHost({ rendererDir, services: createServices(app), host: bad });
      await expect(starting).rejects.toThrow(InvalidError);
      await expect(starting).rejects.toThrow(/neither an address of this machine nor a name/);
    },
  );

  it('says in one line that the port is taken', async () => {
    const { port } = new URL(host.origin);
    const starting = startWebHost({
      rendererDir,
      services: createServices(app),
      port: Number(port),
    });
    await expect(starting).rejects.toThrow(BusyError);
    await expect(starting).rejects.toThrow(
      `Port ${port} on 127.0.0.1 is already in use; choose another --port, or 0 for a free one.`,
    );
  });

  it('answers the name it was given and its address, and no other Host', async () => {
    const named = await startWebHost({
      rendererDir,
      services: createServices(app),
      host: 'LocalHost',
      token,
    });
    const { port } = new URL(named.origin);
    expect(named.openUrl).toBe(`http://localhost:${port}/?token=${token}`);
    expect(named.reachableFromNetwork).toBe(false);
    const status = (headers: Record<string, string>) =>
      fetchStatus(named.origin, `/api/health?token=${token}`, headers);
    expect(await status({ Host: `localhost:${port}` })).toBe(200);
    expect(await status({ Host: `LOCALHOST:${port}`, Origin: `http://localhost:${port}` })).toBe(
      200,
    );
    expect(await status({ Host: `127.0.0.1:${port}` })).toBe(200);
    expect(await status({ Host: `0:${port}` })).toBe(403);
    expect(await status({ Host: `evil.example:${port}` })).toBe(403);
    expect(await status({ Host: `localhost:${port}`, Origin: `http://0:${port}` })).toBe(403);
    await named.close();
  });

  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;

  it.runIf(lanAddress !== undefined)(
    'binds one LAN address on request, and refuses a wildcard Host there',
    async () => {
      const lan = await startWebHost({
        rendererDir,
        services: createServices(app),
        host: lanAddress,
        token,
      });
      const { port } = new URL(lan.origin);
      expect(lan.origin).toBe(`http://${lanAddress ?? ''}:${port}`);
      expect(lan.reachableFromNetwork).toBe(true);
      const status = (headers: Record<string, string>) =>
        fetchStatus(lan.origin, `/api/health?token=${token}`, headers);
      expect(await status({})).toBe(200);
      expect(await status({ Host: `0:${port}` })).toBe(403);
      expect(await status({ Host: `0.0.0.0:${port}` })).toBe(403);
      expect(await status({ Host: `127.0.0.1:${port}` })).toBe(403);
      await lan.close();
    },
  );

  it('binds the address it is given', async () => {
    const other = await startWebHost({
      rendererDir,
      services: createServices(app),
      host: '127.0.0.2',
    });
    expect(other.origin).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    await other.close();
  });

  it('answers unknown API routes with 404', async () => {
    expect((await get(`/api/nope?token=${token}`)).status).toBe(404);
  });
});

describe('the contract over HTTP', () => {
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

  it('calls a channel with POST /api/<channel> and the argument array', async () => {
    const reply = await get('/api/libraryQuery', auth, [{ limit: 5 }]);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ photos: [], nextCursor: null });
    const status = await get('/api/jobsStatus', auth, []);
    expect(JSON.parse(status.body)).toMatchObject({ paused: false, running: [] });
  });

  it('answers 400 for arguments the contract refuses, 404 for unknown records', async () => {
    expect((await get('/api/libraryQuery', auth, [{ limit: 'many' }])).status).toBe(400);
    expect((await get('/api/libraryQuery', auth, [])).status).toBe(400);
    const missing = await get('/api/libraryPhoto', auth, [12345]);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'Photo 12345 not found' });
  });

  it('answers 404 for every kind of missing record, with its name', async () => {
    for (const [channel, what] of [
      ['jobsGet', 'Job 99999'],
      ['libraryPhoto', 'Photo 99999'],
      ['libraryThumbnail', 'Photo 99999'],
      ['watchPause', 'Watch folder 99999'],
    ] as const) {
      const reply = await get(`/api/${channel}`, auth, [99999]);
      expect(reply.status, channel).toBe(404);
      expect(JSON.parse(reply.body), channel).toEqual({ error: `${what} not found` });
    }
  });

  it('answers 400 with a readable message for a cursor it did not make', async () => {
    for (const cursor of ['garbage', '!!!', Buffer.from('[1]').toString('base64url')]) {
      const reply = await get('/api/libraryQuery', auth, [{ cursor }]);
      expect(reply.status, cursor).toBe(400);
      expect(JSON.parse(reply.body), cursor).toEqual({
        error: 'Invalid library cursor: use the nextCursor of a previous page.',
      });
    }
  });

  it('answers 400 with the field and the reason for arguments the contract refuses', async () => {
    const reply = await get('/api/libraryQuery', auth, [{ limit: 'many' }]);
    expect(JSON.parse(reply.body)).toEqual({
      error: 'limit: Invalid input: expected number, received string',
    });
  });

  it('refuses an unsafe or unknown name template with the reason, and keeps the setting', async () => {
    for (const [template, error] of [
      ['../../x{name}', 'The name template must give a plain file name: no /, \\ or "..".'],
      [
        '{name}_{bogus}',
        'Unknown placeholder {bogus} in the name template; use {name} and {scale}.',
      ],
    ]) {
      const reply = await get('/api/settingsSet', auth, [{ template }]);
      expect(reply.status, template).toBe(400);
      expect(JSON.parse(reply.body), template).toEqual({ error });
    }
    const settings = await get('/api/settingsGet', auth, []);
    expect(JSON.parse(settings.body)).toMatchObject({ template: '{name}_x{scale}' });
  });

  it('imports what exists and answers per path, not 500, when a path is missing', async () => {
    const photos = await mkdtemp(path.join(tmpdir(), 'yonos-photos-'));
    await writePhoto(path.join(photos, 'good.jpg'));
    const reply = await get('/api/libraryImport', auth, [{ paths: [photos, '/nonexistent'] }]);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({
      added: 1,
      failed: [{ path: '/nonexistent', error: 'no such file or folder' }],
    });
    await rm(photos, { recursive: true, force: true });
  });

  it('refuses a watch folder that is not there in plain words', async () => {
    const reply = await get('/api/watchAdd', auth, [{ path: '/nonexistent', scale: 4 }]);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ error: '/nonexistent: no such file or folder' });
  });

  it('needs the token and our origin for channels too', async () => {
    expect((await get('/api/jobsStatus', { 'Content-Type': 'application/json' }, [])).status).toBe(
      401,
    );
    const foreign = await get('/api/jobsStatus', { ...auth, Origin: 'http://evil.example' }, []);
    expect(foreign.status).toBe(403);
  });
});

describe('events over WebSocket', () => {
  function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
    const socket = new WebSocket(`${host.origin.replace('http', 'ws')}/api/events${query}`, {
      headers,
    });
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        resolve(socket);
      });
      socket.once('unexpected-response', (_req, res) => {
        reject(new Error(`refused with ${res.statusCode ?? 0}`));
      });
      socket.once('error', reject);
    });
  }

  it('streams service events to a client with the token', async () => {
    const socket = await connect(`?token=${token}`, { Origin: host.origin });
    const message = new Promise<string>((resolve) => {
      socket.once('message', (data: Buffer) => {
        resolve(data.toString());
      });
    });
    await get('/api/jobsPause', { Authorization: `Bearer ${token}` }, [{}]);
    expect(serviceEventSchema.parse(JSON.parse(await message))).toEqual({
      type: 'queue',
      paused: true,
    });
    socket.close();
    await get('/api/jobsResume', { Authorization: `Bearer ${token}` }, [{}]);
  });

  it.each([
    ['no token', '', {}, 401],
    ['a wrong token', '?token=nope', {}, 401],
    ['a foreign origin', `?token=${token}`, { Origin: 'http://evil.example' }, 403],
    ['a foreign Host', `?token=${token}`, { Host: 'evil.example' }, 403],
  ])('refuses a client with %s', async (_case, query, headers: Record<string, string>, status) => {
    await expect(connect(query, headers)).rejects.toThrow(`refused with ${status}`);
  });
});
