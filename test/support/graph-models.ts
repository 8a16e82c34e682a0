/**
 * Single-graph ONNX super-resolution models written by the tests themselves
 * (onnx-proto, no Python): a pixel-shuffle network (1×1 convolution to s²·3
 * channels + DepthToSpace, i.e. nearest-neighbour upscaling) followed by
 * squaring in the graph's range, so the output is easy to compute in the test
 * and wrong if the app mixes up the ranges; in float32 or float16. Also
 * crafted bad files.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto, { type onnx } from 'onnx-proto';
import { toFloat16 } from '../../main/engine/float16.js';

const { ModelProto } = onnxProto.onnx;
const { AttributeType } = onnxProto.onnx.AttributeProto;
const float = 1;
const int64 = 7;
const bool = 9;
const half = 10;

type Dim = number | string;

export interface SrGraphSpec {
  scale: number;
  /** 1: pixels in [0, 1]; 255: in [0, 255]. */
  range?: 1 | 255;
  /** [N, C, H, W] of the input; strings are dynamic. Default all dynamic but C. */
  input?: Dim[];
  /** The declared output shape; default: derived (dynamic where the input is). */
  output?: Dim[] | null;
  opset?: number;
  /** Extra nodes and initializers (the crafted files): they read `y_plain` and write `y`. */
  extra?: Pick<onnx.IGraphProto, 'node' | 'initializer'>;
  /** float16 image tensors: 'all' computes in float16 throughout, 'input' casts its input to float32 first. */
  float16?: 'all' | 'input';
}

export function valueInfo(
  name: string,
  dims: Dim[] | null,
  elemType = float,
): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        ...(dims === null
          ? {}
          : {
              shape: {
                dim: dims.map((dim) =>
                  typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim },
                ),
              },
            }),
      },
    },
  };
}

/** y = (nearest-upscaled x)² / range: in normalised terms, X² either way. */
export function srGraph(spec: SrGraphSpec): Uint8Array {
  const { scale, range = 1, opset = 13 } = spec;
  const input = spec.input ?? ['N', 3, 'H', 'W'];
  const [n, c, h, w] = input;
  const derived = [n ?? 'N', c ?? 3, scaled(h, scale), scaled(w, scale)];
  const output = spec.output === undefined ? derived : spec.output;
  const weights = new Float32Array(3 * scale * scale * 3);
  for (let out = 0; out < 3 * scale * scale; out += 1)
    weights[out * 3 + Math.floor(out / (scale * scale))] = 1;
  const tensor = spec.float16 === 'all' ? halfTensor : floatTensor;
  const castInput: onnx.INodeProto[] =
    spec.float16 === 'input'
      ? [
          {
            opType: 'Cast',
            input: ['x'],
            output: ['x_float'],
            attribute: [{ name: 'to', type: AttributeType.INT, i: float }],
          },
        ]
      : [];
  const nodes: onnx.INodeProto[] = [
    ...castInput,
    { opType: 'Conv', input: [castInput.length > 0 ? 'x_float' : 'x', 'w'], output: ['spread'] },
    {
      opType: 'DepthToSpace',
      input: ['spread'],
      output: ['nearest'],
      attribute: [
        { name: 'blocksize', type: AttributeType.INT, i: scale },
        { name: 'mode', type: AttributeType.STRING, s: new TextEncoder().encode('CRD') },
      ],
    },
    { opType: 'Mul', input: ['nearest', 'nearest'], output: ['squared'] },
    {
      opType: 'Mul',
      input: ['squared', 'inverse_range'],
      output: [spec.extra === undefined ? 'y' : 'y_plain'],
    },
    ...(spec.extra?.node ?? []),
  ];
  return ModelProto.encode({
    irVersion: 7,
    producerName: 'yonos-tests',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'sr',
      node: nodes,
      initializer: [
        tensor('w', [3 * scale * scale, 3, 1, 1], weights),
        tensor('inverse_range', [1], Float32Array.of(1 / range)),
        ...(spec.extra?.initializer ?? []),
      ],
      input: [valueInfo('x', input, spec.float16 === undefined ? float : half)],
      output: [valueInfo('y', output, spec.float16 === 'all' ? half : float)],
    },
  }).finish();
}

function scaled(dim: Dim | undefined, scale: number): Dim {
  return typeof dim === 'number' ? dim * scale : `${dim ?? 'D'}_x${scale}`;
}

export function floatTensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: float,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function halfTensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  const bits = toFloat16(data);
  return {
    name,
    dims,
    dataType: half,
    rawData: new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength),
  };
}

