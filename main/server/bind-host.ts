/**
 * What `yonos serve --host` may name, and the Host headers that may then
 * reach us. Any spelling of the unspecified address (`0`, `0.0.0.0`, `::0`,
 * `0:0:0:0:0:0:0:0`, …) is every interface at once and refused; one address
 * of this machine, or a name that resolves to one, is the opt-in to other
 * machines reaching the app.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { BusyError, InvalidError } from '../../common/errors.js';

export interface BindHost {
  /** Canonical address to listen on (IPv6 without brackets). */
  address: string;
  /** Host names as a browser writes them (no port), the one to print first. */
  names: string[];
  /** Other machines can connect: the address is not a loopback one. */
  reachableFromNetwork: boolean;
}

const unspecified = new BlockList();
unspecified.addAddress('0.0.0.0', 'ipv4');
unspecified.addAddress('::', 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** `option` names the command-line option in messages (`--host`, `--cluster-host`). */
export async function resolveBindHost(given: string, option = '--host'): Promise<BindHost> {
  const bare = given.trim().replace(/^\[(.*)\]$/, '$1');
  const found = bare === '' ? null : await lookup(bare, { verbatim: true }).catch(() => null);
  if (found === null) {
    throw new InvalidError(
      `${option} ${given} is neither an address of this machine nor a name that resolves to one.`,
    );
  }
  const family = found.family === 6 ? 'ipv6' : 'ipv4';
  if (unspecified.check(found.address, family)) {
    throw new InvalidError(
      `${option} ${given} means every interface at once; give the one address to serve on ` +
        `(this machine has ${machineAddresses().join(', ')}).`,
    );
  }
  // The WHATWG form, as a browser writes it in Host: 127.1 → 127.0.0.1, [FD00::2] → [fd00::2].
  const canonical = new URL(`http://${family === 'ipv6' ? `[${found.address}]` : found.address}/`)
    .hostname;
  const address = canonical.replace(/^\[(.*)\]$/, '$1');
  const name = isIP(bare) === 0 ? bare.toLowerCase() : null;
  return {
    address,
    names: name === null || name === canonical ? [canonical] : [name, canonical],
    reachableFromNetwork: !loopback.check(address, family),
  };
}

/** Listen failures as one line that says what to change. */
export function listenError(
  error: Error,
  port: number,
  given: string,
  option = { host: '--host', port: '--port' },
): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new BusyError(
      `Port ${port} on ${given} is already in use; choose another ${option.port}, or 0 for a free one.`,
    );
  }
  if (code === 'EACCES') {
    return new InvalidError(
      `Port ${port} needs administrator rights; choose one above 1023, or 0 for a free one.`,
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new InvalidError(
      `${option.host} ${given} is not an address of this machine; it has ${machineAddresses().join(', ')}.`,
    );
  }
  return error;
}

/** This machine's addresses, IPv4 first: what a user could pass to --host. */
function machineAddresses(): string[] {
  const all = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined);
  return [
    ...all.filter((entry) => entry.family === 'IPv4'),
    ...all.filter((e) => e.family !== 'IPv4'),
  ]
    .filter((entry) => !entry.address.startsWith('fe80:'))
    .map((entry) => entry.address);
}
