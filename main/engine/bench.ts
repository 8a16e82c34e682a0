/**
 * `yonos bench`: upscales a generated photo with each installed scale's model
 * and reports per-stage times and output megapixels per second (each stage
 * alone, the model stages together, one image end to end, and a batch whose
 * encoding overlaps the next inference), the transfer share, tiles/s, the
 * device and the peak RSS, with sharp's Lanczos-3 resize as the floor.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { appVersion } from '../../common/version.js';
import { Engine, pipelineDepth } from './engine.js';
import { syntheticPhoto } from './synthetic.js';
import type { EngineOptions, Scale, StageTimings, UpscaleResult } from './types.js';
import { describeDevice } from './devices.js';
import type { DeviceReport } from './worker-protocol.js';
import { definedFields } from '../../common/fields.js';

export interface BenchOptions {
  /** Input size; outputs are `scale` times larger on each side. */
  width: number;
  height: number;
  /** Timed runs per scale, after one untimed warm-up (session load, JIT). */
  runs: number;
  scales: Scale[];
  steps?: number;
  tile?: number;
  engine: EngineOptions;
}

export const defaultBenchOptions: Omit<BenchOptions, 'engine'> = {
  width: 256,
  height: 192,
  runs: 3,
  scales: [2, 4, 8],
};

export type StageRates = Record<keyof StageTimings, number | null>;

export interface ModelBench {
  scale: Scale;
  model: string;
  provider: string;
  /** The GPU's name, where known. */
  adapter: string | null;
  input: { width: number; height: number };
  outputMegapixels: number;
  tile: number;
  tiles: number;
  runs: number;
  /** Medians over the timed runs: robust to one slow run on a busy machine. */
  msPerOutputMegapixel: number;
  stagesMs: StageTimings;
  /** Output megapixels per second of each stage alone (null: the stage took no time). */
  stageMegapixelsPerSecond: StageRates;
  /** Of the model stages together (encoder, U-Net, decoder). */
  modelMegapixelsPerSecond: number;
  /** Of one image, decode to encoded file. */
  endToEndMegapixelsPerSecond: number;
  /** Of `runs` images submitted together, encoding overlapping the next inference. */
  batchMegapixelsPerSecond: number;
  tilesPerSecond: number;
  /** Share of the time spent outside ONNX Runtime's run calls (transfers excluded). */
  overheadPercent: number;
  /** Share of the time spent copying between host and GPU. */
  transferPercent: number;
  samplesMs: number[];
}

export interface LanczosBench {
  scale: Scale;
  outputMegapixels: number;
  runs: number;
  msPerOutputMegapixel: number;
  samplesMs: number[];
}

