/**
 * The renderer's one way to the backend. In the desktop app the preload has
 * exposed the contract as `window.yonos` (IPC); in a browser opened by
 * `yonos serve` the same contract goes over HTTP with the page's token.
 */
import { createApiClient } from '../../../main/shared/api-client.js';
import type { YonosApi } from '../../../main/shared/contract.js';

declare global {
  interface Window {
    yonos?: YonosApi;
  }
}

export class UnauthorizedError extends Error {
  constructor() {
    super('This page has no valid token; open the address that `yonos serve` printed.');
    this.name = 'UnauthorizedError';
  }
}

export function connectBackend(): YonosApi {
  return window.yonos ?? createHttpBackend(takeTokenFromAddressBar());
}

/** Reads `?token=` and drops it from the visible URL and history. */
function takeTokenFromAddressBar(): string | null {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token !== null) {
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
  }
  return token;
}

function createHttpBackend(token: string | null): YonosApi {
  return createApiClient(async (name, args) => {
    if (token === null) throw new UnauthorizedError();
    const response = await fetch(`/api/${name}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    });
    if (response.status === 401) throw new UnauthorizedError();
    if (!response.ok) throw new Error(`/api/${name} answered ${response.status}`);
    return response.json();
  });
}
