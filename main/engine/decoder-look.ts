/**
 * Bakes a look's strength into a two-look decoder (native-models/CONTRACT.md,
 * "Looks") before its session is created.
 *
 * Why: the graph blends every weight as (1 − strength)·θ_faithful +
 * strength·θ_detailed. Fed as an input, the strength makes those weights run-time
 * values, so onnxruntime recomputes them on every call and cannot pre-pack them
 * (14–35 % slower on the CPU). As a constant initializer instead, the blend is
 * constant-folded once when the session is created, and the session runs at the
 * speed of a faithful-only decoder, with the same outputs.
 */
import onnxProto from 'onnx-proto';
import { strengthInput } from './manifest.js';

const { onnx } = onnxProto;
const external = onnx.TensorProto.DataLocation.EXTERNAL;

/**
 * The decoder graph `onnxBytes` with its `strength` input replaced by a
 * constant of this value. Throws when the graph has no such input, or keeps
 * weights in external files (the edited graph is loaded from memory, where
 * those files cannot be found).
 */
export function bakeStrength(onnxBytes: Uint8Array, strength: number): Uint8Array {
  const model = onnx.ModelProto.decode(onnxBytes);
  const { graph } = model;
  const inputs = graph?.input ?? [];
  const initializers = graph?.initializer ?? [];
  if (graph == null || !inputs.some((input) => input.name === strengthInput)) {
    throw new Error(`the decoder has no ${strengthInput} input to bake a look into`);
  }
  if (initializers.some((tensor) => tensor.dataLocation === external)) {
    throw new Error(
      'a two-look decoder must keep its weights inside the .onnx file, not in external data files',
    );
  }
  // An initializer that is also a graph input may be overridden at run time, so is never folded: drop the input.
  graph.input = inputs.filter((input) => input.name !== strengthInput);
  graph.initializer = [
    ...initializers,
    onnx.TensorProto.create({
      name: strengthInput,
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [1],
      floatData: [strength],
    }),
  ];
  return onnx.ModelProto.encode(model).finish();
}
