/**
 * The service contract between the UI and the backend: one map from channel
 * name to argument and result schemas. The Electron preload (IPC) and the
 * `yonos serve` web host (HTTP) are two transports for this same contract, so
 * the renderer codes against `YonosApi` and never learns which one it has.
 *
 * Schemas, not just types: arguments arrive from a renderer we must not trust,
 * and results cross a process boundary, so both sides can validate at runtime.
 * zod/mini keeps that affordable in the renderer bundle.
 */
import { z } from 'zod/mini';

export const healthReportSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

export const serviceContract = {
  health: { args: z.tuple([]), result: healthReportSchema },
} as const;

type Contract = typeof serviceContract;
export type ChannelName = keyof Contract;
export type ChannelArgs<C extends ChannelName> = z.infer<Contract[C]['args']>;
export type ChannelResult<C extends ChannelName> = z.infer<Contract[C]['result']>;

/** What the renderer calls: every channel as an async function. */
export type YonosApi = {
  [C in ChannelName]: (...args: ChannelArgs<C>) => Promise<ChannelResult<C>>;
};

/** What the backend implements, whatever the transport. */
export type ServiceHandlers = {
  [C in ChannelName]: (...args: ChannelArgs<C>) => ChannelResult<C> | Promise<ChannelResult<C>>;
};

export const channelNames = Object.keys(serviceContract) as ChannelName[];
