/**
 * Whether an execution provider works on this machine: it must open a session,
 * run the DDIM graph and give the right numbers. For WebGPU, also whether its
 * outputs can stay on the GPU and feed the next session (IO binding), which
 * the gpu-buffer residency needs. Runs in the device probe process
 * (device-probe.ts), whose native stderr the parent captures.
 */
import ort from 'onnxruntime-node';
import { ortProviderFor } from './diagnostics-env.js';
import { copyGraph, ddimGraph } from './onnx-graphs.js';

export interface ProviderCheck {
  /** Tensors can stay on the device between sessions. */
  ioBinding: boolean;
  ms: number;
}

const z = Float32Array.from([1, 2, 3, 4]);
const v = Float32Array.from([10, 20, 30, 40]);
const expected = Float32Array.from(z, (value, i) => 0.5 * value - 0.25 * (v[i] ?? 0));

export async function checkProvider(provider: string): Promise<ProviderCheck> {
  const started = performance.now();
  const executionProviders = [ortProviderFor(provider)];
  const ddim = await ort.InferenceSession.create(ddimGraph(), { executionProviders });
  try {
    const feeds = { z: tensor(z), v: tensor(v), a: tensor([0.5], [1]), b: tensor([-0.25], [1]) };
    const result = (await ddim.run(feeds)).z_next;
    if (!matches(result?.data)) {
      throw new Error(`${provider} computed wrong numbers (${String(result?.data)})`);
    }
    const ioBinding = provider === 'webgpu' && (await keepsTensorsOnDevice(executionProviders));
    return { ioBinding, ms: performance.now() - started };
  } finally {
    await ddim.release();
  }
}

/** Upload (output left on the GPU) → DDIM graph fed that GPU tensor → host. */
async function keepsTensorsOnDevice(executionProviders: string[]): Promise<boolean> {
  const gpu = { executionProviders, preferredOutputLocation: 'gpu-buffer' as const };
  const sessions: ort.InferenceSession[] = [];
  try {
    const upload = await ort.InferenceSession.create(copyGraph(), gpu);
    sessions.push(upload);
    const ddim = await ort.InferenceSession.create(ddimGraph(), { executionProviders });
    sessions.push(ddim);
    const zOnDevice = (await upload.run({ x: tensor(z) })).y;
    const vOnDevice = (await upload.run({ x: tensor(v) })).y;
    if (zOnDevice === undefined || vOnDevice === undefined) return false;
    const feeds = { z: zOnDevice, v: vOnDevice, a: tensor([0.5], [1]), b: tensor([-0.25], [1]) };
    const result = (await ddim.run(feeds)).z_next;
    zOnDevice.dispose();
    vOnDevice.dispose();
    return matches(result?.data);
  } catch {
    return false;
  } finally {
    await Promise.all(sessions.map((session) => session.release()));
  }
}

function tensor(values: ArrayLike<number>, dims = [1, 1, 2, 2]): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.from(values), dims);
}

function matches(data: unknown): boolean {
  if (!(data instanceof Float32Array) || data.length !== expected.length) return false;
  return data.every((value, i) => Math.abs(value - (expected[i] ?? NaN)) < 1e-5);
}
