/**
 * Which GPU execution providers work on this machine, found once and cached
 * in the data directory (device-checks.json) until the machine changes (a
 * driver, the Vulkan loader, the app version: see `machineFingerprint`).
 *
 * Each provider is tried in a child process (device-probe.ts) whose stderr we
 * capture: a provider that cannot start prints native warnings there (Dawn's
 * "Couldn't load Vulkan … at operator() (BackendVk.cpp:368)"), and those
 * become one plain reason instead of reaching the user's terminal. Only a
 * provider that passed is ever opened in the inference worker.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appVersion } from '../../common/version.js';
import { simulatedAdapterName, simulatedGpu } from './diagnostics-env.js';
import { firstLine, isCudaProviderInstalled } from './providers.js';
import { bundledEntryUrl } from './worker-url.js';
import type { DeviceReport } from './worker-protocol.js';

export interface DeviceCheck {
  provider: string;
  available: boolean;
  /** The GPU's name, where the system says (Linux, Apple silicon); null elsewhere. */
  adapter: string | null;
  /** Why it is not available, in one plain sentence part; null when it is. */
  reason: string | null;
  /** Tensors can stay on the GPU between the model's graphs (WebGPU). */
  ioBinding: boolean;
  checkedAt: string;
}

/** What a probe process said: its JSON line (if any), its stderr, and how it ended. */
export interface ProbeOutput {
  result: { ok: true; ioBinding: boolean } | { ok: false; error: string } | null;
  stderr: string;
  exit: string | null;
}

export type ProbeRunner = (provider: string) => Promise<ProbeOutput>;

const cacheName = 'device-checks.json';

/**
 * The checks of `providers` (GPU providers; the CPU always works), from the
 * cache when the machine is unchanged, else by running the probe. `fresh`
 * tells which were checked just now.
 */
export async function checkDevices(
  providers: readonly string[],
  options: { dataDir: string; runProbe?: ProbeRunner },
): Promise<{ checks: DeviceCheck[]; fresh: string[] }> {
  const file = path.join(options.dataDir, cacheName);
  const cached = await readMachineCache<DeviceCheck>(file);
  const fresh: string[] = [];
  for (const provider of providers) {
    if (cached[provider] !== undefined) continue;
    cached[provider] = await checkDevice(provider, options.runProbe ?? runProbeProcess);
    fresh.push(provider);
  }
  // An unwritable data directory only means checking again next time.
  if (fresh.length > 0) await writeMachineCache(file, cached).catch(() => undefined);
  return { checks: providers.flatMap((provider) => cached[provider] ?? []), fresh };
}

async function checkDevice(provider: string, runProbe: ProbeRunner): Promise<DeviceCheck> {
  const output = await runProbe(provider);
  const ok = output.result?.ok === true;
  return {
    provider,
    available: ok,
    adapter: adapterName(),
    reason: ok ? null : explainFailure(provider, output),
    ioBinding: output.result?.ok === true && output.result.ioBinding,
    checkedAt: new Date().toISOString(),
  };
}

/** The plain reason a probe failed; the native details stay in the probe's stderr. */
export function explainFailure(
  provider: string,
  output: ProbeOutput,
  platform: NodeJS.Platform = process.platform,
  gpuNodes: string[] = gpuDeviceNodes(),
): string {
  const error = output.result?.ok === false ? output.result.error : '';
  const text = `${error}\n${output.stderr}`;
  if (provider === 'webgpu' && platform === 'linux') {
    if (/Couldn't load Vulkan|libvulkan\.so/i.test(text)) {
      return gpuNodes.length === 0
        ? 'no GPU found, and no Vulkan loader'
        : 'no Vulkan loader: install libvulkan1 (with libglvnd0, libglx0 and libegl1)';
    }
    if (/Found no drivers/i.test(text)) {
      return "the Vulkan loader found no GPU driver: install your GPU's Vulkan driver";
    }
  }
  if (/No supported adapters|Failed to get a WebGPU adapter/i.test(text)) {
    return 'no GPU adapter it can use';
  }
  if (output.result === null) {
    return output.exit === null ? 'the check gave no answer' : `the check ${output.exit}`;
  }
  return firstLine(error) || 'it failed the check';
}

/** "WebGPU is not available (no GPU found); using the CPU." and the like. */
export function fallbackSentence(failed: readonly DeviceCheck[]): string {
  const reasons = failed.map((check) => `${providerName(check.provider)}: ${check.reason ?? '?'}`);
  const subject = failed.length === 1 ? 'is' : 'are';
  const names = failed.map((check) => providerName(check.provider)).join(' and ');
  const why = failed.length === 1 ? (failed[0]?.reason ?? '?') : reasons.join('; ');
  return `${names} ${subject} not available (${why}); using the CPU.`;
}

export function providerName(provider: string): string {
  const names: Record<string, string> = {
    webgpu: 'WebGPU',
    cuda: 'CUDA',
    dml: 'DirectML',
    coreml: 'Core ML',
    cpu: 'CPU',
  };
  return names[provider] ?? provider;
}

