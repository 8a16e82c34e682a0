/**
 * The probe run of a single-graph model: ONNX Runtime loads the graph (on the
 * CPU, no custom-op library) and runs it on small images to learn what its
 * shapes do not say: its scale, and the side multiple a dynamic graph needs.
 * Then one run at the tile size the engine will use, which the probe process
 * (model-probe.ts) watches against a memory cap. Every refusal is one line.
 */
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { InvalidError } from '../../common/errors.js';
import { fixedBatch, fixedSize } from './graph-manifest.js';
import type { GraphFacts } from './graph-inspect.js';
import { imageTensor } from './graph-tensors.js';
import { firstLine } from './providers.js';

export interface ProbeReport {
  scale: number;
  /** Input sides must be multiples of it (1 for most graphs). */
  multiple: number;
  /** The LR tile side the engine will use, as run by the probe. */
  tile: number;
  /** Milliseconds of the run at that tile. */
  ms: number;
}

/** [multiple, height, width]: odd sizes first, then the window sizes transformer models need. */
const probeSizes = [1, 2, 4, 8, 16, 32].map((multiple) => [
  multiple,
  32 + multiple,
  32 + 2 * multiple,
]);

export async function probeGraph(
  bytes: Uint8Array,
  facts: GraphFacts,
  preferredTile: number,
): Promise<ProbeReport> {
  const session = await openSession(bytes);
  try {
    const fixed = fixedSize(facts.input);
    if (fixed !== null) {
      const started = performance.now();
      const scale = await runScaled(session, facts, fixed.height, fixed.width);
      const tile = Math.min(fixed.height, fixed.width);
      return { scale, multiple: 1, tile, ms: performance.now() - started };
    }
    const { scale, multiple } = await findMultiple(session, facts);
    const tile = Math.max(multiple, Math.floor(preferredTile / multiple) * multiple);
    const started = performance.now();
    await runScaled(session, facts, tile, tile);
    return { scale, multiple, tile, ms: performance.now() - started };
  } finally {
    await session.release();
  }
}

async function openSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new InvalidError(
      `Cannot use this model: onnxruntime cannot load it (${firstLine(error)}).`,
    );
  }
}

async function findMultiple(
  session: ort.InferenceSession,
  facts: GraphFacts,
): Promise<{ scale: number; multiple: number }> {
  let failure: unknown = null;
  for (const [multiple = 1, height = 33, width = 34] of probeSizes) {
    try {
      return { scale: await runScaled(session, facts, height, width), multiple };
    } catch (error) {
      if (error instanceof InvalidError) throw error;
      failure ??= error;
    }
  }
  throw new InvalidError(
    `Cannot use this model: onnxruntime cannot run it on a small image (${firstLine(failure)}).`,
  );
}

/** Runs a height×width grey ramp; returns the scale, checking the output is that image, scaled. */
async function runScaled(
  session: ort.InferenceSession,
  facts: GraphFacts,
  height: number,
  width: number,
): Promise<number> {
  const batch = fixedBatch(facts.input) ?? 1;
  const data = new Float32Array(batch * 3 * height * width);
  for (let i = 0; i < data.length; i += 1) data[i] = (i % width) / width;
  const feeds = {
    [facts.input.name]: imageTensor(facts.input.type, data, [batch, 3, height, width]),
  };
  const result = await session.run(feeds);
  const output = result[facts.output.name];
  const dims = output?.dims ?? [];
  output?.dispose();
  const [n, channels, outHeight = 0, outWidth = 0] = dims;
  const scale = outHeight / height;
  if (dims.length !== 4 || n !== batch || channels !== 3 || outWidth / width !== scale) {
    throw new InvalidError(
      `Cannot use this model: for a ${batch}×3×${height}×${width} input its output is ` +
        `${dims.join('×') || 'empty'}, not that image scaled up.`,
    );
  }
  if (![2, 4, 8].includes(scale)) {
    const factor = Number.isInteger(scale) ? `×${scale}` : `by ${scale.toFixed(2)}`;
    throw new InvalidError(
      `Cannot use this model: it scales ${factor}; Yonos upscales ×2, ×4 or ×8.`,
    );
  }
  return scale;
}
