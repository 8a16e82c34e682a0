/**
 * Two tiny ONNX graphs the engine builds itself (a few hundred bytes of
 * protobuf, so no file ships and no ONNX library is needed):
 *
 * - `copy`: y = Identity(x). Run with its output on the GPU it is an upload,
 *   fed a GPU tensor with its output on the host it is a download, so the
 *   transfers are separate, measurable calls.
 * - `ddim`: z' = a·z + b·v, the DDIM update (schedule.ts) as one
 *   multiply-add, so the latent need not visit the host between U-Net calls.
 *
 * Both also serve the device probe: a session that runs them on a provider
 * shows that the provider works, and that its tensors can stay on the device.
 */

/** The ONNX opset whose Identity, Mul and Add we use (all unchanged since). */
const opset = 13;
const float = 1;

export type GraphBytes = Uint8Array;

/** y = x for float tensors of any shape. */
export function copyGraph(): GraphBytes {
  return model('yonos-copy', [node('Identity', ['x'], ['y'])], [tensor('x'), tensor('y')]);
}

/** z' = a·z + b·v; z and v of any (equal) shape, a and b of shape [1]. */
export function ddimGraph(): GraphBytes {
  return model(
    'yonos-ddim',
    [
      node('Mul', ['z', 'a'], ['az']),
      node('Mul', ['v', 'b'], ['bv']),
      node('Add', ['az', 'bv'], ['z_next']),
    ],
    [tensor('z'), tensor('v'), tensor('a', [1]), tensor('b', [1]), tensor('z_next')],
    4,
  );
}

// --- protobuf, as much as onnx.proto's ModelProto needs ---

type Field = Uint8Array;

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function key(field: number, wireType: 0 | 2): number[] {
  return varint(field * 8 + wireType);
}

function intField(field: number, value: number): Field {
  return Uint8Array.from([...key(field, 0), ...varint(value)]);
}

function bytesField(field: number, content: Uint8Array): Field {
  return Uint8Array.from([...key(field, 2), ...varint(content.length), ...content]);
}

function stringField(field: number, value: string): Field {
  return bytesField(field, new TextEncoder().encode(value));
}

function message(...fields: Field[]): Uint8Array {
  const out = new Uint8Array(fields.reduce((sum, field) => sum + field.length, 0));
  let offset = 0;
  for (const field of fields) {
    out.set(field, offset);
    offset += field.length;
  }
  return out;
}

/** NodeProto: input = 1, output = 2, op_type = 4. */
function node(op: string, inputs: string[], outputs: string[]): Field {
  return message(
    ...inputs.map((name) => stringField(1, name)),
    ...outputs.map((name) => stringField(2, name)),
    stringField(4, op),
  );
}

/**
 * ValueInfoProto (name = 1, type = 2) of a float tensor; without `dims`, of
 * rank 4 with symbolic sizes. TypeProto.tensor_type = 1 { elem_type = 1,
 * shape = 2 { dim = 1 { dim_value = 1 | dim_param = 2 } } }.
 */
function tensor(name: string, dims?: number[]): Field {
  const dimensions = (dims ?? ['n', 'c', 'h', 'w']).map((dim) =>
    bytesField(1, typeof dim === 'number' ? intField(1, dim) : stringField(2, `${name}_${dim}`)),
  );
  const tensorType = message(intField(1, float), bytesField(2, message(...dimensions)));
  return message(stringField(1, name), bytesField(2, bytesField(1, tensorType)));
}

/**
 * ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8.
 * GraphProto: node = 1, name = 2, input = 11, output = 12. The first
 * `inputs` of `values` are the graph's inputs, the rest its outputs.
 */
function model(name: string, nodes: Field[], values: Field[], inputs = 1): GraphBytes {
  const graph = message(
    ...nodes.map((entry) => bytesField(1, entry)),
    stringField(2, name),
    ...values.slice(0, inputs).map((value) => bytesField(11, value)),
    ...values.slice(inputs).map((value) => bytesField(12, value)),
  );
  return message(
    intField(1, 7),
    stringField(2, 'yonos'),
    bytesField(7, graph),
    bytesField(8, message(stringField(1, ''), intField(2, opset))),
  );
}
