import type { ChannelName, ServiceHandlers } from './contract.js';
import { serviceContract } from './contract.js';

/**
 * Calls a channel with arguments from an untrusted transport (IPC, HTTP):
 * they are parsed against the contract before the handler sees them.
 */
export function dispatch(handlers: ServiceHandlers, name: ChannelName, rawArgs: unknown): unknown {
  // Any handler, whatever its parameters: the contract's schema checks the arguments.
  const handler: (...args: never[]) => unknown = handlers[name];
  const args = serviceContract[name].args.parse(rawArgs) as never[];
  return handler(...args);
}
