/**
 * Thumbnails as data: URLs, fetched once per photo and kept in a bounded
 * cache (oldest dropped first), with a few requests in flight at a time so
 * fast scrolling through 10k photos doesn't flood the backend.
 */
import type { YonosApi } from '$common/contract';

const cacheLimit = 3000;
const inFlightLimit = 6;

export class ThumbnailCache {
  readonly #cache = new Map<number, Promise<string>>();
  readonly #waiting: (() => void)[] = [];
  #inFlight = 0;

  constructor(private readonly api: YonosApi) {}

  get(id: number): Promise<string> {
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    const loading = this.#limited(async () => (await this.api.libraryThumbnail(id)).dataUrl);
    // A failure is not cached: scrolling back retries it.
    loading.catch(() => this.#cache.delete(id));
    this.#cache.set(id, loading);
    if (this.#cache.size > cacheLimit) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    return loading;
  }

  forget(id: number): void {
    this.#cache.delete(id);
  }

  async #limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.#inFlight >= inFlightLimit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#inFlight++;
    try {
      return await task();
    } finally {
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
  }
}
