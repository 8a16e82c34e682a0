/**
 * The ONNX Runtime session of a single-graph package and the device the
 * pipeline runs it through. The file is checked again as it is loaded (the
 * bytes checked are the bytes ONNX Runtime gets), so a graph swapped after
 * `yonos models add` still never brings custom operators. One graph has no
 * tensors to keep on a GPU between graphs: its input goes up and its output
 * comes back at each call, whatever the provider.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { inspectGraph } from './graph-inspect.js';
import type { GraphManifest } from './graph-manifest.js';
import { imagePixels, imageTensor } from './graph-tensors.js';
import { hostDevice } from './pipeline.js';
import { ModelPackageError } from './providers.js';
import type { ModelSessions, SessionOptions } from './sessions.js';

export interface GraphSessionModel {
  id: string;
  dir: string;
  manifest: GraphManifest;
}

export async function openImageGraphSessions(
  model: GraphSessionModel,
  provider: string,
  options: SessionOptions = {},
): Promise<ModelSessions> {
  const { manifest } = model;
  const bytes = await readFile(path.join(model.dir, manifest.file));
  try {
    inspectGraph(bytes);
  } catch (error) {
    throw new ModelPackageError(`Model ${model.id}: ${(error as Error).message}`);
  }
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [options.ortProvider ?? provider],
    graphOptimizationLevel: 'all',
    ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
  });
  const run = (options.wrapRun ?? ((inner) => inner))((s, feeds) => s.run(feeds));
  const device = hostDevice<'image'>(async (_graph, feeds) => {
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, t]) => [
        name,
        imageTensor(manifest.input.type, t.data, t.dims),
      ]),
    );
    const output = (await run(session, tensors))[manifest.output.name];
    const pixels = output === undefined ? null : imagePixels(output);
    if (output === undefined || pixels === null) {
      throw new Error(`Model ${model.id} gave no float image output ${manifest.output.name}.`);
    }
    return { data: pixels, dims: output.dims };
  });
  return {
    provider,
    residency: 'host',
    // A single graph has no looks: every look is the one device.
    device: () => Promise.resolve(device),
    release: () => session.release(),
  };
}
