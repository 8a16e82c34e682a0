/**
 * Switches for testing and diagnosing the GPU path, read from the environment
 * (which the inference worker and the device probe inherit):
 *
 * - YONOS_SIMULATE_GPU=1: a "webgpu" device that is the CPU provider in
 *   disguise, with tensors kept as ORT tensors between graphs, so machines
 *   without a GPU run the GPU code path (probe, residency, fallback).
 * - YONOS_GPU_LOSS_AFTER_RUNS=N: every GPU session run after the first N
 *   throws as a lost device does, to check that a job then finishes on the CPU.
 * - YONOS_WEBGPU_RESIDENCY=host: WebGPU without IO binding (every output
 *   back to the host), to measure what keeping tensors on the GPU gains.
 */
import type { Residency, RunWrapper } from './sessions.js';

const simulatedAdapter = 'Simulated GPU (the CPU provider)';

export function simulatedGpu(): boolean {
  return process.env.YONOS_SIMULATE_GPU === '1';
}

/** The adapter name the simulation reports, or null when not simulating. */
export function simulatedAdapterName(): string | null {
  return simulatedGpu() ? simulatedAdapter : null;
}

/** The ORT provider that runs `provider`: the CPU's for the simulated WebGPU. */
export function ortProviderFor(provider: string): string {
  return provider === 'webgpu' && simulatedGpu() ? 'cpu' : provider;
}

/** For GPU providers with YONOS_GPU_LOSS_AFTER_RUNS set: runs fail once that many have run. */
export function deviceLossInjection(provider: string): RunWrapper | undefined {
  const limit = Number(process.env.YONOS_GPU_LOSS_AFTER_RUNS);
  if (provider === 'cpu' || !Number.isInteger(limit) || limit < 0) return undefined;
  let runs = 0;
  return (run) => async (session, feeds) => {
    runs += 1;
    if (runs > limit) {
      throw new Error(`${provider} device lost (injected by YONOS_GPU_LOSS_AFTER_RUNS=${limit})`);
    }
    return run(session, feeds);
  };
}

/** Where WebGPU's tensors live between graphs, given whether the probe found IO binding working. */
export function webGpuResidency(ioBinding: boolean): Residency {
  if (simulatedGpu()) return 'cpu';
  if (process.env.YONOS_WEBGPU_RESIDENCY === 'host') return 'host';
  return ioBinding ? 'gpu-buffer' : 'host';
}
