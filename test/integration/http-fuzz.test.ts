/**
 * Malformed requests thrown at every HTTP route of `yonos serve`: each must be
 * answered with a 4xx status and a JSON body `{ "error": "…" }`, never a 500,
 * a hang or a dropped connection. Random argument values come from a seeded
 * generator (the same every run), and only values the contract refuses are
 * sent, so no handler ever runs on them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../main/server/web-host.js';
import { YonosApp } from '../../main/app/app.js';
import { channelNames, serviceContract, type ChannelName } from '../../common/contract.js';
import { openImage } from '../../main/library/image-access.js';
import { createServices } from '../../main/app/services.js';
import { writePhoto } from '../support/images.js';

const token = 'fuzz-token';
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
let rendererDir: string;
let dataDir: string;
let app: YonosApp;
let host: WebHost;
let hostHeader: string;

beforeAll(async () => {
  rendererDir = await mkdtemp(path.join(tmpdir(), 'yonos-fuzz-renderer-'));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Yonos</title>');
  dataDir = await mkdtemp(path.join(tmpdir(), 'yonos-fuzz-data-'));
  app = YonosApp.open({ dataDir });
  await writePhoto(path.join(rendererDir, 'photos', 'a.jpg'));
  await createServices(app).libraryImport({ paths: [path.join(rendererDir, 'photos')] });
  host = await startWebHost({
    rendererDir,
    services: createServices(app),
    events: app.events,
    token,
    openImage: (ref) => openImage(app.db, ref),
  });
  hostHeader = new URL(host.origin).host;
});

afterAll(async () => {
  agent.destroy();
  await host.close();
  await app.close();
  await rm(rendererDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  type: string;
  body: string;
}

interface Probe {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

function send({ method = 'POST', path: target, body, headers = {} }: Probe): Promise<Reply> {
  const { hostname, port } = new URL(host.origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname,
        port,
        method,
        path: target,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'] ?? '',
            body: text,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The one thing every malformed request must get. */
function expectJsonRefusal(reply: Reply, what: string): void {
  expect(reply.status, `${what}: ${reply.body}`).toBeGreaterThanOrEqual(400);
  expect(reply.status, `${what}: ${reply.body}`).toBeLessThan(500);
  expect(reply.type, what).toMatch(/^application\/json/);
  const parsed = JSON.parse(reply.body) as { error?: unknown };
  expect(typeof parsed.error, what).toBe('string');
}

/** mulberry32: a small seeded generator, so a failure reproduces. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keys = [
  'paths',
  'recursive',
  'cursor',
  'limit',
  'ids',
  'photoId',
  'scale',
  'steps',
  'tile',
  'x',
  'y',
  'width',
  'height',
  'template',
  'format',
  'quality',
  'inputs',
  'photoIds',
  'outDir',
  'path',
  'installed',
  'state',
  'device',
  'sort',
  'order',
  'folder',
  '__proto__',
  'constructor',
  '',
];
const strings = [
  '',
  ' ',
  'x'.repeat(5000),
  '../../etc/passwd',
  '\u0000',
  '{name}_{bogus}',
  'é😀',
  '%00',
  'garbage',
  'png',
  '/nonexistent',
  'true',
  '1e309',
];
const numbers = [0, -1, 1.5, 2 ** 53, -(2 ** 53), 1e308, 99_999, 4, 65_536];

function randomValue(random: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const kind = Math.floor(random() * (depth > 2 ? 5 : 7));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick(numbers);
    case 3:
    case 4:
      return pick(strings);
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, () => [
          pick(keys),
          randomValue(random, depth + 1),
        ]),
      );
  }
}

/** Argument arrays (and some non-arrays) the channel's contract refuses. */
function refusedArguments(channel: ChannelName, count: number): unknown[] {
  const random = seeded(channelNames.indexOf(channel) + 1);
  const refused: unknown[] = [];
  while (refused.length < count) {
    const candidate =
      random() < 0.85
        ? Array.from({ length: Math.floor(random() * 3) }, () => randomValue(random, 0))
        : randomValue(random, 0);
    if (!serviceContract[channel].args.safeParse(candidate).success) refused.push(candidate);
  }
  return refused;
}

const notJson = ['', '{', '[1,', 'undefined', "['single']", '\u0000', '[1] trailing', 'NaN'];

describe('every API channel refuses malformed requests with a 4xx and a JSON error', () => {
  it.each(channelNames)('%s', async (channel) => {
    const route = `/api/${channel}`;
    for (const body of notJson.filter((text) => text !== '' || channel !== 'health')) {
      // An empty body is the empty argument list, which some channels take.
      if (body === '' && serviceContract[channel].args.safeParse([]).success) continue;
      expectJsonRefusal(
        await send({ path: route, body }),
        `${channel} body ${JSON.stringify(body)}`,
      );
    }
    for (const args of refusedArguments(channel, 40)) {
      const body = JSON.stringify(args);
      expectJsonRefusal(await send({ path: route, body }), `${channel} ${body.slice(0, 200)}`);
    }
    for (const method of ['PUT', 'DELETE', 'PATCH', ...(channel === 'health' ? [] : ['GET'])]) {
      expectJsonRefusal(await send({ method, path: route }), `${method} ${route}`);
    }
  });
});

