/**
 * `yonos-media://photo/<id>` and `yonos-media://version/<id>`: full-size
 * images for the compare view, served only for library photos and their
 * enhanced versions inside the allowed roots (main/library/image-access.ts).
 */
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import type { Db } from '../library/db.js';
import { mediaScheme } from '../../common/desktop.js';
import { openImage, type OpenedImage } from '../library/image-access.js';

/** Must run before the app is ready. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: mediaScheme, privileges: { standard: true, secure: true, supportFetchAPI: false } },
  ]);
}

/** The image a media URL may load, opened, or null. */
export function openMediaImage(db: Db, url: string): Promise<OpenedImage | null> {
  const parsed = new URL(url);
  if (parsed.protocol !== `${mediaScheme}:`) return Promise.resolve(null);
  return openImage(db, `${parsed.hostname}${parsed.pathname}`);
}

export function handleMediaProtocol(db: Db): void {
  protocol.handle(mediaScheme, async (request) => {
    const image = await openMediaImage(db, request.url);
    if (image === null) return new Response('Not found', { status: 404 });
    // Streamed from the descriptor that was checked, never reopened by path.
    const body = Readable.toWeb(image.handle.createReadStream()) as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: { 'Content-Type': image.type, 'Content-Length': String(image.size) },
    });
  });
}
