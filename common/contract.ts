/**
 * The service contract between the UI and the backend: one map from channel
 * name to argument and result schemas, plus the events the backend pushes. The
 * Electron preload (IPC), the `yonos serve` web host (HTTP and WebSocket) and
 * the CLI all go through this same contract and the same implementation
 * (services.ts), so the renderer codes against `YonosApi` and never learns
 * which transport it has.
 *
 * Schemas, not just types: arguments arrive from a renderer we must not trust,
 * and results cross a process boundary, so both sides can validate at runtime.
 * zod/mini keeps that affordable in the renderer bundle.
 */
import { z } from 'zod/mini';

const id = z.int().check(z.minimum(1));
const count = z.int().check(z.minimum(0));
const timestamp = z.number();
const nullableString = z.nullable(z.string());

export const healthReportSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

// ---- Library ---------------------------------------------------------------

export const photoStatusSchema = z.enum(['new', 'queued', 'enhanced', 'failed']);
export type PhotoStatus = z.infer<typeof photoStatusSchema>;

export const photoSchema = z.object({
  id,
  path: z.string(),
  folder: z.string(),
  name: z.string(),
  bytes: count,
  width: count,
  height: count,
  format: z.string(),
  /** EXIF DateTimeOriginal as local time in ms since the epoch, if the photo has one. */
  takenAt: z.nullable(timestamp),
  camera: nullableString,
  /** What "date" sorts by: the EXIF date, else the file's modification time. */
  date: timestamp,
  importedAt: timestamp,
  status: photoStatusSchema,
  /** The original is no longer at `path` (moved or deleted); the record is kept. */
  missing: z.boolean(),
});
export type Photo = z.infer<typeof photoSchema>;

export const versionSchema = z.object({
  id,
  photoId: z.nullable(id),
  jobId: z.nullable(id),
  path: z.string(),
  modelId: z.string(),
  scale: count,
  width: count,
  height: count,
  format: z.string(),
  createdAt: timestamp,
});
export type Version = z.infer<typeof versionSchema>;

export const photoDetailSchema = z.extend(photoSchema, {
  hash: z.string(),
  versions: z.array(versionSchema),
});
export type PhotoDetail = z.infer<typeof photoDetailSchema>;

export const librarySortSchema = z.enum(['date', 'name', 'imported']);
export const libraryQuerySchema = z.object({
  folder: z.optional(z.string()),
  /** With `folder`: include photos in its subfolders too. */
  includeSubfolders: z.optional(z.boolean()),
  status: z.optional(photoStatusSchema),
  missing: z.optional(z.boolean()),
  /** Full-text search over name, folder and camera; every word must match (as a prefix). */
  search: z.optional(z.string()),
  dateFrom: z.optional(timestamp),
  dateTo: z.optional(timestamp),
  sort: z.optional(librarySortSchema),
  order: z.optional(z.enum(['asc', 'desc'])),
  limit: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
  /** `nextCursor` of the previous page. */
  cursor: z.optional(z.string()),
});
export type LibraryQuery = z.infer<typeof libraryQuerySchema>;

export const libraryPageSchema = z.object({
  photos: z.array(photoSchema),
  nextCursor: nullableString,
});
export type LibraryPage = z.infer<typeof libraryPageSchema>;

export const importReportSchema = z.object({
  added: count,
  /** Same content already in the library under another path that still exists. */
  duplicates: count,
  /** A missing photo found again at a new path. */
  moved: count,
  /** Already imported at this path; content changes are re-read. */
  unchanged: count,
  failed: z.array(z.object({ path: z.string(), error: z.string() })),
  /** The library photo for every imported file, duplicates included, in input order. */
  photoIds: z.array(id),
});
export type ImportReport = z.infer<typeof importReportSchema>;

export const folderSummarySchema = z.object({ folder: z.string(), photos: count, missing: count });
export type FolderSummary = z.infer<typeof folderSummarySchema>;

export const refreshReportSchema = z.object({ checked: count, missing: count, found: count });
export type RefreshReport = z.infer<typeof refreshReportSchema>;

// ---- Jobs ------------------------------------------------------------------

export const defaultNameTemplate = '{name}_x{scale}';

/**
 * Why an output name template cannot be used, or null. Only `{name}` (the
 * input's name without extension) and `{scale}`; the result must be a plain
 * file name, never a path. One rule, one message, for the UI, HTTP and CLI.
 */
