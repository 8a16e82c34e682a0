/** What graph-inspect.ts reads from an ONNX file as data, and the one-line refusals no crafted file gets past. */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { inspectGraph } from '../../main/engine/graph-inspect.js';
import { srGraph, valueInfo } from '../support/graph-models.js';

const { ModelProto, NodeProto, OperatorSetIdProto, TensorProto } = onnxProto.onnx;
const { AttributeType } = onnxProto.onnx.AttributeProto;

/** The ×2 test graph, edited as a decoded message and encoded again. */
function edited(edit: (model: onnxProto.onnx.ModelProto) => void): Uint8Array {
  const model = ModelProto.decode(srGraph({ scale: 2 }));
  edit(model);
  return ModelProto.encode(model).finish();
}

describe('inspectGraph', () => {
  it('reads the opset and the image input and output', () => {
    expect(inspectGraph(srGraph({ scale: 4, input: [1, 3, 64, 48] }))).toEqual({
      opset: 13,
      input: { name: 'x', shape: [1, 3, 64, 48], type: 'float32' },
      output: { name: 'y', shape: [1, 3, 256, 192], type: 'float32' },
    });
  });

  it('takes float16 image tensors, on either side', () => {
    const types = (float16: 'all' | 'input') => {
      const { input, output } = inspectGraph(srGraph({ scale: 2, float16 }));
      return [input.type, output.type];
    };
    expect(types('all')).toEqual(['float16', 'float16']);
    expect(types('input')).toEqual(['float16', 'float32']);
  });

  it.each([
    [
      'weights in an external file',
      (model: onnxProto.onnx.ModelProto) => {
        const [weights] = model.graph?.initializer ?? [];
        if (weights === undefined) throw new Error('no initializer');
        weights.dataLocation = TensorProto.DataLocation.EXTERNAL;
        weights.externalData = [{ key: 'location', value: '../../etc/passwd' }];
      },
      /its weights are in a separate file \(w\); use a self-contained \.onnx file/,
    ],
    [
      'a float64 input',
      (model: onnxProto.onnx.ModelProto) => {
        model.graph?.input?.splice(0, 1, valueInfo('x', ['N', 3, 'H', 'W'], 11));
      },
      /its input x is float64; Yonos runs float32 and float16 graphs/,
    ],
    [
      'a bfloat16 output',
      (model: onnxProto.onnx.ModelProto) => {
        model.graph?.output?.splice(0, 1, valueInfo('y', ['N', 3, 'H2', 'W2'], 16));
      },
      /its output y is bfloat16; Yonos runs float32 and float16 graphs/,
    ],
    [
      'two inputs',
      (model: onnxProto.onnx.ModelProto) => {
        model.graph?.input?.push(valueInfo('mask', ['N', 1, 'H', 'W']));
      },
      /it takes 2 inputs; Yonos runs graphs with one image input/,
    ],
    [
      'a custom operator inside a subgraph',
      (model: onnxProto.onnx.ModelProto) => {
        const branch = {
          name: 'branch',
          node: [{ opType: 'Hidden', domain: 'evil.ops', input: ['x'], output: ['z'] }],
          output: [valueInfo('z', null)],
        };
        model.graph?.node?.push(
          NodeProto.create({
            opType: 'If',
            input: ['cond'],
            output: ['unused'],
            attribute: [
              { name: 'then_branch', type: AttributeType.GRAPH, g: branch },
              { name: 'else_branch', type: AttributeType.GRAPH, g: branch },
            ],
          }),
        );
      },
      /node Hidden is a custom operator \(domain "evil\.ops"\); Yonos loads no custom-op code/,
    ],
    [
      'no ONNX opset',
      (model: onnxProto.onnx.ModelProto) => {
        model.opsetImport = [OperatorSetIdProto.create({ domain: 'ai.onnx.ml', version: 3 })];
      },
      /it declares no ONNX opset/,
    ],
  ])('refuses %s in one line', (_name, edit, error) => {
    expect(() => inspectGraph(edited(edit))).toThrow(error);
    expect(() => inspectGraph(edited(edit))).toThrow(/^Cannot use this model: [^\n]+\.$/);
  });
});
