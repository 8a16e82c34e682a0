/**
 * `yonos bench --looks`: what a look costs per decoder call. For each
 * installed two-look model it times three decoder sessions on one tile, on the
 * CPU provider (where run-time weights cost most):
 *
 * - faithful-only: the two-look graph at strength 0 with its blend folded
 *   ahead of time and saved (onnxruntime's basic optimisation), i.e. a plain
 *   decoder graph with the faithful weights, as a faithful-only package has;
 * - baked: what the app runs, the strength baked in at session creation
 *   (decoder-look.ts);
 * - in-graph: the unmodified graph fed the strength with every call (the cost
 *   the baking removes).
 *
 * Runs alternate between the three, so a busy machine slows them alike; the
 * report gives medians and their ratios, and how far the baked outputs are
 * from the in-graph ones.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { appVersion } from '../../common/version.js';
import { machine, median, type BenchReport } from './bench.js';
import { bakeStrength } from './decoder-look.js';
import { yonosManifest } from './graph-manifest.js';
import { strengthInput } from './manifest.js';
import { findBuiltInModelsDir, modelSources, scanModels } from './registry.js';
import type { ModelInfo, Scale } from './types.js';

export interface LookBenchOptions {
  modelDirs: readonly string[];
  dataDir: string;
  /** Default: the app's native-models folder; null: none (tests). */
  builtInModelsDir?: string | null;
  scales: readonly Scale[];
  /** Timed runs of each decoder, after one untimed warm-up. */
  runs: number;
  /** LR tile side (default: each model's preferred tile). */
  tile?: number;
  /** The detailed strength timed (baked and in-graph). */
  strength: number;
  /** ORT intra-op threads; default: ORT's own choice. */
  threads?: number;
}

const variants = ['faithfulOnly', 'baked', 'inGraph'] as const;
type Variant = (typeof variants)[number];

export interface LookModelBench {
  model: string;
  scale: Scale;
  /** LR tile side; the decoder's output is `scale` times larger. */
  tile: number;
  strength: number;
  /** Median milliseconds per decoder call. */
  msPerCall: Record<Variant, number>;
  /** Session creation, once (baking and folding included). */
  loadMs: Record<Variant, number>;
  ratios: {
    /** ≈ 1: baking gives the faithful-only speed back. */
    bakedToFaithfulOnly: number;
    /** The in-graph blend's cost over a plain decoder. */
    inGraphToFaithfulOnly: number;
    inGraphToBaked: number;
  };
  /** Largest difference between the baked and in-graph outputs (0–1 scale). */
  maxAbsDifference: number;
  samplesMs: Record<Variant, number[]>;
}

export interface LookBenchReport {
  schema: 'yonos-look-bench/1';
  createdAt: string;
  yonosVersion: string;
  machine: BenchReport['machine'];
  provider: 'cpu';
  threads: number | null;
  runs: number;
  models: LookModelBench[];
  skipped: { scale: Scale; reason: string }[];
}

export async function runLookBench(options: LookBenchOptions): Promise<LookBenchReport> {
  const sources = modelSources({
    modelDirs: options.modelDirs,
    dataDir: options.dataDir,
    builtInModelsDir:
      options.builtInModelsDir === undefined ? findBuiltInModelsDir() : options.builtInModelsDir,
  });
  const twoLooks = scanModels(sources).models.filter((model) =>
    model.manifest.looks.includes('detailed'),
  );
  const report: LookBenchReport = {
    schema: 'yonos-look-bench/1',
    createdAt: new Date().toISOString(),
    yonosVersion: appVersion,
    machine: machine(),
    provider: 'cpu',
    threads: options.threads ?? null,
    runs: options.runs,
    models: [],
    skipped: [],
  };
  for (const scale of options.scales) {
    const models = twoLooks.filter((model) => model.scale === scale);
    if (models.length === 0) {
      report.skipped.push({ scale, reason: `No ×${scale} model with a detailed look installed.` });
    }
    for (const model of models) report.models.push(await benchModelLooks(model, options));
  }
  return report;
}

