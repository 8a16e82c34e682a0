/**
 * Execution providers. ONNX Runtime does not fall back by itself (a session
 * asked for ['cuda', 'cpu'] throws when CUDA fails to load), so we try one
 * provider at a time, log each failure and move on.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DeviceChoice } from './types.js';

/** ORT's provider names for our device choices. */
const providerNames: Record<Exclude<DeviceChoice, 'auto'>, string> = {
  cpu: 'cpu',
  cuda: 'cuda',
  dml: 'dml',
  coreml: 'coreml',
  webgpu: 'webgpu',
};

/**
 * The providers to try, in order. `auto`: CUDA when its provider library is
 * installed (`npm run gpu:cuda`), DirectML on Windows, CoreML on macOS,
 * WebGPU, then CPU; the GPU ones are only tried once devices.ts found them
 * working. An explicit device still ends with CPU, so a missing driver
 * degrades to a slower run rather than no run; the result reports which
 * provider ran.
 */
export function candidateProviders(
  device: DeviceChoice,
  platform: NodeJS.Platform = process.platform,
  installed = { cuda: isCudaProviderInstalled() },
): string[] {
  if (device !== 'auto') return device === 'cpu' ? ['cpu'] : [providerNames[device], 'cpu'];
  return [
    ...(installed.cuda ? ['cuda'] : []),
    ...(platform === 'win32' ? ['dml'] : []),
    ...(platform === 'darwin' ? ['coreml'] : []),
    'webgpu',
    'cpu',
  ];
}

/** onnxruntime-node's native folder, where `npm run gpu:cuda` puts the CUDA provider. */
function ortBinaryDir(): string {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
  return path.join(packageDir, '..', 'bin', 'napi-v6', process.platform, process.arch);
}

export function isCudaProviderInstalled(): boolean {
  const library =
    process.platform === 'win32'
      ? 'onnxruntime_providers_cuda.dll'
      : 'libonnxruntime_providers_cuda.so';
  return existsSync(path.join(ortBinaryDir(), library));
}

export interface Opened<T> {
  value: T;
  provider: string;
}

/** Opens with each provider in turn; the first that works wins. Throws when none does. */
export async function openWithFallback<T>(
  providers: readonly string[],
  open: (provider: string) => Promise<T>,
  log: (message: string) => void,
): Promise<Opened<T>> {
  const failures: string[] = [];
  for (const provider of providers) {
    try {
      return { value: await open(provider), provider };
    } catch (error) {
      if (error instanceof ModelPackageError) throw error;
      const reason = firstLine(error);
      failures.push(`${provider}: ${reason}`);
      const next = providers[providers.indexOf(provider) + 1];
      // The last failure is in the thrown error; the others would otherwise go unseen.
      if (next !== undefined)
        log(`Execution provider ${provider} failed (${reason}); trying ${next}.`);
    }
  }
  throw new Error(`No execution provider could run the model (${failures.join('; ')}).`);
}

/** A broken model package: no other provider would help. */
export class ModelPackageError extends Error {}

/** The readable part of an error: its first line, without ORT's source-location preamble. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = (message.split('\n')[0] ?? message).trim();
  return line.replace(/^\/onnxruntime_src\/\S+ .*? was false\.\s*/, '').slice(0, 300);
}

/** Whether a run failed for lack of device memory (worth retrying with smaller tiles). */
export function isOutOfMemory(error: unknown): boolean {
  return /out of memory|\boom\b|failed to allocate|bad_alloc|CUDNN_STATUS_ALLOC|E_OUTOFMEMORY/i.test(
    firstLine(error),
  );
}
