/**
 * The framework-free inference engine: what the CLI, `yonos serve`, the job
 * queue and the Electron app import. See native-models/CONTRACT.md for the
 * model packages it runs.
 */
export { CancelledError, Engine, pipelineDepth, type UpscaleHooks } from './engine.js';
export {
  defaultNameTemplate,
  expandTemplate,
  formatFromPath,
  planOutput,
  resolveOutputPath,
  type CollisionPolicy,
  type KeptReason,
  type OutputPathRequest,
  type OutputPlan,
  type ResolvedOutput,
} from './output-path.js';
export { removeFilesIn, removeOrphanedTempFiles } from './output-file.js';
export { isYonosOutput } from './output-marker.js';
export type { ModelProblem, ModelScan } from './registry.js';
export { describeDevice, type DeviceCheck } from './devices.js';
export type { DeviceReport } from './worker-protocol.js';
export { looks } from './manifest.js';
export { checkLookAvailable } from './upscale-options.js';
export {
  outputFormats,
  type DeviceChoice,
  type EngineOptions,
  type GraphManifest,
  type Look,
  type ModelInfo,
  type ModelManifest,
  type OutputFormat,
  type Scale,
  type StageTimings,
  type UpscaleOptions,
  type UpscaleProgress,
  type UpscaleResult,
} from './types.js';
export { defaultDataDir } from './data-dir.js';
