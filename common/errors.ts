/**
 * The kinds of failure a caller can act on. Services throw these; each
 * transport maps the kind once (HTTP statuses in server/web-host.ts, exit
 * codes in cli/app-options.ts, IPC replies in electron/ipc.ts), never by
 * message or `error.name`.
 */

/** The arguments make no sense (a bad cursor, an unknown placeholder): fix the request. */
export class InvalidError extends Error {}

/** The record asked for does not exist. */
export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
  }
}

/** The request is understood but refused (a file whose real path leaves the allowed folders). */
export class ForbiddenError extends Error {}

/** The request clashes with the current state of things. */
export class ConflictError extends Error {}

/** Something else holds the resource now (a port, a lock); try again later or elsewhere. */
export class BusyError extends Error {}

/** A failed IPC call's reply: the kind, so the renderer never parses a message. */
export interface IpcFailure {
  yonosError: { kind: ErrorKind; message: string };
}
export type ErrorKind = 'invalid' | 'not-found' | 'forbidden' | 'conflict' | 'busy' | 'internal';

export function isIpcFailure(reply: unknown): reply is IpcFailure {
  return typeof reply === 'object' && reply !== null && 'yonosError' in reply;
}

/** The error a renderer sees for a failed call: its message, with the kind to act on. */
export class ServiceError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const fileErrorWords: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many levels of links',
  ENAMETOOLONG: 'the name is too long',
};

/** A file-system error in plain words ("no such file or folder"), without the syscall and path. */
export function fileErrorMessage(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  return (code === undefined ? undefined : fileErrorWords[code]) ?? errorMessage(error);
}
