/**
 * The cluster address: `redis://[user:password@]host[:port][/db]`, or
 * `rediss://…` for TLS (the system's CAs, plus NODE_EXTRA_CA_CERTS for a
 * private one). Turned into BullMQ connection options; never printed with its
 * password.
 */
import type { ConnectionOptions } from 'bullmq';
import { InvalidError } from '../../common/errors.js';

export interface ClusterAddress {
  connection: ConnectionOptions;
  /** The address without its password, for messages. */
  display: string;
}

export function parseClusterUrl(url: string): ClusterAddress {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (parsed === null || !['redis:', 'rediss:'].includes(parsed.protocol)) {
    throw new InvalidError(
      `The cluster address must look like redis://host:6379 or rediss://host:6380, not ${redact(url)}.`,
    );
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new InvalidError(`The cluster address ends in a database number, not "/${db}".`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const connection: ConnectionOptions = {
    host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: db === '' ? 0 : Number(db),
    // Workers and the coordinator wait out a Redis restart instead of failing their commands.
    maxRetriesPerRequest: null,
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
  };
  return { connection, display: redact(url) };
}

/** The URL with any password replaced by ***. */
export function redact(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
