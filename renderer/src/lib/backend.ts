/**
 * The renderer's one way to the backend. In the desktop app the preload has
 * exposed the contract as `window.yonos` (IPC) and its events as
 * `window.yonosEvents`; in a browser opened by `yonos serve` the same contract
 * goes over HTTP with the page's token and the events over a WebSocket.
 */
import { createApiClient } from '$common/api-client';
import type { EventListener, YonosApi, YonosEvents } from '$common/contract';
import { serviceEventSchema } from '$common/contract';
import { mediaScheme, type DesktopApi } from '$common/desktop';
import { ServiceError, type ErrorKind } from '$common/errors';

declare global {
  interface Window {
    yonos?: YonosApi;
    yonosEvents?: YonosEvents;
    yonosDesktop?: DesktopApi;
  }
}

export class UnauthorizedError extends Error {
  constructor() {
    super('This page has no valid token; open the address that `yonos serve` printed.');
    this.name = 'UnauthorizedError';
  }
}

export interface Backend {
  api: YonosApi;
  events: YonosEvents;
  /** Native dialogs and the file manager; null in a browser. */
  desktop: DesktopApi | null;
  /** A URL an <img> can load a library photo or an enhanced version from. */
  imageUrl(kind: 'photo' | 'version', id: number): string;
}

export function connectBackend(): Backend {
  if (window.yonos !== undefined && window.yonosEvents !== undefined) {
    return {
      api: window.yonos,
      events: window.yonosEvents,
      desktop: window.yonosDesktop ?? null,
      imageUrl: (kind, id) => `${mediaScheme}://${kind}/${id}`,
    };
  }
  const token = takeToken();
  return {
    api: createHttpBackend(token),
    events: createSocketEvents(token),
    desktop: null,
    imageUrl: (kind, id) => `/api/file/${kind}/${id}?token=${encodeURIComponent(token ?? '')}`,
  };
}

const tokenKey = 'yonos.token';

/**
 * Reads `?token=` and drops it from the visible URL and history. The tab keeps
 * it (sessionStorage, this tab only), so a reload still reaches the backend.
 */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return sessionStorage.getItem(tokenKey);
  url.searchParams.delete('token');
  window.history.replaceState(null, '', url);
  sessionStorage.setItem(tokenKey, token);
  return token;
}

/** The web host's statuses read back as the kinds the IPC door carries, so views act on either alike. */
const kindByStatus: Partial<Record<number, ErrorKind>> = {
  400: 'invalid',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  503: 'busy',
};

function createHttpBackend(token: string | null): YonosApi {
  return createApiClient(async (name, args) => {
    if (token === null) throw new UnauthorizedError();
    const response = await fetch(`/api/${name}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    });
    if (response.status === 401) throw new UnauthorizedError();
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: unknown };
      throw new ServiceError(
        kindByStatus[response.status] ?? 'internal',
        typeof body.error === 'string' ? body.error : `/api/${name} answered ${response.status}`,
      );
    }
    return response.json();
  });
}

/** One WebSocket shared by every subscriber, reconnecting after a drop. */
function createSocketEvents(token: string | null): YonosEvents {
  const listeners = new Set<EventListener>();
  let socket: WebSocket | null = null;
  const open = (): void => {
    if (token === null || socket !== null) return;
    const url = new URL(`/api/events?token=${encodeURIComponent(token)}`, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const current = new WebSocket(url);
    socket = current;
    current.addEventListener('message', (message: MessageEvent<string>) => {
      const parsed = serviceEventSchema.safeParse(JSON.parse(message.data));
      if (!parsed.success) return;
      for (const listener of listeners) listener(parsed.data);
    });
    current.addEventListener('close', () => {
      socket = null;
      if (listeners.size > 0) setTimeout(open, 1000);
    });
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      open();
      return () => listeners.delete(listener);
    },
  };
}
