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
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { bakeStrength } from './decoder-look.js';
import { isGraphManifest } from './graph-manifest.js';
import { openImageGraphSessions } from './image-graph-sessions.js';
import {
  contractTensorNames,
  namesMismatch,
  strengthInput,
  type GraphName,
  type ModelManifest,
} from './manifest.js';
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
import type { ModelInfo, UpscaleOptions } from './types.js';
import { decoderStrength } from './upscale-options.js';

// Provider failures are expected (they drive the fallback) and reported by us, once.
ort.env.logLevel = 'fatal';

export type SessionModel = Pick<ModelInfo, 'id' | 'dir' | 'manifest'>;
type YonosSessionModel = Pick<ModelInfo, 'id' | 'dir'> & { manifest: ModelManifest };
export type Residency = 'host' | 'cpu' | 'gpu-buffer';

export interface ModelSessions {
  /** The provider as the user knows it (e.g. 'webgpu'). */
  provider: string;
  residency: Residency;
  /** The device running this model in this look (default faithful); see LookDecoders. */
  device: (look?: LookChoice) => Promise<InferenceDevice<unknown, DeviceGraph>>;
  release: () => Promise<void>;
}

export type LookChoice = Pick<UpscaleOptions, 'look' | 'strength'>;

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
  const opened = new Set<ort.InferenceSession>();
  const close = async (session: ort.InferenceSession): Promise<void> => {
    if (opened.delete(session)) await session.release();
  };
  const release = async (): Promise<void> => {
    await Promise.all([...opened].map(close));
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
    opened.add(session);
    return session;
  };
  try {
    const kept = residency === 'gpu-buffer' ? 'gpu-buffer' : 'cpu';
    const graph = async (name: 'encoder' | 'unet'): Promise<ort.InferenceSession> => {
      const session = await create(path.join(model.dir, model.manifest.files[name]), kept);
      checkGraphNames(model, name, session);
      return session;
    };
    const shared = { encoder: await graph('encoder'), unet: await graph('unet') };
    const resident =
      residency === 'host'
        ? null
        : {
            upload: await create(copyGraph(), kept),
            download: await create(copyGraph()),
            ddim: await create(ddimGraph(), kept),
          };
    const decoders = new LookDecoders(model, (source) => create(source, kept), close);
    const run = (options.wrapRun ?? ((inner) => inner))(plainRun);
    const device = async (
      look: LookChoice = {},
    ): Promise<InferenceDevice<unknown, DeviceGraph>> => {
      const sessions = { ...shared, decoder: await decoders.session(look) };
      return resident === null
        ? hostDevice(hostRunner(sessions, run))
        : residentDevice({ ...sessions, ...resident }, run);
    };
    return { provider, residency, device, release };
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * The decoder sessions of one model, one per look strength: a two-look
 * decoder gets its strength baked in when its session is created
 * (decoder-look.ts), so a look costs nothing per call. The most recent
 * `kept` strengths stay open (enough for Compare's faithful beside detailed);
 * another strength opens a new session, closing the least recently used.
 */
class LookDecoders {
  static readonly kept = 2;
  readonly #open = new Map<string, Promise<ort.InferenceSession>>();

  constructor(
    private readonly model: YonosSessionModel,
    private readonly create: (source: string | Uint8Array) => Promise<ort.InferenceSession>,
    private readonly close: (session: ort.InferenceSession) => Promise<void>,
  ) {}

  async session(look: LookChoice): Promise<ort.InferenceSession> {
    const strength = decoderStrength(this.model, look);
    const key = String(strength);
    const session = this.#open.get(key) ?? this.#opened(strength);
    // Map order is use order: the first entry is the least recently used.
    this.#open.delete(key);
    this.#open.set(key, session);
    const [oldest] = this.#open.keys();
    if (this.#open.size > LookDecoders.kept && oldest !== undefined) {
      const evicted = this.#open.get(oldest);
      this.#open.delete(oldest);
      void evicted?.then(this.close, () => undefined);
    }
    try {
      return await session;
    } catch (error) {
      this.#open.delete(key);
      throw error;
    }
  }

  async #opened(strength: number | null): Promise<ort.InferenceSession> {
    const { model } = this;
    const file = path.join(model.dir, model.manifest.files.decoder);
    if (strength === null) {
      const session = await this.create(file);
      checkGraphNames(model, 'decoder', session);
      return session;
    }
    let baked: Uint8Array;
    try {
      baked = bakeStrength(await readFile(file), strength);
    } catch (error) {
      throw new ModelPackageError(
        `Model ${model.id}: ${model.manifest.files.decoder}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const session = await this.create(baked);
    checkGraphNames(model, 'decoder', session, [strengthInput]);
    return session;
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

/** The ONNX files must have the inputs and outputs the manifest (and the contract) name, less those `baked` in. */
function checkGraphNames(
  model: YonosSessionModel,
  graph: GraphName,
  session: ort.InferenceSession,
  baked: readonly string[] = [],
): void {
  const declared = model.manifest.tensors[graph];
  const mismatch = namesMismatch(
    { inputs: session.inputNames, outputs: session.outputNames },
    {
      inputs: declared.inputs.map((tensor) => tensor.name).filter((name) => !baked.includes(name)),
      outputs: declared.outputs.map((tensor) => tensor.name),
    },
  );
  if (mismatch !== null) {
    throw new ModelPackageError(
      `Model ${model.id}: ${model.manifest.files[graph]} ${mismatch} (from manifest.json)`,
    );
  }
}
