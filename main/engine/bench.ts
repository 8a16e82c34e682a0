import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { appVersion } from '../shared/version.js';
import { lanczosUpscale, noiseImage } from './resample.js';

export interface BenchOptions {
  /** Input size; the output is `scale` times larger on each side. */
  width: number;
  height: number;
  scale: number;
  /** Timed runs after one untimed warm-up. */
  runs: number;
}

export interface BenchResult {
  name: string;
  input: { width: number; height: number };
  scale: number;
  outputMegapixels: number;
  runs: number;
  /** Median over the timed runs: robust to one slow run on a busy machine. */
  msPerOutputMegapixel: number;
  samplesMs: number[];
}

export interface BenchReport {
  schema: 'yonos-bench/1';
  createdAt: string;
  yonosVersion: string;
  machine: { platform: string; arch: string; cpus: number; cpuModel: string; node: string };
  results: BenchResult[];
}

export const defaultBenchOptions: BenchOptions = { width: 1024, height: 768, scale: 4, runs: 3 };

export async function runBench(options: BenchOptions = defaultBenchOptions): Promise<BenchReport> {
  return {
    schema: 'yonos-bench/1',
    createdAt: new Date().toISOString(),
    yonosVersion: appVersion,
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.versions.node,
    },
    results: [await benchLanczos(options)],
  };
}

async function benchLanczos({ width, height, scale, runs }: BenchOptions): Promise<BenchResult> {
  const source = await noiseImage(width, height);
  await lanczosUpscale(source, scale);
  const samplesMs: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const start = performance.now();
    await lanczosUpscale(source, scale);
    samplesMs.push(performance.now() - start);
  }
  const outputMegapixels = (width * scale * height * scale) / 1e6;
  return {
    name: 'lanczos3-resample',
    input: { width, height },
    scale,
    outputMegapixels,
    runs,
    msPerOutputMegapixel: median(samplesMs) / outputMegapixels,
    samplesMs,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}
