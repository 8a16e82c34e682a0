/** The Settings card of a single-graph model (`yonos-graph/1`): what the probe and its manifest say. */
import { fixedSize, type GraphManifest } from '../engine/graph-manifest.js';
import type { ModelInfo } from '../engine/index.js';
import type { ModelCard, Speed } from '../../common/contract.js';

export function graphModelCard(
  model: Pick<ModelInfo, 'id' | 'name' | 'scale' | 'builtIn' | 'dir'>,
  manifest: GraphManifest,
  { speed, removable }: { speed: Speed; removable: boolean },
): ModelCard {
  const source = manifest.source?.file ?? manifest.file;
  return {
    id: model.id,
    name: model.name,
    kind: 'graph',
    version: manifest.version,
    scale: model.scale,
    builtIn: model.builtIn,
    dir: model.dir,
    summary: `Your own model (${source}): makes photos ${model.scale}× wider and taller.`,
    goodAt: [],
    weakAt: [],
    speed,
    looks: [],
    facts: graphFacts(manifest),
    removable,
  };
}

export function graphFacts(manifest: GraphManifest): ModelCard['facts'] {
  const size = fixedSize(manifest.input);
  return [
    { label: 'Kind', value: 'single ONNX graph (yonos-graph/1)' },
    { label: 'Input size', value: size === null ? 'any' : `fixed ${size.width}×${size.height}` },
    { label: 'Pixel range', value: manifest.range === 1 ? '0–1' : '0–255' },
    { label: 'Precision', value: precision(manifest) },
    { label: 'Tile', value: `${manifest.tiling.tile} px, overlap ${manifest.tiling.overlap}` },
    { label: 'Opset', value: String(manifest.opset) },
    ...(manifest.source === undefined
      ? []
      : [
          {
            label: 'Source',
            value: `${manifest.source.file} (sha256 ${manifest.source.sha256.slice(0, 12)}…)`,
          },
        ]),
  ];
}

/** "float32", "float16", or each side's where they differ. */
function precision({ input, output }: GraphManifest): string {
  return input.type === output.type ? input.type : `${input.type} in, ${output.type} out`;
}