export function nameTemplateProblem(template: string): string | null {
  if (template.trim() === '') {
    return `The name template is empty; ${defaultNameTemplate} is the default.`;
  }
  const unknown = [...template.matchAll(/\{(\w*)\}/g)].find(
    ([, key]) => key !== 'name' && key !== 'scale',
  );
  if (unknown !== undefined) {
    return `Unknown placeholder ${unknown[0]} in the name template; use {name} and {scale}.`;
  }
  if (/[/\\]/.test(template) || template.includes('..')) {
    return 'The name template must give a plain file name: no /, \\ or "..".';
  }
  return null;
}

const nameTemplateSchema = z.string().check(
  z.superRefine((template, context) => {
    const problem = nameTemplateProblem(template);
    if (problem !== null) context.addIssue({ code: 'custom', message: problem });
  }),
);

/** The upscale factors. */
export const scales = [2, 4, 8] as const;
export type Scale = (typeof scales)[number];
export const scaleSchema = z.literal(scales);
export const outputFormats = ['png', 'jpg', 'webp', 'avif', 'tiff'] as const;
export type OutputFormat = (typeof outputFormats)[number];
export const outputFormatSchema = z.enum(outputFormats);
/** What to do when the output name is taken. */
export const collisionPolicies = ['skip', 'overwrite', 'increment'] as const;
export type CollisionPolicy = (typeof collisionPolicies)[number];
export const collisionPolicySchema = z.enum(collisionPolicies);
/** The device choices: `auto` picks the fastest that works. */
export const devices = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type UpscaleDevice = (typeof devices)[number];
export const deviceSchema = z.enum(devices);
/**
 * An LR tile's side in input pixels, when chosen by hand: below 16 the
 * overlap between tiles is most of the tile; above 4096 one tile outgrows memory.
 */
export const tileLimits = { min: 16, max: 4096 } as const;
const tileSchema = z.int().check(z.minimum(tileLimits.min), z.maximum(tileLimits.max));
export const jobStateSchema = z.enum([
  'queued',
  'running',
  'paused',
  'done',
  'failed',
  'cancelled',
  'skipped',
]);
export type JobState = z.infer<typeof jobStateSchema>;

/** A model's look: its faithful decoder, or the detailed (adversarially fine-tuned) one. */
export const lookSchema = z.enum(['faithful', 'detailed']);
/** With the detailed look: 0 (faithful) to 1 (fully detailed, the default). */
export const strengthSchema = z.number().check(z.minimum(0), z.maximum(1));

/** The settings snapshot each job keeps, whatever the defaults become later. */
export const jobSettingsSchema = z.object({
  /** null: the engine's default model for the scale, recorded once the job ran. */
  modelId: nullableString,
  scale: scaleSchema,
  steps: z.nullable(z.int().check(z.minimum(1))),
  tile: z.nullable(tileSchema),
  format: z.nullable(outputFormatSchema),
  quality: z.nullable(z.int().check(z.minimum(1), z.maximum(100))),
  template: z.string(),
  collision: collisionPolicySchema,
  outDir: nullableString,
  /** Mirrors the tree under this folder into `outDir`. */
  sourceRoot: nullableString,
  /** Absent: faithful (and in jobs queued before looks existed). */
  look: z.optional(lookSchema),
  strength: z.optional(strengthSchema),
});
export type JobSettings = z.infer<typeof jobSettingsSchema>;

export const jobSchema = z.object({
  id,
  batchId: id,
  photoId: z.nullable(id),
  input: z.string(),
  /** Planned at enqueue; fixed for good when the job starts writing. */
  output: z.string(),
  settings: jobSettingsSchema,
  device: deviceSchema,
  priority: z.int(),
  state: jobStateSchema,
  /** 0..1, persisted coarsely; `jobProgress` events carry the fine-grained value. */
  progress: z.number(),
  attempts: count,
  error: nullableString,
  createdAt: timestamp,
  startedAt: z.nullable(timestamp),
  finishedAt: z.nullable(timestamp),
});
export type Job = z.infer<typeof jobSchema>;

