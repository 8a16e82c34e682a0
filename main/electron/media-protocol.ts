/**
 * `yonos-media://photo/<id>` and `yonos-media://version/<id>`: full-size
 * images for the compare view, served only for library photos and their
 * enhanced versions inside the allowed roots (main/shared/image-access.ts).
 */
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import type { Db } from '../library/db.js';
import { mediaScheme } from '../shared/desktop.js';
import { parseImageRef, resolveImage } from '../shared/image-access.js';

/** Must run before the app is ready. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: mediaScheme, privileges: { standard: true, secure: true, supportFetchAPI: false } },
  ]);
}

/** The file a media URL may load, or null. */
export function mediaFileFor(db: Db, url: string): string | null {
  const parsed = new URL(url);
  if (parsed.protocol !== `${mediaScheme}:`) return null;
  const ref = parseImageRef(`${parsed.hostname}${parsed.pathname}`);
  return ref === null ? null : resolveImage(db, ref.kind, ref.id);
}

export function handleMediaProtocol(db: Db): void {
  protocol.handle(mediaScheme, (request) => {
    const file = mediaFileFor(db, request.url);
    if (file === null) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).href);
  });
}