/** The 8-bit sample the model gives for input sample `value` (the test's reference). */
export const expectedSample = (value: number): number => Math.round(255 * (value / 255) ** 2);

/** Crafted files the app must refuse, each with the start of its one-line refusal. */
export function badGraphs(): Record<string, { bytes: Uint8Array; error: RegExp }> {
  const good = srGraph({ scale: 2 });
  return {
    'truncated.onnx': {
      bytes: good.subarray(0, Math.floor(good.length * 0.6)),
      error: /not an ONNX model, or it is truncated/,
    },
    'huge-shape.onnx': {
      bytes: srGraph({ scale: 2, input: [1, 3, 100_000, 100_000] }),
      error: /fixed at 100000×100000 px, more than 2048/,
    },
    'vector-output.onnx': {
      bytes: srGraph({
        scale: 2,
        output: ['N', 3],
        extra: {
          node: [
            {
              opType: 'ReduceMean',
              input: ['y_plain'],
              output: ['y'],
              attribute: [
                { name: 'axes', type: AttributeType.INTS, ints: [2, 3] },
                { name: 'keepdims', type: AttributeType.INT, i: 0 },
              ],
            },
          ],
        },
      }),
      error: /output y has rank 2, not an image/,
    },
    'rank-3-input.onnx': {
      bytes: srGraph({ scale: 2, input: [3, 'H', 'W'] }),
      error: /input x has rank 3, not an image/,
    },
    'custom-op.onnx': {
      bytes: srGraph({
        scale: 2,
        extra: {
          node: [
            {
              opType: 'MagicUpscale',
              domain: 'com.example.custom',
              input: ['y_plain'],
              output: ['y'],
            },
          ],
        },
      }),
      error: /node MagicUpscale is a custom operator \(domain "com\.example\.custom"\)/,
    },
    'unknown-op.onnx': {
      bytes: srGraph({
        scale: 2,
        extra: { node: [{ opType: 'NotARealOperator', input: ['y_plain'], output: ['y'] }] },
      }),
      error: /onnxruntime cannot load it/,
    },
    'not-upscaling.onnx': {
      bytes: srGraph({ scale: 1 }),
      error: /it scales ×1; Yonos upscales ×2, ×4 or ×8/,
    },
    'memory-hog.onnx': {
      // A 256 MB tensor made at run time, then a loop that never ends, folded into the output as zero:
      // the probe must stop it at the cap, not wait for it.
      bytes: srGraph({
        scale: 2,
        extra: {
          node: [
            {
              opType: 'ConstantOfShape',
              input: ['hog_shape'],
              output: ['hog'],
              attribute: [
                {
                  name: 'value',
                  type: AttributeType.TENSOR,
                  t: floatTensor('v', [1], Float32Array.of(1)),
                },
              ],
            },
            {
              opType: 'ReduceMax',
              input: ['hog'],
              output: ['hog_max'],
              attribute: [{ name: 'keepdims', type: AttributeType.INT, i: 0 }],
            },
            {
              opType: 'Loop',
              input: ['forever', 'keep_going', 'hog_max'],
              output: ['spun'],
              attribute: [{ name: 'body', type: AttributeType.GRAPH, g: idleLoopBody() }],
            },
            { opType: 'Mul', input: ['spun', 'zero'], output: ['nothing'] },
            { opType: 'Add', input: ['y_plain', 'nothing'], output: ['y'] },
          ],
          initializer: [
            { name: 'hog_shape', dims: [4], dataType: int64, int64Data: [1, 64, 1024, 1024] },
            { name: 'forever', dims: [], dataType: int64, int64Data: [1e15] },
            { name: 'keep_going', dims: [], dataType: bool, int32Data: [1] },
            floatTensor('zero', [1], Float32Array.of(0)),
          ],
        },
      }),
      error: /needed more than the memory cap \(200 MB\)/,
    },
  };
}

/** A Loop body that passes its value through unchanged, as long as it is asked to. */
function idleLoopBody(): onnx.IGraphProto {
  return {
    name: 'idle',
    node: [
      { opType: 'Identity', input: ['cond_in'], output: ['cond_out'] },
      { opType: 'Identity', input: ['v_in'], output: ['v_out'] },
    ],
    input: [valueInfo('i', [], int64), valueInfo('cond_in', [], bool), valueInfo('v_in', [])],
    output: [valueInfo('cond_out', [], bool), valueInfo('v_out', [])],
  };
}

export async function writeGraph(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}
