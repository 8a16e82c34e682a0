import path from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  candidateProviders,
  isOutOfMemory,
  ModelPackageError,
  openWithFallback,
} from '../../main/engine/providers.js';
import { fixtureModelsDir } from '../support/temp.js';

// Failing providers are the point here; keep ORT's own error log out of the output.
ort.env.logLevel = 'fatal';

const unet = path.join(fixtureModelsDir, 'yonos-tiny-x4', 'unet.onnx');
const openUnet = (provider: string) =>
  ort.InferenceSession.create(unet, { executionProviders: [provider] });

describe('provider order', () => {
  it('auto: CUDA when installed, DirectML on Windows, CoreML on macOS, WebGPU, then CPU', () => {
    expect(candidateProviders('auto', 'linux', { cuda: true })).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(candidateProviders('auto', 'win32', { cuda: true })).toEqual([
      'cuda',
      'dml',
      'webgpu',
      'cpu',
    ]);
    expect(candidateProviders('auto', 'darwin', { cuda: false })).toEqual([
      'coreml',
      'webgpu',
      'cpu',
    ]);
    expect(candidateProviders('auto', 'linux', { cuda: false })).toEqual(['webgpu', 'cpu']);
  });

  it('an explicit device falls back to CPU only', () => {
    expect(candidateProviders('cuda', 'linux')).toEqual(['cuda', 'cpu']);
    expect(candidateProviders('cpu', 'linux')).toEqual(['cpu']);
  });
});

describe('provider fallback with real ONNX Runtime sessions', () => {
  it('logs a provider that fails to load and runs on the next', async () => {
    const log: string[] = [];
    const opened = await openWithFallback(['no-such-provider', 'cpu'], openUnet, (message) =>
      log.push(message),
    );
    expect(opened.provider).toBe('cpu');
    expect(opened.value.inputNames).toEqual(['z_t', 'z_l', 'logsnr']);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^Execution provider no-such-provider failed \(.+\); trying cpu\.$/);
    await opened.value.release();
  });

  it('falls back from CUDA when its provider library is not installed', async () => {
    const log: string[] = [];
    const opened = await openWithFallback(['cuda', 'cpu'], openUnet, (message) =>
      log.push(message),
    );
    // On a machine with `npm run gpu:cuda` done and a GPU, CUDA itself may win.
    expect(['cuda', 'cpu']).toContain(opened.provider);
    if (opened.provider === 'cpu') expect(log[0]).toMatch(/^Execution provider cuda failed/);
    await opened.value.release();
  });

  it('says why when no provider works', async () => {
    await expect(
      openWithFallback(['no-such-provider', 'another'], openUnet, () => undefined),
    ).rejects.toThrow(
      /No execution provider could run the model \(no-such-provider: .*; another: /,
    );
  });

  it('does not try other providers for a broken model package', async () => {
    const tried: string[] = [];
    const open = (provider: string): Promise<never> => {
      tried.push(provider);
      return Promise.reject(new ModelPackageError('unet.onnx has outputs [eps]'));
    };
    await expect(openWithFallback(['webgpu', 'cpu'], open, () => undefined)).rejects.toThrow(
      'unet.onnx has outputs [eps]',
    );
    expect(tried).toEqual(['webgpu']);
  });

  it('recognises out-of-memory failures', () => {
    expect(isOutOfMemory(new Error('CUDA failure 2: out of memory'))).toBe(true);
    expect(isOutOfMemory(new Error('Failed to allocate memory for requested buffer'))).toBe(true);
    expect(isOutOfMemory(new Error('Invalid input shape'))).toBe(false);
  });
});