async function benchModelLooks(
  model: ModelInfo,
  options: LookBenchOptions,
): Promise<LookModelBench> {
  const { strength } = options;
  const manifest = yonosManifest(model);
  const tile = options.tile ?? manifest.tiling.tile;
  const graph = await readFile(path.join(model.dir, manifest.files.decoder));
  const feeds = decoderFeeds(model, tile);
  const strengthFeed = {
    [strengthInput]: new ort.Tensor('float32', Float32Array.of(strength), [1]),
  };
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
  };
  const loadMs = {} as Record<Variant, number>;
  const sessions = {} as Record<Variant, ort.InferenceSession>;
  const load = async (variant: Variant, open: () => Promise<ort.InferenceSession>) => {
    const started = performance.now();
    sessions[variant] = await open();
    loadMs[variant] = performance.now() - started;
  };
  try {
    await load('faithfulOnly', async () =>
      ort.InferenceSession.create(await faithfulOnlyGraph(graph), sessionOptions),
    );
    await load('baked', () =>
      ort.InferenceSession.create(bakeStrength(graph, strength), sessionOptions),
    );
    await load('inGraph', () => ort.InferenceSession.create(graph, sessionOptions));
    const call = async (variant: Variant): Promise<Float32Array> => {
      const extra = variant === 'inGraph' ? strengthFeed : {};
      const result = await sessions[variant].run({ ...feeds, ...extra });
      return result.hr?.data as Float32Array;
    };
    const maxAbsDifference = largestDifference(await call('baked'), await call('inGraph'));
    await call('faithfulOnly');
    const samplesMs = { faithfulOnly: [], baked: [], inGraph: [] } as Record<Variant, number[]>;
    for (let run = 0; run < options.runs; run += 1) {
      // Rotating the order, so that none always runs first (or last) in a round.
      for (const offset of variants.keys()) {
        const variant = variants[(run + offset) % variants.length] ?? 'baked';
        const started = performance.now();
        await call(variant);
        samplesMs[variant].push(performance.now() - started);
      }
    }
    const msPerCall = {
      faithfulOnly: median(samplesMs.faithfulOnly),
      baked: median(samplesMs.baked),
      inGraph: median(samplesMs.inGraph),
    };
    return {
      model: model.id,
      scale: model.scale,
      tile,
      strength,
      msPerCall,
      loadMs,
      ratios: {
        bakedToFaithfulOnly: msPerCall.baked / msPerCall.faithfulOnly,
        inGraphToFaithfulOnly: msPerCall.inGraph / msPerCall.faithfulOnly,
        inGraphToBaked: msPerCall.inGraph / msPerCall.baked,
      },
      maxAbsDifference,
      samplesMs,
    };
  } finally {
    await Promise.all(Object.values(sessions).map((session) => session.release()));
  }
}

/** The two-look graph at strength 0, blend folded and saved: a plain faithful decoder graph. */
async function faithfulOnlyGraph(twoLookGraph: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'yonos-look-bench-'));
  try {
    const folded = path.join(dir, 'faithful-only.onnx');
    const session = await ort.InferenceSession.create(bakeStrength(twoLookGraph, 0), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'basic',
      optimizedModelFilePath: folded,
    });
    await session.release();
    return await readFile(folded);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A latent and an LR tile of this side, deterministic and photo-like. */
function decoderFeeds(model: ModelInfo, tile: number): Record<string, ort.Tensor> {
  const { channels, factor } = yonosManifest(model).latent;
  const side = (tile * model.scale) / factor;
  const z = Float32Array.from({ length: channels * side * side }, (_, i) => Math.sin(i * 0.37));
  const lr = Float32Array.from({ length: 3 * tile * tile }, (_, i) => (i % 251) / 251);
  return {
    z: new ort.Tensor('float32', z, [1, channels, side, side]),
    lr: new ort.Tensor('float32', lr, [1, 3, tile, tile]),
  };
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  let largest = 0;
  for (let index = 0; index < a.length; index += 1) {
    largest = Math.max(largest, Math.abs((a[index] ?? 0) - (b[index] ?? 0)));
  }
  return largest;
}

/** The report as a markdown table, one row per model. */
export function lookBenchMarkdown(report: LookBenchReport): string {
  const { machine: host } = report;
  const lines = [
    `Look bench ${report.createdAt}: ${host.cpuModel} (${host.cpus} threads), CPU provider, ` +
      `${report.threads ?? 'default'} ORT threads, ${report.runs} runs`,
    '',
    '| model | tile | strength | faithful-only ms | baked ms | in-graph ms | baked / faithful-only | in-graph / faithful-only | max Δ |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const entry of report.models) {
    const { msPerCall: ms, ratios } = entry;
    lines.push(
      `| ${entry.model} | ${entry.tile} | ${entry.strength} | ${ms.faithfulOnly.toFixed(1)} | ` +
        `${ms.baked.toFixed(1)} | ${ms.inGraph.toFixed(1)} | ${ratios.bakedToFaithfulOnly.toFixed(3)} | ` +
        `${ratios.inGraphToFaithfulOnly.toFixed(3)} | ${entry.maxAbsDifference.toExponential(1)} |`,
    );
  }
  for (const skipped of report.skipped) lines.push('', skipped.reason);
  lines.push(
    '',
    'Median milliseconds per decoder call on one tile. Baked: the strength baked in at load (what the app runs);',
    'in-graph: the strength fed with every call; faithful-only: the same weights as a plain decoder graph.',
  );
  return `${lines.join('\n')}\n`;
}