export const enqueueRequestSchema = z.object({
  /** Files and folders; folders are expanded to the photos in them. */
  inputs: z.optional(z.array(z.string())),
  photoIds: z.optional(z.array(id)),
  recursive: z.optional(z.boolean()),
  scale: scaleSchema,
  modelId: z.optional(z.string()),
  steps: z.optional(z.int().check(z.minimum(1))),
  tile: z.optional(tileSchema),
  format: z.optional(outputFormatSchema),
  quality: z.optional(z.int().check(z.minimum(1), z.maximum(100))),
  /** Default faithful; detailed needs a model with that look. */
  look: z.optional(lookSchema),
  /** Only with look `detailed`. */
  strength: z.optional(strengthSchema),
  /** Default: the settings' output folder; null: next to each photo, whatever the settings say. */
  outDir: z.optional(z.nullable(z.string())),
  /** Default `{name}_x{scale}`. */
  template: z.optional(nameTemplateSchema),
  /** Default `skip`. */
  collision: z.optional(collisionPolicySchema),
  /** With `outDir` and folder inputs: recreate the source tree under `outDir` (default true). */
  mirror: z.optional(z.boolean()),
  priority: z.optional(z.int()),
  label: z.optional(z.string()),
  device: z.optional(deviceSchema),
});
export type EnqueueRequest = z.infer<typeof enqueueRequestSchema>;

export const enqueueResultSchema = z.object({
  batchId: id,
  jobIds: z.array(id),
  failed: z.array(z.object({ path: z.string(), error: z.string() })),
  /** Left out: the same work (photo, settings, destination) is already queued, running or paused. */
  duplicates: z.array(z.object({ path: z.string(), jobId: id })),
});
export type EnqueueResult = z.infer<typeof enqueueResultSchema>;

export const jobsQuerySchema = z.object({
  state: z.optional(jobStateSchema),
  batchId: z.optional(id),
  /** Jobs with a larger id than this (paging). */
  afterId: z.optional(count),
  limit: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
});
export type JobsQuery = z.infer<typeof jobsQuerySchema>;

/** Which jobs an action applies to; no `ids` means all of them (or the whole queue). */
export const jobSelectionSchema = z.object({ ids: z.optional(z.array(id)) });
export type JobSelection = z.infer<typeof jobSelectionSchema>;

export const jobCountsSchema = z.record(jobStateSchema, count);
export type JobCounts = z.infer<typeof jobCountsSchema>;

export const clusterWorkerSchema = z.object({
  id: z.string(),
  host: z.string(),
  device: z.string(),
  concurrency: count,
  running: count,
  jobsDone: count,
  /** The models it takes jobs for: "id version (fingerprint)". */
  models: z.array(z.string()),
  /** Output megapixels per second while it had work, since it started; null before its first job. */
  megapixelsPerSecond: z.nullable(z.number()),
});
export type ClusterWorker = z.infer<typeof clusterWorkerSchema>;

/** A queue sent to several machines (`--cluster`): its workers, depth and speed. */
export const clusterStatusSchema = z.object({
  /** The Redis address, without its password. */
  address: z.string(),
  workers: z.array(clusterWorkerSchema),
  /** Jobs not started yet: queued here, or waiting in the cluster for a worker. */
  queueDepth: count,
  /** Output megapixels per second of all live workers together; null before any measured. */
  megapixelsPerSecond: z.nullable(z.number()),
  /** Time left for the queued and running jobs at that speed; null while unknown. */
  etaMs: z.nullable(z.number()),
  /** Models jobs wait for that no live worker has (their jobs wait until one joins). */
  missingModels: z.array(z.string()),
});
export type ClusterStatus = z.infer<typeof clusterStatusSchema>;

export const queueStatusSchema = z.object({
  paused: z.boolean(),
  counts: jobCountsSchema,
  running: z.array(jobSchema),
  /** Present when this queue's jobs go to a cluster of machines. */
  cluster: z.optional(clusterStatusSchema),
});
export type QueueStatus = z.infer<typeof queueStatusSchema>;

export const batchSchema = z.object({
  id,
  label: z.string(),
  priority: z.int(),
  watchId: z.nullable(id),
  createdAt: timestamp,
  counts: jobCountsSchema,
});
export type Batch = z.infer<typeof batchSchema>;

export const changedSchema = z.object({ changed: count });

// ---- Estimates and the queue view -----------------------------------------

/** How fast this machine upscales, from the last finished jobs (or the running one before any). */
export const speedSchema = z.nullable(
  z.object({
    msPerMegapixel: z.number(),
    /** `measured`: finished jobs; `running`: the job running now, extrapolated from its tiles. */
    basis: z.enum(['measured', 'running']),
  }),
);
export type Speed = z.infer<typeof speedSchema>;