describe('requests the contract accepts but that name nothing real', () => {
  it.each([
    ['libraryQuery', [{ cursor: 'garbage' }]],
    ['libraryQuery', [{ cursor: Buffer.from('[{}, 1]').toString('base64url') }]],
    ['libraryPhoto', [99_999]],
    ['libraryThumbnail', [99_999]],
    ['jobsGet', [99_999]],
    ['watchPause', [99_999]],
    ['watchResume', [99_999]],
    ['watchAdd', [{ path: '/nonexistent', scale: 4 }]],
    ['previewRegion', [{ photoId: 99_999, x: 0, y: 0, width: 16, height: 16, scale: 2, steps: 2 }]],
    ['previewLooks', [{ photoId: 99_999, x: 0, y: 0, width: 16, height: 16, scale: 4 }]],
    ['jobsEnqueue', [{ photoIds: [99_999], scale: 4 }]],
  ] as const)('%s %j', async (channel, args) => {
    expectJsonRefusal(
      await send({ path: `/api/${channel}`, body: JSON.stringify(args) }),
      `${channel} ${JSON.stringify(args)}`,
    );
  });
});

describe('the other routes', () => {
  it.each([
    { path: '/api/file/photo/99999' },
    { path: '/api/file/photo/1', method: 'POST' },
    { path: '/api/file/photo/1', method: 'DELETE' },
    { path: '/api/file/thumbnail/1', method: 'GET' },
    { path: '/api/file/photo/-1', method: 'GET' },
    { path: '/api/file/photo/1e3', method: 'GET' },
    { path: '/api/file/photo/1/../../../etc/passwd', method: 'GET' },
    { path: '/api/file/%2e%2e/%2e%2e/etc/passwd', method: 'GET' },
    { path: '/api/file/', method: 'GET' },
    { path: '/api/file/photo/99999999999999999999', method: 'GET' },
    { path: '/api/events', method: 'GET' },
    { path: '/api/events', method: 'POST', body: '[]' },
    { path: '/api/', method: 'POST', body: '[]' },
    { path: '/api/__proto__', method: 'POST', body: '[]' },
    { path: '/api/constructor', method: 'POST', body: '[]' },
    { path: '/api/toString', method: 'POST', body: '[]' },
    { path: '/api/health/extra', method: 'GET' },
    { path: '/api/%zz', method: 'POST', body: '[]' },
    { path: '/', method: 'POST', body: '[]' },
    { path: '/', method: 'DELETE' },
    { path: '/nope.js', method: 'GET' },
    { path: '/%zz', method: 'GET' },
    { path: '/%00', method: 'GET' },
    { path: '/..%2f..%2fpackage.json', method: 'GET' },
    { path: '/index.html%00.js', method: 'GET' },
    { path: '//[', method: 'GET' },
    { path: '//[::1/api/health', method: 'GET' },
    { path: '/api/health?token=%zz', method: 'GET', headers: { Authorization: '' } },
  ])('$method $path', async (probe) => {
    expectJsonRefusal(await send(probe), `${probe.method ?? 'POST'} ${probe.path}`);
  });

  it('refuses a body over the limit', async () => {
    const reply = await send({
      path: '/api/libraryQuery',
      body: Buffer.alloc(2 * 1024 * 1024, 32),
    });
    expect(reply.status).toBe(413);
    expectJsonRefusal(reply, 'oversize body');
  });

  it.each([
    ['no token', { Authorization: '' }],
    ['a garbage Authorization', { Authorization: 'Basic Zm9vOmJhcg==' }],
    ['a foreign Host', { Host: 'evil.example' }],
    ['the wildcard Host', { Host: '0:1' }],
    ['a foreign Origin', { Origin: 'http://evil.example' }],
    ['a null Origin', { Origin: 'null' }],
  ])('refuses %s', async (_case, headers: Record<string, string>) => {
    expectJsonRefusal(await send({ path: '/api/health', method: 'GET', headers }), _case);
  });
});

describe('requests HTTP itself cannot parse', () => {
  /** Writes raw bytes on a fresh connection and reads the reply until the server closes it. */
  function raw(bytes: string): Promise<Reply> {
    const { hostname, port } = new URL(host.origin);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = text.split('\r\n\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        const type = /^content-type: (.*)$/im.exec(head)?.[1] ?? '';
        resolve({ status, type, body });
      });
      socket.end(bytes);
    });
  }

  it.each([
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: $\r\nbroken header\r\n\r\n'],
    ['a bad Content-Length', 'POST /api/health HTTP/1.1\r\nContent-Length: -5\r\n\r\n'],
    [
      'two Content-Lengths',
      'POST /api/health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    ],
    ['headers too large', `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['no Host at all', `GET /api/health?token=${token} HTTP/1.1\r\n\r\n`],
    ['an empty Host', `GET /api/health?token=${token} HTTP/1.1\r\nHost: \r\n\r\n`],
    [
      'a WebSocket upgrade without the token',
      'GET /api/events HTTP/1.1\r\nHost: $\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    ],
  ])('%s', async (what, bytes) => {
    expectJsonRefusal(await raw(bytes.replace('$', hostHeader)), what);
  });
});