export interface BenchReport {
  schema: 'yonos-bench/3';
  createdAt: string;
  yonosVersion: string;
  machine: { platform: string; arch: string; cpus: number; cpuModel: string; node: string };
  /** What the engine runs on, and the GPU providers checked. */
  device: DeviceReport;
  input: { width: number; height: number };
  models: ModelBench[];
  /** sharp's Lanczos-3 on the same file, decode and encode included: the floor. */
  lanczos: LanczosBench[];
  skipped: { scale: Scale; reason: string }[];
  peakRssMb: number;
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'yonos-bench-'));
  const engine = await Engine.create(options.engine);
  try {
    const input = path.join(workDir, 'synthetic.png');
    const { width, height } = options;
    await sharp(syntheticPhoto(width, height), { raw: { width, height, channels: 3 } })
      .png()
      .toFile(input);
    const report: BenchReport = {
      schema: 'yonos-bench/3',
      createdAt: new Date().toISOString(),
      yonosVersion: appVersion,
      machine: machine(),
      device: await engine.devices(),
      input: { width, height },
      models: [],
      lanczos: [],
      skipped: [],
      peakRssMb: 0,
    };
    for (const scale of options.scales) {
      report.lanczos.push(await benchLanczos(input, options, scale, workDir));
      try {
        engine.resolveModel(scale);
      } catch (error) {
        report.skipped.push({ scale, reason: (error as Error).message });
        continue;
      }
      const bench = await benchModel(engine, input, options, scale, workDir);
      report.models.push({ ...bench, adapter: adapterOf(report.device, bench.provider) });
    }
    report.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    return report;
  } finally {
    await engine.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function benchModel(
  engine: Engine,
  input: string,
  options: BenchOptions,
  scale: Scale,
  workDir: string,
): Promise<Omit<ModelBench, 'adapter'>> {
  const upscale = (name: string): Promise<UpscaleResult> =>
    engine.upscaleFile(input, path.join(workDir, name), {
      scale,
      ...definedFields({ steps: options.steps, tile: options.tile }),
    });
  await upscale(`model_x${scale}.png`);
  const results: UpscaleResult[] = [];
  for (let run = 0; run < options.runs; run += 1)
    results.push(await upscale(`model_x${scale}.png`));
  const batchMs = await timeBatch(options.runs, (run) => upscale(`batch_x${scale}_${run}.png`));
  const [last] = results.slice(-1);
  if (last === undefined) throw new Error('The bench needs at least one run.');
  const outputMegapixels = (last.width * last.height) / 1e6;
  const stage = (name: keyof StageTimings): number =>
    median(results.map((result) => result.timings?.[name] ?? 0));
  const stagesMs: StageTimings = {
    decode: stage('decode'),
    encoder: stage('encoder'),
    unet: stage('unet'),
    decoder: stage('decoder'),
    blend: stage('blend'),
    transfer: stage('transfer'),
    encode: stage('encode'),
  };
  const totalMs = median(results.map((result) => result.ms));
  const ortMs = stagesMs.encoder + stagesMs.unet + stagesMs.decoder;
  const rate = (ms: number): number => (1000 * outputMegapixels) / ms;
  return {
    scale,
    model: last.modelId,
    provider: last.device,
    input: { width: options.width, height: options.height },
    outputMegapixels,
    tile: last.tile ?? 0,
    tiles: last.tiles ?? 0,
    runs: options.runs,
    msPerOutputMegapixel: totalMs / outputMegapixels,
    stagesMs,
    stageMegapixelsPerSecond: mapStages(stagesMs, (ms) => (ms < 0.01 ? null : rate(ms))),
    modelMegapixelsPerSecond: rate(ortMs),
    endToEndMegapixelsPerSecond: rate(totalMs),
    batchMegapixelsPerSecond: rate(batchMs),
    tilesPerSecond: ((last.tiles ?? 0) * 1000) / ortMs,
    overheadPercent: (100 * (totalMs - ortMs - stagesMs.transfer)) / totalMs,
    transferPercent: (100 * stagesMs.transfer) / totalMs,
    samplesMs: results.map((result) => result.ms),
  };
}

function mapStages(stages: StageTimings, map: (ms: number) => number | null): StageRates {
  const entries = Object.entries(stages) as [keyof StageTimings, number][];
  return Object.fromEntries(entries.map(([name, ms]) => [name, map(ms)])) as StageRates;
}

/** Milliseconds per image of `count` upscales kept `pipelineDepth` deep, as `yonos upscale` runs a batch. */
async function timeBatch(
  count: number,
  upscale: (index: number) => Promise<UpscaleResult>,
): Promise<number> {
  const started = performance.now();
  const inFlight: Promise<UpscaleResult>[] = [];
  for (let index = 0; index < count; index += 1) {
    inFlight.push(upscale(index));
    if (inFlight.length >= pipelineDepth) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return (performance.now() - started) / count;
}

function adapterOf(device: DeviceReport, provider: string): string | null {
  return device.checks.find((check) => check.provider === provider)?.adapter ?? null;
}

async function benchLanczos(
  input: string,
  options: BenchOptions,
  scale: Scale,
  workDir: string,
): Promise<LanczosBench> {
  const output = path.join(workDir, `lanczos_x${scale}.png`);
  const resize = async (): Promise<void> => {
    const data = await sharp(input)
      .resize(options.width * scale, options.height * scale, { kernel: 'lanczos3' })
      .png()
      .toBuffer();
    await writeFile(output, data);
  };
  await resize();
  const samplesMs: number[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    const started = performance.now();
    await resize();
    samplesMs.push(performance.now() - started);
  }
  const outputMegapixels = (options.width * scale * options.height * scale) / 1e6;
  return {
    scale,
    outputMegapixels,
    runs: options.runs,
    msPerOutputMegapixel: median(samplesMs) / outputMegapixels,
    samplesMs,
  };
}

export function machine(): BenchReport['machine'] {
  return {
    platform: process.platform,
    arch: process.arch,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.versions.node,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** The report as markdown: the device, then a table of times and one of rates, one row per scale. */
export function benchMarkdown(report: BenchReport): string {
  const fixed = (value: number | null, digits = 0): string =>
    value === null ? '–' : value.toFixed(digits);
  const { machine: host, device } = report;
  const lines = [
    `Bench ${report.createdAt}: ${host.cpuModel} (${host.cpus} threads), ` +
      `input ${report.input.width}×${report.input.height}, peak RSS ${report.peakRssMb} MB`,
    '',
    `Device: ${describeDevice(device)}`,
    '',
    '| scale | model | provider | ms/output MP | Lanczos-3 ms/MP | decode | encoder | U-Net | decoder | blend | transfer | encode | tiles/s | overhead | transfer share |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const lanczos of report.lanczos) {
    const model = report.models.find((entry) => entry.scale === lanczos.scale);
    const floor = fixed(lanczos.msPerOutputMegapixel, 1);
    if (model === undefined) {
      lines.push(`| ×${lanczos.scale} | (none) | | | ${floor} | | | | | | | | | | |`);
      continue;
    }
    const s = model.stagesMs;
    const stages = [s.decode, s.encoder, s.unet, s.decoder, s.blend, s.transfer, s.encode];
    lines.push(
      `| ×${model.scale} | ${model.model} | ${model.provider} | ${fixed(model.msPerOutputMegapixel)} | ` +
        `${floor} | ${stages.map((ms) => fixed(ms)).join(' | ')} | ${fixed(model.tilesPerSecond, 1)} | ` +
        `${fixed(model.overheadPercent, 1)}% | ${fixed(model.transferPercent, 1)}% |`,
    );
  }
  lines.push(
    '',
    'Stage columns are median milliseconds per image.',
    '',
    '| scale | model stages MP/s | one image MP/s | batch MP/s | encoder | U-Net | decoder | blend | transfer | encode |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const model of report.models) {
    const r = model.stageMegapixelsPerSecond;
    const stages = [r.encoder, r.unet, r.decoder, r.blend, r.transfer, r.encode];
    lines.push(
      `| ×${model.scale} | ${fixed(model.modelMegapixelsPerSecond, 1)} | ` +
        `${fixed(model.endToEndMegapixelsPerSecond, 1)} | ${fixed(model.batchMegapixelsPerSecond, 1)} | ` +
        `${stages.map((rate) => fixed(rate, 1)).join(' | ')} |`,
    );
  }
  lines.push(
    '',
    'Output megapixels per second; a stage column is that stage alone, "batch" overlaps encoding with the next inference.',
  );
  return `${lines.join('\n')}\n`;
}
