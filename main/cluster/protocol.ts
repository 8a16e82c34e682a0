/**
 * What the coordinator and its workers say to each other through Redis: the
 * data of a cluster job, its progress and result, and the record each live
 * worker keeps. zod schemas, because every side reads what another machine
 * (maybe another Yonos version) wrote.
 */
import { z } from 'zod';
import { outputFormatSchema, scaleSchema } from '../../common/contract.js';

/** Where BullMQ keeps its queues, and our own keys (workers, coordinators) beside them. */
export const redisPrefix = 'yonos';

export const modelIdentitySchema = z.object({
  id: z.string(),
  version: z.string(),
  /** sha256 of the manifest and the three graphs (first 16 hex digits): the very same weights. */
  fingerprint: z.string(),
});
export type ModelIdentity = z.infer<typeof modelIdentitySchema>;

export const clusterJobDataSchema = z.object({
  /** The coordinator that owns the job; its current address is in Redis (it may restart elsewhere). */
  coordinator: z.string(),
  jobId: z.int().positive(),
  /** This job's capability: fetch its input, upload its output, nothing else. */
  token: z.string(),
  input: z.object({
    /** The file's name, for the worker's local copy (its extension tells decoders nothing: content does). */
    name: z.string(),
    /** The coordinator's path, for workers that mount the same share (`--path-map`). */
    path: z.string(),
    bytes: z.int().nonnegative(),
    sha256: z.string(),
  }),
  /** The coordinator's output path: its name fixes the format; mapped workers write beside it. */
  output: z.string(),
  model: modelIdentitySchema,
  options: z.object({
    scale: scaleSchema,
    steps: z.optional(z.int().positive()),
    tile: z.optional(z.int().positive()),
    format: z.optional(outputFormatSchema),
    quality: z.optional(z.int().min(1).max(100)),
  }),
  /** The output's size in megapixels, for throughput and ETAs. */
  outputMegapixels: z.number().nonnegative(),
});
export type ClusterJobData = z.infer<typeof clusterJobDataSchema>;

/** BullMQ job progress: typed, never a string to parse. */
export const clusterProgressSchema = z.object({
  worker: z.string(),
  tilesDone: z.int().nonnegative(),
  tilesTotal: z.int().nonnegative(),
  etaMs: z.nullable(z.number()),
});
export type ClusterProgress = z.infer<typeof clusterProgressSchema>;

export const clusterResultSchema = z.object({
  worker: z.string(),
  /** False when the coordinator no longer wanted it (done elsewhere, cancelled or paused). */
  landed: z.boolean(),
  ms: z.number(),
  provider: z.string(),
});
export type ClusterResult = z.infer<typeof clusterResultSchema>;

/** What a live worker publishes about itself every few seconds (expiring when it stops). */
export const workerRecordSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.int(),
  device: z.string(),
  concurrency: z.int().positive(),
  models: z.array(modelIdentitySchema),
  startedAt: z.number(),
  jobsDone: z.int().nonnegative(),
  running: z.int().nonnegative(),
  /** Output megapixels written, and the time spent on them, since the worker started. */
  outputMegapixels: z.number().nonnegative(),
  busyMs: z.number().nonnegative(),
});
export type WorkerRecord = z.infer<typeof workerRecordSchema>;

/** How long a worker's record outlives its last refresh: a killed worker drops out of the list. */
export const workerRecordTtlMs = 15_000;
export const workerRecordEveryMs = 5_000;

export function workerKey(workerId: string): string {
  return `${redisPrefix}:worker:${workerId}`;
}

export function coordinatorKey(coordinatorId: string): string {
  return `${redisPrefix}:coordinator:${coordinatorId}`;
}

/**
 * One BullMQ queue per model identity: a worker listens only on the queues of
 * the models it has, byte for byte, so a worker with another version of a
 * model never even sees that model's jobs.
 */
export function queueNameFor(model: ModelIdentity): string {
  return `model.${model.id}.${model.version}.${model.fingerprint}`;
}

export function describeModel(model: ModelIdentity): string {
  return `${model.id} ${model.version} (${model.fingerprint.slice(0, 8)})`;
}

/** Set by the coordinator for a job that is running but no longer wanted; its worker stops it. */
export function cancelKey(bullJobId: string): string {
  return `${redisPrefix}:cancel:${bullJobId}`;
}
