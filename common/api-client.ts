import type { ChannelName, YonosApi } from './contract.js';
import { channelNames, serviceContract } from './contract.js';

/** Sends one call over a transport and returns its raw answer. */
export type Transport = (name: ChannelName, args: unknown[]) => Promise<unknown>;

/**
 * The renderer's `YonosApi` over a transport it does not trust blindly (HTTP
 * under `yonos serve`): one named function per channel, results checked
 * against the contract.
 */
export function createApiClient(transport: Transport): YonosApi {
  const entries = channelNames.map((name) => [
    name,
    async (...args: unknown[]) => serviceContract[name].result.parse(await transport(name, args)),
  ]);
  return Object.fromEntries(entries) as YonosApi;
}
