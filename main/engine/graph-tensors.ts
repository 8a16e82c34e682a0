/**
 * A single graph's image tensors at the ONNX Runtime boundary: the pipeline
 * and the probe work in float32; a float16 input gets its pixels as half bits
 * and a float16 output is read back to float32 (float16.ts).
 */
import ort from 'onnxruntime-node';
import { fromFloat16, toFloat16 } from './float16.js';
import type { ImageType } from './graph-inspect.js';

export function imageTensor(
  type: ImageType,
  data: Float32Array,
  dims: readonly number[],
): ort.Tensor {
  return type === 'float16'
    ? new ort.Tensor('float16', toFloat16(data), dims)
    : new ort.Tensor('float32', data, dims);
}

/** The output's pixels as float32; null when it is neither float32 nor float16. */
export function imagePixels(tensor: ort.Tensor): Float32Array | null {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return fromFloat16(tensor.data as Uint16Array);
  return null;
}