export const photosEstimateSchema = z.object({
  photos: count,
  /** Output megapixels of all of them together. */
  outputMegapixels: z.number(),
  speed: speedSchema,
  /** null until this machine's speed is known (after the first photo). */
  estimatedMs: z.nullable(z.number()),
});
export type PhotosEstimate = z.infer<typeof photosEstimateSchema>;

export const jobDetailSchema = z.object({
  id,
  /** The output's size: the enhanced version's, else the input's times the scale; null when unknown. */
  width: z.nullable(count),
  height: z.nullable(count),
  /** The enhanced version a finished job wrote, for Open and Compare. */
  versionId: z.nullable(id),
  /** Time the whole job takes on this machine (null when unknown or finished). */
  estimatedMs: z.nullable(z.number()),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;

export const jobProgressSchema = z.object({
  type: z.literal('jobProgress'),
  jobId: id,
  progress: z.number(),
  tilesDone: count,
  tilesTotal: count,
  etaMs: z.nullable(z.number()),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

// ---- Watch folders ---------------------------------------------------------

export const watchFolderSchema = z.object({
  id,
  path: z.string(),
  recursive: z.boolean(),
  scale: scaleSchema,
  modelId: nullableString,
  outDir: nullableString,
  format: z.nullable(outputFormatSchema),
  paused: z.boolean(),
  createdAt: timestamp,
});
export type WatchFolder = z.infer<typeof watchFolderSchema>;

export const watchAddSchema = z.object({
  path: z.string(),
  recursive: z.optional(z.boolean()),
  scale: scaleSchema,
  modelId: z.optional(z.string()),
  outDir: z.optional(z.string()),
  format: z.optional(outputFormatSchema),
});
export type WatchAdd = z.infer<typeof watchAddSchema>;

// ---- Settings and system ---------------------------------------------------

/** The app's defaults for new jobs, kept in the library database. */
export const appSettingsSchema = z.object({
  device: deviceSchema,
  /** null: automatic from the provider and a memory budget. */
  tile: z.nullable(tileSchema),
  scale: scaleSchema,
  /** null: the first installed model for the scale. */
  modelId: nullableString,
  /** null: the input's own format. */
  format: z.nullable(outputFormatSchema),
  /** null: each format's own default. */
  quality: z.nullable(z.int().check(z.minimum(1), z.maximum(100))),
  /** File name template with `{name}` and `{scale}`. */
  template: nameTemplateSchema,
  /** null: next to each photo. */
  outDir: nullableString,
  /** The look the app's Look control starts from, where the model has a detailed look. */
  look: lookSchema,
  /** The detailed look's strength it starts from. */
  strength: strengthSchema,
});
export type AppSettings = z.infer<typeof appSettingsSchema>;

export const modelCardSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** A YONOS package, or a single ONNX graph the user added (`yonos models add`). */
  kind: z.enum(['yonos', 'graph']),
  version: z.string(),
  scale: scaleSchema,
  builtIn: z.boolean(),
  dir: z.string(),
  /** What the model does, in a photographer's words. */
  summary: z.string(),
  goodAt: z.array(z.string()),
  weakAt: z.array(z.string()),
  /** This machine's measured speed with this model, null before it upscaled anything here. */
  speed: speedSchema,
  /** The looks it offers: faithful, and detailed for two-look packages. */
  looks: z.array(lookSchema),
  /** The technical card: flat facts from the manifest (degradation, training, metrics). */
  facts: z.array(z.object({ label: z.string(), value: z.string() })),
  /** In the user models folder and not built in: `modelsRemove` may delete it. */
  removable: z.boolean(),
});
export type ModelCard = z.infer<typeof modelCardSchema>;

export const modelAddRequestSchema = z.object({
  /** A single-graph ONNX super-resolution model (image in, image out). */
  path: z.string().check(z.minLength(1)),
  /** Shown in the app; default: the file's name. The model's id is made from it. */
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  /** Checked against the scale the probe run measures. */
  scale: z.optional(scaleSchema),
  /** The pixel range the graph works in: 1 for 0–1 (default), 255 for 0–255. */
  range: z.optional(z.literal([1, 255])),
  /** The most memory the probe run may use, in MB; default half of the machine's. */
  memoryCapMb: z.optional(z.int().check(z.minimum(64))),
});
export type ModelAddRequest = z.infer<typeof modelAddRequestSchema>;

export const modelRemoveRequestSchema = z.object({
  id: z.string().check(z.minLength(1)),
  /**
   * Remove it even though unfinished jobs or watch folders use it: the jobs are
   * cancelled and the watch folders paused. Without it, that is refused.
   */
  force: z.optional(z.boolean()),
});
export type ModelRemoveRequest = z.infer<typeof modelRemoveRequestSchema>;

export const modelRemovedSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The package folder deleted (in the data directory's models folder; the original file is kept). */
  dir: z.string(),
  cancelledJobs: count,
  pausedWatches: count,
  /** It was the default model in Settings, which is automatic again. */
  defaultReset: z.boolean(),
});
export type ModelRemoved = z.infer<typeof modelRemovedSchema>;

export const deviceChoiceSchema = z.object({
  device: deviceSchema,
  label: z.string(),
  /** What it needs before it can work here, if anything. */
  note: nullableString,
});
export type DeviceChoiceInfo = z.infer<typeof deviceChoiceSchema>;

export const deviceStatusSchema = z.object({
  /** The device the running queue asked for (the setting as it was at start). */
  requested: deviceSchema,
  /** The execution provider that ran the last upscale; null before the first. */
  active: nullableString,
  /** Why a provider before it failed, when one did. */
  fallback: nullableString,
});
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

export const deviceCheckSchema = z.object({
  provider: z.string(),
  available: z.boolean(),
  /** The GPU's name, where the system says. */
  adapter: nullableString,
  /** Why it is not available, in plain words. */
  reason: nullableString,
  /** Tensors stay on the GPU between the model's graphs. */
  ioBinding: z.boolean(),
  checkedAt: z.string(),
});

export const systemInfoSchema = z.object({
  /** Execution providers `auto` tries on this machine (GPU ones only once found working), fastest first. */
  providers: z.array(z.string()),
  /** The device choices that make sense on this platform. */
  devices: z.array(deviceChoiceSchema),
  device: deviceStatusSchema,
  /** What `auto` runs on, and the GPU providers checked (once per machine). */
  autoDevice: z.object({
    provider: z.string(),
    adapter: nullableString,
    checks: z.array(deviceCheckSchema),
    /** "webgpu on NVIDIA H200", "cpu (WebGPU: no GPU found, and no Vulkan loader)". */
    summary: z.string(),
  }),
  models: z.array(modelCardSchema),
  modelProblems: z.array(z.object({ dir: z.string(), problem: z.string() })),
  /** Where models are looked for, most specific first. */
  modelFolders: z.array(z.string()),
  /** The data directory's models/ folder, where user models go. */
  userModelsDir: z.string(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

/** A region of a photo to preview, and the model to preview it with. */
const previewRegionFields = {
  photoId: id,
  /** The region of the original, in its pixels (at most 256 × 256). */
  x: count,
  y: count,
  width: z.int().check(z.minimum(8), z.maximum(256)),
  height: z.int().check(z.minimum(8), z.maximum(256)),
  scale: scaleSchema,
  modelId: z.optional(z.string()),
};

export const previewRequestSchema = z.object({
  ...previewRegionFields,
  steps: z.int().check(z.minimum(2), z.maximum(50)),
});
export type PreviewRequest = z.infer<typeof previewRequestSchema>;

export const previewResultSchema = z.object({
  /** PNG data: URLs of the region upscaled with one step and with `steps` steps. */
  oneStep: z.string(),
  multiStep: z.string(),
  steps: count,
  /** Each run's time after a warm-up run, so neither pays for loading the model. */
  oneStepMs: z.number(),
  multiStepMs: z.number(),
  /** The warm-up run (one step, loading the model where it was not loaded yet). */
  warmUpMs: z.number(),
});
export type PreviewResult = z.infer<typeof previewResultSchema>;

export const previewLooksRequestSchema = z.object({
  ...previewRegionFields,
  /** The detailed look's strength (default 1). */
  strength: z.optional(strengthSchema),
});
export type PreviewLooksRequest = z.infer<typeof previewLooksRequestSchema>;

export const previewLooksResultSchema = z.object({
  /** PNG data: URLs of the region upscaled in the faithful and in the detailed look. */
  faithful: z.string(),
  detailed: z.string(),
  strength: strengthSchema,
  /** Each look's time after a warm-up run of both. */
  faithfulMs: z.number(),
  detailedMs: z.number(),
  /** The warm-up runs together (loading the model and each look's decoder). */
  warmUpMs: z.number(),
});
export type PreviewLooksResult = z.infer<typeof previewLooksResultSchema>;

// ---- Folder browser (yonos serve's stand-in for the native folder dialog) ------

export const folderListingSchema = z.object({
  path: z.string(),
  parent: nullableString,
  /** From the root down to `path`, for breadcrumbs. */
  crumbs: z.array(z.object({ name: z.string(), path: z.string() })),
  folders: z.array(z.object({ name: z.string(), path: z.string() })),
  /** Photos directly in this folder. */
  photos: count,
  /** ONNX files directly in this folder, for Settings → Models → Add model…. */
  models: z.array(z.object({ name: z.string(), path: z.string() })),
});
export type FolderListing = z.infer<typeof folderListingSchema>;

export const placesSchema = z.object({
  home: z.string(),
  /** Folders photos were most recently imported from, newest first. */
  recent: z.array(z.string()),
  /** Drives, volumes and mounted media. */
  mounts: z.array(z.object({ name: z.string(), path: z.string() })),
});
export type Places = z.infer<typeof placesSchema>;

// ---- File-manager right-click actions ---------------------------------------

export const actionStateSchema = z.enum(['installed', 'not-installed', 'outdated']);
/** `outdated`: some of ours are there, but not all of them as an install would write them now. */
export type ActionState = z.infer<typeof actionStateSchema>;
export const fileManagerIdSchema = z.enum(['nautilus', 'nemo', 'dolphin', 'thunar', 'pcmanfm']);
export type FileManagerId = z.infer<typeof fileManagerIdSchema>;

export const integrationStatusSchema = z.discriminatedUnion('supported', [
  /** Not Linux: `explanation` says what this platform has instead. */
  z.object({ supported: z.literal(false), explanation: z.string() }),
  z.object({
    supported: z.literal(true),
    /** All of the below together. */
    state: actionStateSchema,
    /** The script every action runs. */
    launcher: z.object({ path: z.string(), state: actionStateSchema }),
    fileManagers: z.array(
      z.object({
        id: fileManagerIdSchema,
        name: z.string(),
        state: actionStateSchema,
        /** The files that hold its actions. */
        paths: z.array(z.string()),
      }),
    ),
  }),
]);
export type IntegrationStatus = z.infer<typeof integrationStatusSchema>;

// ---- Events ----------------------------------------------------------------

export const serviceEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job'), job: jobSchema }),
  jobProgressSchema,
  z.object({ type: z.literal('queue'), paused: z.boolean() }),
  z.object({
    type: z.literal('library'),
    change: z.enum(['added', 'updated', 'removed']),
    photoIds: z.array(id),
  }),
  z.object({ type: z.literal('watch'), watch: watchFolderSchema, active: z.boolean() }),
  z.object({
    type: z.literal('watchFile'),
    watchId: id,
    path: z.string(),
    action: z.enum(['queued', 'failed']),
    detail: nullableString,
  }),
]);
export type ServiceEvent = z.infer<typeof serviceEventSchema>;

// ---- Channels --------------------------------------------------------------

export const serviceContract = {
  health: { args: z.tuple([]), result: healthReportSchema },

  libraryImport: {
    args: z.tuple([z.object({ paths: z.array(z.string()), recursive: z.optional(z.boolean()) })]),
    result: importReportSchema,
  },
  libraryQuery: { args: z.tuple([libraryQuerySchema]), result: libraryPageSchema },
  libraryPhoto: { args: z.tuple([id]), result: photoDetailSchema },
  /** A small WebP as a data: URL, made on first use and cached on disk. */
  libraryThumbnail: { args: z.tuple([id]), result: z.object({ dataUrl: z.string() }) },
  libraryFolders: { args: z.tuple([]), result: z.array(folderSummarySchema) },
  /** Checks every original on disk; marks missing ones and clears found ones. */
  libraryRefresh: { args: z.tuple([]), result: refreshReportSchema },
  /** Forgets photos (never deletes files). */
  libraryRemove: { args: z.tuple([z.array(id)]), result: changedSchema },

  jobsEnqueue: { args: z.tuple([enqueueRequestSchema]), result: enqueueResultSchema },
  jobsList: { args: z.tuple([jobsQuerySchema]), result: z.array(jobSchema) },
  jobsGet: { args: z.tuple([id]), result: jobSchema },
  jobsBatches: { args: z.tuple([]), result: z.array(batchSchema) },
  jobsStatus: { args: z.tuple([]), result: queueStatusSchema },
  /** Queued or running jobs become paused; without ids the whole queue pauses. */
  jobsPause: { args: z.tuple([jobSelectionSchema]), result: changedSchema },
  jobsResume: { args: z.tuple([jobSelectionSchema]), result: changedSchema },
  jobsCancel: { args: z.tuple([jobSelectionSchema]), result: changedSchema },
  /** Failed or cancelled jobs go back to the queue; without ids, every failed job. */
  jobsRetry: { args: z.tuple([jobSelectionSchema]), result: changedSchema },
  /** The time upscaling these photos would take on this machine. */
  jobsEstimate: {
    args: z.tuple([z.object({ photoIds: z.array(id), scale: scaleSchema })]),
    result: photosEstimateSchema,
  },
  /** Output size, enhanced version and time estimate of these jobs. */
  jobsDetails: {
    args: z.tuple([z.object({ ids: z.array(id) })]),
    result: z.object({ speed: speedSchema, jobs: z.array(jobDetailSchema) }),
  },
  /** Hides the jobs finished so far from the queue view (the jobs and their outputs stay). */
  jobsClearFinished: {
    args: z.tuple([]),
    result: z.object({ changed: count, clearedBefore: timestamp }),
  },
  /** When the queue view was last cleared: jobs finished before are not shown. */
  jobsClearedBefore: { args: z.tuple([]), result: z.nullable(timestamp) },

  watchList: { args: z.tuple([]), result: z.array(watchFolderSchema) },
  watchAdd: { args: z.tuple([watchAddSchema]), result: watchFolderSchema },
  watchRemove: { args: z.tuple([id]), result: changedSchema },
  watchPause: { args: z.tuple([id]), result: watchFolderSchema },
  watchResume: { args: z.tuple([id]), result: watchFolderSchema },

  /** A folder's subfolders and photo count; `path` defaults to the home folder. */
  browseFolder: {
    args: z.tuple([z.object({ path: z.optional(z.string()) })]),
    result: folderListingSchema,
  },
  /** Where the folder browser starts: home, recent import folders, drives and mounts. */
  browsePlaces: { args: z.tuple([]), result: placesSchema },

  settingsGet: { args: z.tuple([]), result: appSettingsSchema },
  /** Changes some settings; returns all of them. */
  settingsSet: { args: z.tuple([z.partial(appSettingsSchema)]), result: appSettingsSchema },
  /** Detected providers, installed models with their cards, and the model folders. */
  systemInfo: { args: z.tuple([]), result: systemInfoSchema },
  /** Installs a single-graph ONNX model in the user models folder after probing it; its card. */
  modelsAdd: { args: z.tuple([modelAddRequestSchema]), result: modelCardSchema },
  /** Deletes a model that `modelsAdd` (or the user) put in the data directory's models folder. */
  modelsRemove: { args: z.tuple([modelRemoveRequestSchema]), result: modelRemovedSchema },
  /** Upscales a small region of a photo with one step and with N steps, for comparison. */
  previewRegion: { args: z.tuple([previewRequestSchema]), result: previewResultSchema },
  /** Upscales a small region of a photo in the faithful and in the detailed look, for comparison. */
  previewLooks: { args: z.tuple([previewLooksRequestSchema]), result: previewLooksResultSchema },
  /** The installed models' cards, without the device check systemInfo makes. */
  modelsList: { args: z.tuple([]), result: z.array(modelCardSchema) },
  /** The "Upscale ×4 / ×8" right-click actions in Linux file managers. */
  integrationStatus: { args: z.tuple([]), result: integrationStatusSchema },
  /** Installs or removes them; returns the new status. */
  integrationSet: {
    args: z.tuple([z.object({ installed: z.boolean() })]),
    result: integrationStatusSchema,
  },
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

export type EventListener = (event: ServiceEvent) => void;

/** The backend's event stream: IPC messages in the app, a WebSocket under `yonos serve`. */
export interface YonosEvents {
  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void;
}

export const channelNames = Object.keys(serviceContract) as ChannelName[];

export function isChannelName(name: string): name is ChannelName {
  return Object.hasOwn(serviceContract, name);
}
