/**
 * What an ONNX file says about itself, read as data (onnx-proto decodes the
 * protobuf; no ONNX Runtime, nothing executed): its opset, its one image
 * input and output, and whether it is something Yonos will run at all. A
 * model file is data, never code: nodes of a domain other than ONNX's own
 * and ONNX Runtime's built-in kernels (which would need a custom-op library)
 * are refused, as are weights in external files (which ONNX Runtime would
 * read from paths the file names). Every refusal is one line.
 */
import onnxProto, { type onnx } from 'onnx-proto';
import { InvalidError } from '../../common/errors.js';
import { largestFixedSide } from './graph-manifest.js';

const { ModelProto, TensorProto } = onnxProto.onnx;

/** Operator domains whose kernels are compiled into ONNX Runtime. */
const builtInDomains = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft']);
/** The ONNX element types of the image tensors Yonos runs, by their ONNX number. */
const imageTypes: Record<number, ImageType> = { 1: 'float32', 10: 'float16' };
const otherTypeNames: Record<number, string> = { 11: 'float64', 16: 'bfloat16' };

export type Dimension = number | string;

/** A float16 image is converted at the graph's boundary (float16.ts). */
export type ImageType = 'float32' | 'float16';

export interface GraphTensor {
  name: string;
  shape: [Dimension, Dimension, Dimension, Dimension];
  type: ImageType;
}

export interface GraphFacts {
  opset: number;
  input: GraphTensor;
  output: GraphTensor;
}

/** int64 fields arrive as protobufjs Long objects (or numbers). */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const long = value as { toNumber?: () => number } | null | undefined;
  return long?.toNumber?.() ?? 0;
}

/** Reads and checks the graph; throws an InvalidError naming what Yonos cannot run. */
export function inspectGraph(bytes: Uint8Array): GraphFacts {
  const model = decode(bytes);
  const graph = model.graph;
  if (graph === null || graph === undefined) throw refused('it holds no graph');
  checkDomains(model);
  checkWeightsInside(graph);
  const initializers = new Set((graph.initializer ?? []).map((tensor) => tensor.name));
  const inputs = (graph.input ?? []).filter((value) => !initializers.has(value.name ?? ''));
  if (inputs.length !== 1) {
    throw refused(`it takes ${inputs.length} inputs; Yonos runs graphs with one image input`);
  }
  const [input] = inputs;
  const [output] = graph.output ?? [];
  if (input === undefined || output === undefined) throw refused('it has no output');
  return {
    opset: standardOpset(model),
    input: imageTensor(input, 'input'),
    output: imageTensor(output, 'output'),
  };
}

function decode(bytes: Uint8Array): onnx.ModelProto {
  try {
    return ModelProto.decode(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw refused(`it is not an ONNX model, or it is truncated (${reason})`);
  }
}

function refused(reason: string): InvalidError {
  return new InvalidError(`Cannot use this model: ${reason}.`);
}

function standardOpset(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((opset) =>
    ['', 'ai.onnx'].includes(opset.domain ?? ''),
  );
  if (entry === undefined) throw refused('it declares no ONNX opset');
  return toNumber(entry.version);
}

/** Every node, in the graph, its subgraphs (If, Loop, Scan) and its local functions. */
function checkDomains(model: onnx.IModelProto): void {
  const graphs: onnx.IGraphProto[] = model.graph ? [model.graph] : [];
  const nodes: onnx.INodeProto[] = (model.functions ?? []).flatMap((f) => f.node ?? []);
  const localFunctions = new Set(
    (model.functions ?? []).map((f) => `${f.domain ?? ''}:${f.name ?? ''}`),
  );
  for (let graph = graphs.pop(); graph !== undefined; graph = graphs.pop()) {
    for (const node of graph.node ?? []) {
      nodes.push(node);
      for (const attribute of node.attribute ?? []) {
        if (attribute.g) graphs.push(attribute.g);
        graphs.push(...(attribute.graphs ?? []));
      }
    }
  }
  for (const node of nodes) {
    const domain = node.domain ?? '';
    if (builtInDomains.has(domain) || localFunctions.has(`${domain}:${node.opType ?? ''}`))
      continue;
    throw refused(
      `node ${node.opType ?? '?'} is a custom operator (domain "${domain}"); Yonos loads no custom-op code`,
    );
  }
}

function checkWeightsInside(graph: onnx.IGraphProto): void {
  const external = (graph.initializer ?? []).find(
    (tensor) => tensor.dataLocation === TensorProto.DataLocation.EXTERNAL,
  );
  if (external !== undefined) {
    throw refused(
      `its weights are in a separate file (${external.name ?? '?'}); use a self-contained .onnx file`,
    );
  }
}

/** A float32 or float16 tensor of rank 4 with 3 channels (or a dynamic channel count). */
function imageTensor(value: onnx.IValueInfoProto, role: 'input' | 'output'): GraphTensor {
  const name = value.name ?? '';
  const tensorType = value.type?.tensorType;
  if (tensorType === null || tensorType === undefined) {
    throw refused(`its ${role} ${name} is not a tensor`);
  }
  const elementType = tensorType.elemType ?? 0;
  const type = imageTypes[elementType];
  if (type === undefined) {
    const named = otherTypeNames[elementType] ?? `element type ${elementType}`;
    throw refused(`its ${role} ${name} is ${named}; Yonos runs float32 and float16 graphs`);
  }
  const dims = (tensorType.shape?.dim ?? []).map((dim, index): Dimension => {
    if (dim.dimValue !== null && dim.dimValue !== undefined && toNumber(dim.dimValue) > 0) {
      return toNumber(dim.dimValue);
    }
    return dim.dimParam ?? `${role}_${index}`;
  });
  if (dims.length !== 4) {
    throw refused(`its ${role} ${name} has rank ${dims.length}, not an image (N, 3, H, W)`);
  }
  const [batch = 1, channels = 3, height = 'H', width = 'W'] = dims;
  if (typeof channels === 'number' && channels !== 3) {
    throw refused(`its ${role} ${name} has ${channels} channels, not RGB (3)`);
  }
  if (role === 'input') checkFixedSide(name, height, width);
  return { name, shape: [batch, channels, height, width], type };
}

function checkFixedSide(name: string, height: Dimension, width: Dimension): void {
  const sides = [height, width].filter((side): side is number => typeof side === 'number');
  const largest = Math.max(0, ...sides);
  if (largest > largestFixedSide) {
    throw refused(
      `its input ${name} is fixed at ${String(height)}×${String(width)} px, more than ${largestFixedSide}`,
    );
  }
}
