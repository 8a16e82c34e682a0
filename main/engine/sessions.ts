/** ONNX Runtime sessions for one model package on one execution provider. */
import path from 'node:path';
import ort from 'onnxruntime-node';
import { contractTensorNames, graphNames, namesMismatch, type GraphName } from './manifest.js';
import type { ModelRunner } from './pipeline.js';
import { ModelPackageError } from './providers.js';
import type { ModelInfo } from './types.js';

// Provider failures are expected (they drive the fallback) and reported by us, once.
ort.env.logLevel = 'fatal';

export type SessionModel = Pick<ModelInfo, 'id' | 'dir' | 'manifest'>;

export interface ModelSessions {
  provider: string;
  run: ModelRunner;
  release: () => Promise<void>;
}

export async function openModelSessions(
  model: SessionModel,
  provider: string,
  threads?: number,
): Promise<ModelSessions> {
  const sessions: Partial<Record<GraphName, ort.InferenceSession>> = {};
  const release = async (): Promise<void> => {
    await Promise.all(Object.values(sessions).map((session) => session.release()));
  };
  try {
    for (const graph of graphNames) {
      const session = await ort.InferenceSession.create(
        path.join(model.dir, model.manifest.files[graph]),
        {
          executionProviders: [provider],
          graphOptimizationLevel: 'all',
          ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
        },
      );
      sessions[graph] = session;
      checkGraphNames(model, graph, session);
    }
  } catch (error) {
    await release();
    throw error;
  }
  const run: ModelRunner = async (graph, feeds) => {
    const session = sessions[graph];
    if (session === undefined) throw new Error(`${graph} session is not open`);
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.dims)]),
    );
    const [outputName] = contractTensorNames[graph].outputs;
    const result = (await session.run(tensors))[outputName ?? ''];
    if (result === undefined) throw new Error(`${graph} returned no ${String(outputName)}`);
    return { data: result.data as Float32Array, dims: result.dims };
  };
  return { provider, run, release };
}

/** The ONNX files must have the inputs and outputs the manifest (and the contract) name. */
function checkGraphNames(
  model: SessionModel,
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
