/**
 * One batch of tiles through a single-graph package (`yonos-graph/1`): the
 * pipeline's tiles, overlap, feathering, progress and cancel stay as they
 * are (pipeline.ts); only the model call differs. A graph with a fixed input
 * size gets its tiles padded to that size by edge replication (and its output
 * cropped back); one with a fixed batch size gets its tiles in groups of that
 * size; a graph that works in [0, 255] gets its pixels scaled to that and back.
 * Its calls are timed as the decoder stage: the graph that makes the HR pixels.
 */
import { fixedBatch, fixedSize, type GraphManifest } from './graph-manifest.js';
import {
  timed,
  type DeviceGraph,
  type InferenceDevice,
  type PipelineOptions,
  type PipelineTimings,
} from './pipeline.js';
import type { TileInputs } from './tile-inputs.js';
import type { TilePlan } from './tile-size.js';
import { roundUp, type Tile } from './tiler.js';

interface Size {
  height: number;
  width: number;
}

export async function upscaleGraphBatch<T>(
  device: InferenceDevice<T, DeviceGraph>,
  batch: readonly Tile[],
  inputs: TileInputs,
  { manifest, checkpoint }: PipelineOptions<GraphManifest>,
  timings: PipelineTimings,
): Promise<Float32Array> {
  const [first] = batch;
  if (first === undefined) return new Float32Array(0);
  const tile: Size = { height: first.height, width: first.width };
  const graph: Size = fixedSize(manifest.input) ?? tile;
  const group = fixedBatch(manifest.input) ?? batch.length;
  const { scale, range } = manifest;
  const tilePlane = 3 * tile.height * scale * tile.width * scale;
  const hr = new Float32Array(batch.length * tilePlane);
  const transfer = <R>(work: () => Promise<R>): Promise<R> =>
    device.hostMemory ? work() : timed(timings, 'transfer', work);
  for (let start = 0; start < batch.length; start += group) {
    const count = Math.min(group, batch.length - start);
    const lr = graphInput(inputs.lr, { start, count, group }, tile, graph, range);
    const held: T[] = [];
    try {
      const input = await transfer(() => device.upload(lr));
      held.push(input);
      const output = await timed(timings, 'decoder', () =>
        device.run('image', { [manifest.input.name]: input }),
      );
      held.push(output);
      checkpoint?.();
      const data = await transfer(() => device.download(output));
      const expected = group * 3 * graph.height * scale * graph.width * scale;
      if (data.length !== expected) {
        throw new Error(
          `Model ${manifest.id} returned ${data.length} values for a ${group}×3×${graph.height}×${graph.width} ` +
            `input, not its ×${scale} image (${expected}).`,
        );
      }
      cropOutput(data, hr.subarray(start * tilePlane, (start + count) * tilePlane), count, {
        graph: { height: graph.height * scale, width: graph.width * scale },
        tile: { height: tile.height * scale, width: tile.width * scale },
        range,
      });
    } finally {
      device.release(held);
    }
  }
  return hr;
}

/**
 * Tiles start..start+count of the batch's N×3×h×w input, as the graph takes
 * them: `group` of them (blank ones fill a fixed batch), each padded to the
 * graph's size by repeating its last row and column, in the graph's range.
 */
function graphInput(
  lr: Float32Array,
  { start, count, group }: { start: number; count: number; group: number },
  tile: Size,
  graph: Size,
  range: number,
): { data: Float32Array; dims: number[] } {
  const data = new Float32Array(group * 3 * graph.height * graph.width);
  for (let n = 0; n < count; n += 1) {
    for (let c = 0; c < 3; c += 1) {
      const source = ((start + n) * 3 + c) * tile.height * tile.width;
      const target = (n * 3 + c) * graph.height * graph.width;
      for (let y = 0; y < graph.height; y += 1) {
        const row = source + Math.min(y, tile.height - 1) * tile.width;
        for (let x = 0; x < graph.width; x += 1) {
          data[target + y * graph.width + x] = (lr[row + Math.min(x, tile.width - 1)] ?? 0) * range;
        }
      }
    }
  }
  return { data, dims: [group, 3, graph.height, graph.width] };
}

/** The first `count` outputs, cropped from the graph's size to the tile's, back in [0, 1]. */
function cropOutput(
  output: Float32Array,
  hr: Float32Array,
  count: number,
  { graph, tile, range }: { graph: Size; tile: Size; range: number },
): void {
  for (let plane = 0; plane < count * 3; plane += 1) {
    for (let y = 0; y < tile.height; y += 1) {
      const source = (plane * graph.height + y) * graph.width;
      const target = (plane * tile.height + y) * tile.width;
      for (let x = 0; x < tile.width; x += 1) hr[target + x] = (output[source + x] ?? 0) / range;
    }
  }
}

/**
 * A single graph's tiles: the size it was probed at (its memory was checked
 * there), or the one asked for, never past a fixed input size; one call per
 * tile, or per the graph's fixed batch.
 */
export function graphTilePlan(manifest: GraphManifest, override?: number): TilePlan {
  const fixed = fixedSize(manifest.input);
  const { tile, overlap, multiple } = manifest.tiling;
  const largest = fixed === null ? Infinity : Math.min(fixed.height, fixed.width);
  const wanted = Math.min(override ?? tile, largest);
  const smallest = roundUp(2 * overlap + 1, multiple);
  const side = Math.max(Math.min(smallest, largest), Math.floor(wanted / multiple) * multiple);
  return { tile: side, batch: fixedBatch(manifest.input) ?? 1 };
}