/** Runs device-probe.mjs in a child process (plain Node), stderr captured. */
export const runProbeProcess: ProbeRunner = async (provider) => {
  const script = fileURLToPath(await bundledEntryUrl('device-probe'));
  const timeoutMs = 90_000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, provider], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const finish = (exit: string | null): void => {
      resolve({ result: lastJsonLine(stdout), stderr, exit });
    };
    child.on('error', (error) => {
      finish(`could not start (${error.message})`);
    });
    child.on('close', (code, signal) => {
      if (signal === 'SIGTERM' && child.killed) finish(`did not finish in ${timeoutMs / 1000} s`);
      else if (signal !== null) finish(`crashed (${signal})`);
      else finish(code === 0 ? null : `stopped with exit code ${String(code)}`);
    });
  });
};

function lastJsonLine(stdout: string): ProbeOutput['result'] {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as ProbeOutput['result'];
  } catch {
    return null;
  }
}

interface MachineCache<T> {
  schema: 1;
  fingerprint: string;
  entries: Record<string, T>;
}

/**
 * A cache file of facts about this machine (device checks, tile calibrations):
 * its entries, or none when it was written on a different machine fingerprint
 * (or is damaged).
 */
export async function readMachineCache<T>(file: string): Promise<Record<string, T>> {
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as Partial<MachineCache<T>>;
    const valid = cached.schema === 1 && cached.fingerprint === machineFingerprint();
    return valid && cached.entries !== undefined ? cached.entries : {};
  } catch {
    return {};
  }
}

/** Written whole through a rename: two processes writing at once never leave half a file. */
export async function writeMachineCache<T>(
  file: string,
  entries: Record<string, T>,
): Promise<void> {
  const cache: MachineCache<T> = { schema: 1, fingerprint: machineFingerprint(), entries };
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${String(process.pid)}.tmp`;
  await writeFile(temp, `${JSON.stringify(cache, null, 2)}\n`);
  await rename(temp, file);
}

/** What would change a check's answer: the app (and its ORT), the OS, the GPU, its driver and loader. */
export function machineFingerprint(): string {
  return JSON.stringify({
    app: appVersion,
    platform: process.platform,
    arch: process.arch,
    os: os.release(),
    cuda: isCudaProviderInstalled(),
    vulkan: vulkanLoader(),
    icd: process.env.VK_ICD_FILENAMES ?? null,
    gpus: gpuDeviceNodes(),
    nvidia: readFirstLine('/proc/driver/nvidia/version'),
    simulated: simulatedGpu(),
  });
}

/** The Vulkan loader Dawn needs on Linux, if installed where the dynamic linker looks. */
function vulkanLoader(): string | null {
  if (process.platform !== 'linux') return null;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((dir) => dir !== ''),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64',
    '/usr/lib',
    '/lib64',
  ];
  const found = dirs
    .map((dir) => path.join(dir, 'libvulkan.so.1'))
    .find((file) => existsSync(file));
  return found ?? null;
}

/** Linux GPU device nodes (DRM render nodes, NVIDIA's): none means no GPU is visible. */
function gpuDeviceNodes(): string[] {
  if (process.platform !== 'linux') return [];
  const list = (dir: string, pattern: RegExp): string[] => {
    try {
      return readdirSync(dir)
        .filter((name) => pattern.test(name))
        .map((name) => path.join(dir, name));
    } catch {
      return [];
    }
  };
  return [...list('/dev/dri', /^renderD\d+$/), ...list('/dev', /^nvidia\d+$/)].sort();
}

/** The GPU's name where the system tells it without native code; null elsewhere. */
function adapterName(): string | null {
  const simulated = simulatedAdapterName();
  if (simulated !== null) return simulated;
  if (process.platform === 'darwin' && process.arch === 'arm64') {
    return `${os.cpus()[0]?.model ?? 'Apple silicon'} GPU`;
  }
  if (process.platform !== 'linux') return null;
  const nvidia = readdirOrEmpty('/proc/driver/nvidia/gpus').flatMap((bus) => {
    const information = readFileOrEmpty(`/proc/driver/nvidia/gpus/${bus}/information`);
    const model = /^Model:\s*(.+)$/m.exec(information)?.[1]?.trim();
    return model === undefined ? [] : [model];
  });
  if (nvidia.length > 0) return [...new Set(nvidia)].join(', ');
  const vendors: Record<string, string> = {
    '0x10de': 'NVIDIA',
    '0x1002': 'AMD',
    '0x8086': 'Intel',
  };
  const drm = readdirOrEmpty('/sys/class/drm').flatMap((card) => {
    if (!/^card\d+$/.test(card)) return [];
    const device = `/sys/class/drm/${card}/device`;
    const vendor = vendors[readFileOrEmpty(`${device}/vendor`).trim()];
    return vendor === undefined
      ? []
      : [`${vendor} GPU ${readFileOrEmpty(`${device}/device`).trim()}`];
  });
  return drm.length > 0 ? [...new Set(drm)].join(', ') : null;
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readFileOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readFirstLine(file: string): string | null {
  const line = readFileOrEmpty(file).split('\n')[0]?.trim() ?? '';
  return line === '' ? null : line;
}

/** "webgpu on NVIDIA H200", or "cpu (WebGPU: no GPU found, …)". */
export function describeDevice(device: DeviceReport): string {
  if (device.provider !== 'cpu') {
    return device.adapter === null ? device.provider : `${device.provider} on ${device.adapter}`;
  }
  const failed = device.checks.filter((check) => !check.available);
  const why = failed.map((check) => `${providerName(check.provider)}: ${check.reason ?? '?'}`);
  return why.length === 0 ? 'cpu' : `cpu (${why.join('; ')})`;
}
