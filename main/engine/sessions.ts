/**
 * ONNX Runtime sessions for one model package on one execution provider, and
 * the InferenceDevice the pipeline runs them through.
 *
 * Where tensors live between graphs (`Residency`):
 * - `host`: every output comes back to JS memory and the DDIM update runs in
 *   JS. Right for the CPU provider, where that memory is the device's.
 * - `gpu-buffer`: outputs stay on the GPU (ORT's preferredOutputLocation, fed
 *   back as inputs by IO binding); the DDIM update runs there as a tiny graph,
 *   and only the LR tile, the noise and the decoder's output cross, as
 *   explicit (timed) copies. WebGPU.
 * - `cpu`: the gpu-buffer path with ORT tensors kept on the host, so that very
 *   code is tested on machines without a GPU.
 */
import path from 'node:path';
import ort from 'onnxruntime-node';
import {
  contractTensorNames,
  graphNames,
  namesMismatch,
  type GraphName,
  type ModelManifest,
} from './manifest.js';
import { isGraphManifest } from './graph-manifest.js';
import { openImageGraphSessions } from './image-graph-sessions.js';
import { copyGraph, ddimGraph } from './onnx-graphs.js';
import {
  hostDevice,
  type DeviceGraph,
  type InferenceDevice,
  type ModelRunner,
  type TensorData,
} from './pipeline.js';
import { ModelPackageError } from './providers.js';
import { ddimCoefficients } from './schedule.js';
import type { ModelInfo } from './types.js';

// Provider failures are expected (they drive the fallback) and reported by us, once.
ort.env.logLevel = 'fatal';

export type SessionModel = Pick<ModelInfo, 'id' | 'dir' | 'manifest'>;
type YonosSessionModel = Pick<ModelInfo, 'id' | 'dir'> & { manifest: ModelManifest };
export type Residency = 'host' | 'cpu' | 'gpu-buffer';

export interface ModelSessions {
  /** The provider as the user knows it (e.g. 'webgpu'). */
  provider: string;
  residency: Residency;
  device: InferenceDevice<unknown, DeviceGraph>;
  release: () => Promise<void>;
}

export interface SessionOptions {
  /** ORT intra-op threads; default: ORT's own choice. */
  threads?: number;
  residency?: Residency;
  /** The ORT provider that runs `provider` (differs only for the simulated GPU, see diagnostics-env.ts). */
  ortProvider?: string;
  /** Wraps each session.run: the place to inject a failing device. */
  wrapRun?: RunWrapper;
}

type Run = (
  session: ort.InferenceSession,
  feeds: ort.InferenceSession.FeedsType,
) => Promise<ort.InferenceSession.ReturnType>;
export type RunWrapper = (run: Run) => Run;

const plainRun: Run = (session, feeds) => session.run(feeds);

export async function openModelSessions(
  model: SessionModel,
  provider: string,
  options: SessionOptions = {},
): Promise<ModelSessions> {
  const { manifest } = model;
  return isGraphManifest(manifest)
    ? openImageGraphSessions({ ...model, manifest }, provider, options)
    : openYonosSessions({ ...model, manifest }, provider, options);
}

async function openYonosSessions(
  model: YonosSessionModel,
  provider: string,
  options: SessionOptions,
): Promise<ModelSessions> {
  const residency = options.residency ?? 'host';
  const opened: ort.InferenceSession[] = [];
  const release = async (): Promise<void> => {
    await Promise.all(opened.splice(0).map((session) => session.release()));
  };
  const create = async (
    source: string | Uint8Array,
    location: ort.Tensor.DataLocation = 'cpu',
  ): Promise<ort.InferenceSession> => {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [options.ortProvider ?? provider],
      graphOptimizationLevel: 'all',
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
      ...(location === 'gpu-buffer' ? { preferredOutputLocation: location } : {}),
    };
    const session =
      typeof source === 'string'
        ? await ort.InferenceSession.create(source, sessionOptions)
        : await ort.InferenceSession.create(source, sessionOptions);
    opened.push(session);
    return session;
  };
  try {
    const kept = residency === 'gpu-buffer' ? 'gpu-buffer' : 'cpu';
    const sessions = {} as Record<GraphName, ort.InferenceSession>;
    for (const graph of graphNames) {
      sessions[graph] = await create(path.join(model.dir, model.manifest.files[graph]), kept);
      checkGraphNames(model, graph, sessions[graph]);
    }
    const run = (options.wrapRun ?? ((inner) => inner))(plainRun);
    const device =
      residency === 'host'
        ? hostDevice(hostRunner(sessions, run))
        : residentDevice(
            {
              ...sessions,
              upload: await create(copyGraph(), kept),
              download: await create(copyGraph()),
              ddim: await create(ddimGraph(), kept),
            },
            run,
          );
    return { provider, residency, device, release };
  } catch (error) {
    await release();
    throw error;
  }
}

function hostRunner(sessions: Record<GraphName, ort.InferenceSession>, run: Run): ModelRunner {
  return async (graph, feeds) => {
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.dims)]),
    );
    const result = output(graph, await run(sessions[graph], tensors));
    return { data: result.data as Float32Array, dims: result.dims };
  };
}

type ResidentSessions = Record<GraphName | 'upload' | 'download' | 'ddim', ort.InferenceSession>;

function residentDevice(sessions: ResidentSessions, run: Run): InferenceDevice<ort.Tensor> {
  const tensor = (value: ort.Tensor | TensorData): ort.Tensor =>
    value instanceof ort.Tensor ? value : new ort.Tensor('float32', value.data, value.dims);
  const scalar = (value: number): ort.Tensor =>
    new ort.Tensor('float32', Float32Array.of(value), [1]);
  return {
    hostMemory: false,
    upload: async (value) => named(await run(sessions.upload, { x: tensor(value) }), 'y'),
    run: async (graph, feeds) => {
      const tensors = Object.fromEntries(
        Object.entries(feeds).map(([name, value]) => [name, tensor(value)]),
      );
      return output(graph, await run(sessions[graph], tensors));
    },
    ddimStep: async (z, v, step) => {
      const { a, b } = ddimCoefficients(step);
      return named(await run(sessions.ddim, { z, v, a: scalar(a), b: scalar(b) }), 'z_next');
    },
    download: async (value) => {
      return named(await run(sessions.download, { x: value }), 'y').data as Float32Array;
    },
    release: (tensors) => {
      for (const held of tensors) if (held.location === 'gpu-buffer') held.dispose();
    },
  };
}

function output(graph: GraphName, result: ort.InferenceSession.ReturnType): ort.Tensor {
  const [name = ''] = contractTensorNames[graph].outputs;
  return named(result, name);
}

function named(result: ort.InferenceSession.ReturnType, name: string): ort.Tensor {
  const tensor = result[name];
  if (tensor === undefined) throw new Error(`no output ${name}`);
  return tensor;
}

/** The ONNX files must have the inputs and outputs the manifest (and the contract) name. */
function checkGraphNames(
  model: YonosSessionModel,
  graph: GraphName,
  session: ort.InferenceSession,
): void {
  const declared = model.manifest.tensors[graph];
  const mismatch = namesMismatch(
    { inputs: session.inputNames, outputs: session.outputNames },
    {
      inputs: declared.inputs.map((tensor) => tensor.name),
      outputs: declared.outputs.map((tensor) => tensor.name),
    },
  );
  if (mismatch !== null) {
    throw new ModelPackageError(
      `Model ${model.id}: ${model.manifest.files[graph]} ${mismatch} (from manifest.json)`,
    );
  }
}
