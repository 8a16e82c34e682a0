/**
 * GPU provider checks: what a failed probe is explained as, that checks are
 * cached per machine, and which providers the worker then tries. The probe
 * runner is injected here (it is the process boundary); the real probe process
 * runs in test/integration/devices.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceState } from '../../main/engine/device-state.js';
import {
  checkDevices,
  explainFailure,
  fallbackSentence,
  type DeviceCheck,
  type ProbeOutput,
  type ProbeRunner,
} from '../../main/engine/devices.js';
import type { WorkerSettings } from '../../main/engine/worker-protocol.js';
import { tempDir } from '../support/temp.js';

/** What Dawn printed on a machine without the Vulkan loader (issue #19). */
const noLoader: ProbeOutput = {
  result: {
    ok: false,
    error:
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters',
  },
  stderr:
    "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory\n" +
    '    at operator() (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/BackendVk.cpp:368)\n',
  exit: null,
};

const failing = (output: ProbeOutput = noLoader) => {
  const calls: string[] = [];
  const runProbe: ProbeRunner = (provider) => {
    calls.push(provider);
    return Promise.resolve(output);
  };
  return { calls, runProbe };
};

const working: ProbeRunner = () =>
  Promise.resolve({ result: { ok: true, ioBinding: true }, stderr: '', exit: null });

afterEach(() => {
  delete process.env.YONOS_SIMULATE_GPU;
});

describe('why a GPU provider is not available, in plain words', () => {
  it('names the missing Vulkan loader, and the packages, when there is a GPU', () => {
    expect(explainFailure('webgpu', noLoader, 'linux', ['/dev/nvidia0'])).toBe(
      'no Vulkan loader: install libvulkan1 (with libglvnd0, libglx0 and libegl1)',
    );
  });

  it('says there is no GPU when no GPU device is visible either', () => {
    expect(explainFailure('webgpu', noLoader, 'linux', [])).toBe(
      'no GPU found, and no Vulkan loader',
    );
  });

  it('tells a missing driver from a missing loader', () => {
    const noDriver: ProbeOutput = {
      ...noLoader,
      stderr:
        'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER: Found no drivers!',
    };
    expect(explainFailure('webgpu', noDriver, 'linux', ['/dev/dri/renderD128'])).toBe(
      "the Vulkan loader found no GPU driver: install your GPU's Vulkan driver",
    );
    expect(explainFailure('webgpu', { ...noLoader, stderr: '' }, 'win32', [])).toBe(
      'no GPU adapter it can use',
    );
  });

  it('says how a probe that gave no answer ended, and keeps other errors to their first line', () => {
    expect(
      explainFailure('cuda', {
        result: null,
        stderr: 'Segmentation fault',
        exit: 'crashed (SIGSEGV)',
      }),
    ).toBe('the check crashed (SIGSEGV)');
    const other: ProbeOutput = {
      result: { ok: false, error: 'libcublasLt.so.12: cannot open shared object file\n at …' },
      stderr: '',
      exit: null,
    };
    expect(explainFailure('cuda', other)).toBe('libcublasLt.so.12: cannot open shared object file');
  });

  it('makes one sentence of the fall-back, never the native trace', () => {
    const check: DeviceCheck = {
      provider: 'webgpu',
      available: false,
      adapter: null,
      reason: explainFailure('webgpu', noLoader, 'linux', ['/dev/nvidia0']),
      ioBinding: false,
      checkedAt: '',
    };
    const sentence = fallbackSentence([check]);
    expect(sentence).toBe(
      'WebGPU is not available (no Vulkan loader: install libvulkan1 (with libglvnd0, libglx0 and libegl1)); using the CPU.',
    );
    expect(sentence).not.toMatch(/operator\(\)|\.cpp|onnxruntime_src/);
  });
});

