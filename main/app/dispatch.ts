import { z } from 'zod/mini';
import type { ChannelName, ServiceHandlers } from '../../common/contract.js';
import { channelNames, serviceContract } from '../../common/contract.js';
import { InvalidError } from '../../common/errors.js';

// Readable reasons ("expected number, received string") instead of zod/mini's bare "Invalid input".
z.config(z.locales.en());

/**
 * Calls a channel with arguments from an untrusted transport (IPC, HTTP):
 * they are parsed against the contract before the handler sees them, and a
 * refusal says which field and why, the same way on every transport.
 */
export function dispatch(handlers: ServiceHandlers, name: ChannelName, rawArgs: unknown): unknown {
  // Any handler, whatever its parameters: the contract's schema checks the arguments.
  const handler: (...args: never[]) => unknown = handlers[name];
  const parsed = serviceContract[name].args.safeParse(rawArgs);
  if (!parsed.success) throw new InvalidError(describeIssues(parsed.error.issues));
  return handler(...(parsed.data as never[]));
}

/**
 * `field: reason` per issue; the argument's index is left out when there is
 * only the one, and our own checks' messages stand alone (they name the field).
 */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path
        .slice(1)
        .map((key, index) =>
          typeof key === 'number' ? `[${key}]` : `${index > 0 ? '.' : ''}${String(key)}`,
        )
        .join('');
      return where === '' || issue.code === 'custom' ? issue.message : `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** The handlers behind the same checks as IPC and HTTP: the CLI's calls get the same refusals. */
export function checkedHandlers(handlers: ServiceHandlers): ServiceHandlers {
  return Object.fromEntries(
    channelNames.map((name) => [name, (...args: unknown[]) => dispatch(handlers, name, args)]),
  ) as ServiceHandlers;
}