describe('device checks are cached per machine', () => {
  it('probes a provider once, then answers from device-checks.json', async () => {
    const dataDir = await tempDir();
    const probe = failing();
    const first = await checkDevices(['webgpu'], { dataDir, runProbe: probe.runProbe });
    expect(first.fresh).toEqual(['webgpu']);
    expect(first.checks).toMatchObject([{ provider: 'webgpu', available: false }]);
    const again = await checkDevices(['webgpu'], { dataDir, runProbe: probe.runProbe });
    expect(again.fresh).toEqual([]);
    expect(again.checks).toEqual(first.checks);
    expect(probe.calls).toEqual(['webgpu']);
    const file = path.join(dataDir, 'device-checks.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      schema: 1,
      entries: { webgpu: { available: false } },
    });
  });

  it('checks again when the machine changes, and only the providers not yet checked', async () => {
    const dataDir = await tempDir();
    const probe = failing();
    await checkDevices(['webgpu'], { dataDir, runProbe: probe.runProbe });
    await checkDevices(['webgpu', 'cuda'], { dataDir, runProbe: probe.runProbe });
    expect(probe.calls).toEqual(['webgpu', 'cuda']);
    // The simulated GPU is part of the fingerprint, as a new driver or loader would be.
    process.env.YONOS_SIMULATE_GPU = '1';
    await checkDevices(['webgpu'], { dataDir, runProbe: probe.runProbe });
    expect(probe.calls).toEqual(['webgpu', 'cuda', 'webgpu']);
  });

  it('still answers when the data directory cannot be written (and checks again next time)', async () => {
    const { writeFile } = await import('node:fs/promises');
    const notADirectory = path.join(await tempDir(), 'file');
    await writeFile(notADirectory, '');
    const probe = failing();
    const first = await checkDevices(['webgpu'], {
      dataDir: notADirectory,
      runProbe: probe.runProbe,
    });
    expect(first.checks).toMatchObject([{ provider: 'webgpu', available: false }]);
    await checkDevices(['webgpu'], { dataDir: notADirectory, runProbe: probe.runProbe });
    expect(probe.calls).toEqual(['webgpu', 'webgpu']);
  });

  it('starts over from a damaged cache file', async () => {
    const dataDir = await tempDir();
    const probe = failing();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dataDir, 'device-checks.json'), '{ not json');
    const { checks } = await checkDevices(['webgpu'], { dataDir, runProbe: probe.runProbe });
    expect(checks).toHaveLength(1);
    expect(probe.calls).toEqual(['webgpu']);
  });
});

describe('the providers the worker tries', () => {
  const settings = (dataDir: string, device: WorkerSettings['device']): WorkerSettings => ({
    device,
    dataDir,
  });

  it('auto on a machine without a working GPU: the CPU, said once per machine', async () => {
    const dataDir = await tempDir();
    const log: string[] = [];
    const state = new DeviceState(
      settings(dataDir, 'auto'),
      (m) => log.push(m),
      failing().runProbe,
    );
    expect(await state.candidates()).toEqual(['cpu']);
    expect(log).toEqual([
      expect.stringMatching(/^WebGPU is not available \(.+\); using the CPU\.$/),
    ]);
    // A later run (a new worker) answers from the cache and says nothing.
    const later: string[] = [];
    const again = new DeviceState(
      settings(dataDir, 'auto'),
      (m) => later.push(m),
      failing().runProbe,
    );
    expect(await again.candidates()).toEqual(['cpu']);
    expect(later).toEqual([]);
    expect((await again.report()).provider).toBe('cpu');
  });

  it('asked for by name, a GPU that does not work is explained every time', async () => {
    const dataDir = await tempDir();
    for (let run = 0; run < 2; run += 1) {
      const log: string[] = [];
      const state = new DeviceState(
        settings(dataDir, 'webgpu'),
        (m) => log.push(m),
        failing().runProbe,
      );
      expect(await state.candidates()).toEqual(['cpu']);
      expect(log).toHaveLength(1);
    }
  });

  it('auto picks a GPU that works, and its tensors stay on it', async () => {
    const dataDir = await tempDir();
    const log: string[] = [];
    const state = new DeviceState(settings(dataDir, 'auto'), (m) => log.push(m), working);
    expect(await state.candidates()).toEqual(['webgpu', 'cpu']);
    expect(await state.sessionOptions('webgpu')).toMatchObject({ residency: 'gpu-buffer' });
    expect(await state.sessionOptions('cpu')).toMatchObject({ residency: 'host' });
    expect(log).toEqual([]);
  });

  it('leaves a GPU that failed mid-job alone from then on, and says so once', async () => {
    const dataDir = await tempDir();
    const log: string[] = [];
    const state = new DeviceState(settings(dataDir, 'auto'), (m) => log.push(m), working);
    state.markLost('webgpu', 'device lost');
    expect(await state.candidates()).toEqual(['cpu']);
    expect(log).toEqual([
      'WebGPU failed (device lost); finishing on the CPU, and using the CPU from now on.',
    ]);
  });

  it('uses the CPU, and says why, when the check itself cannot run', async () => {
    const log: string[] = [];
    const broken: ProbeRunner = () => Promise.reject(new Error('esbuild is not installed'));
    const state = new DeviceState(settings(await tempDir(), 'auto'), (m) => log.push(m), broken);
    expect(await state.candidates()).toEqual(['cpu']);
    expect(log).toEqual(['Could not check the GPU (esbuild is not installed); using the CPU.']);
  });

  it('does not probe for the CPU, nor for an explicit provider list', async () => {
    const probe = failing();
    const dataDir = await tempDir();
    const cpu = new DeviceState(settings(dataDir, 'cpu'), () => undefined, probe.runProbe);
    expect(await cpu.candidates()).toEqual(['cpu']);
    const listed = new DeviceState(
      { ...settings(dataDir, 'auto'), executionProviders: ['webgpu', 'cpu'] },
      () => undefined,
      probe.runProbe,
    );
    expect(await listed.candidates()).toEqual(['webgpu', 'cpu']);
    expect(probe.calls).toEqual([]);
    expect(existsSync(path.join(dataDir, 'device-checks.json'))).toBe(false);
  });
});
