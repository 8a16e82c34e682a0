/** Looks in the package contract (yonos-model/1 and /2), the upscale options, and the CLI's --look/--strength. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { lookOptionsFrom } from '../../main/cli/look-options.js';
import { bakeStrength } from '../../main/engine/decoder-look.js';
import { parseManifest } from '../../main/engine/manifest.js';
import { decoderStrength, validateUpscaleOptions } from '../../main/engine/upscale-options.js';
import { fixtureModelsDir } from '../support/temp.js';

interface ManifestJson {
  format: string;
  looks?: string[];
  tensors: { decoder: { inputs: { name: string }[] } };
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as ManifestJson;
const faithfulOnly = read(path.join(fixtureModelsDir, 'yonos-tiny-x4', 'manifest.json'));
const twoLooks = read(path.resolve('test/fixtures/models-looks/yonos-tiny-looks-x4/manifest.json'));

function edited(manifest: ManifestJson, edit: (m: ManifestJson) => void): string {
  const copy = structuredClone(manifest);
  edit(copy);
  return JSON.stringify(copy);
}

describe('looks in the model contract', () => {
  it('reads a yonos-model/1 package as faithful only, and a /2 package’s declared looks', () => {
    expect(parseManifest(JSON.stringify(faithfulOnly)).looks).toEqual(['faithful']);
    const manifest = parseManifest(JSON.stringify(twoLooks));
    expect(manifest).toMatchObject({ format: 'yonos-model/2', looks: ['faithful', 'detailed'] });
    expect(manifest.tensors.decoder.inputs.map((t) => t.name)).toEqual(['z', 'lr', 'strength']);
  });

  it.each([
    [
      'a /2 package without looks',
      (m: ManifestJson) => {
        delete m.looks;
      },
      /looks/,
    ],
    [
      'looks without faithful',
      (m: ManifestJson) => {
        m.looks = ['detailed'];
      },
      /must include faithful/,
    ],
    [
      'a detailed look without the strength input',
      (m: ManifestJson) => {
        m.tensors.decoder.inputs = m.tensors.decoder.inputs.slice(0, 2);
      },
      /tensors.decoder has inputs \[z, lr\], expected \[z, lr, strength\]/,
    ],
    [
      'a faithful-only package with a strength input',
      (m: ManifestJson) => {
        m.format = 'yonos-model/1';
        delete m.looks;
      },
      /tensors.decoder has inputs \[z, lr, strength\], expected \[z, lr\]/,
    ],
  ])('refuses %s', (_case, edit, message) => {
    expect(() => parseManifest(edited(twoLooks, edit))).toThrow(message);
  });
});

describe('look options', () => {
  const model = (looks: ('faithful' | 'detailed')[]) => ({ id: 'm', manifest: { looks } });

  it('feed 0 for faithful, the strength (default 1) for detailed, nothing to a faithful-only decoder', () => {
    const both = model(['faithful', 'detailed']);
    expect(decoderStrength(both, {})).toBe(0);
    expect(decoderStrength(both, { look: 'faithful' })).toBe(0);
    expect(decoderStrength(both, { look: 'detailed' })).toBe(1);
    expect(decoderStrength(both, { look: 'detailed', strength: 0.3 })).toBe(0.3);
    expect(decoderStrength(model(['faithful']), { look: 'faithful' })).toBeNull();
    expect(() => decoderStrength(model(['faithful']), { look: 'detailed' })).toThrow(
      'Model m has no detailed look (it has: faithful).',
    );
  });

  it('refuse a strength outside 0–1 or without the detailed look', () => {
    expect(() => {
      validateUpscaleOptions({ scale: 4, look: 'detailed', strength: 1.5 });
    }).toThrow(/0 to 1/);
    expect(() => {
      validateUpscaleOptions({ scale: 4, strength: 0.5 });
    }).toThrow(/detailed look only/);
    expect(() => {
      validateUpscaleOptions({ scale: 4, look: 'detailed', strength: 0 });
    }).not.toThrow();
  });

  it('on the command line, --strength alone means the detailed look', () => {
    expect(lookOptionsFrom({})).toEqual({});
    expect(lookOptionsFrom({ look: 'faithful' })).toEqual({ look: 'faithful' });
    expect(lookOptionsFrom({ strength: 0.5 })).toEqual({ look: 'detailed', strength: 0.5 });
    expect(() => lookOptionsFrom({ look: 'faithful', strength: 0.5 })).toThrow(/detailed look/);
  });
});

describe('baking a strength into the two-look decoder', () => {
  const { onnx } = onnxProto;
  const decoderFile = path.resolve('test/fixtures/models-looks/yonos-tiny-looks-x4/decoder.onnx');
  const decoder = readFileSync(decoderFile);

  it('turns the strength input into a constant of that value', () => {
    const graph = onnx.ModelProto.decode(bakeStrength(decoder, 0.25)).graph;
    expect(graph?.input?.map((input) => input.name)).toEqual(['z', 'lr']);
    const constant = graph?.initializer?.find((tensor) => tensor.name === 'strength');
    expect(constant).toMatchObject({
      dataType: onnx.TensorProto.DataType.FLOAT,
      floatData: [0.25],
    });
    expect(constant?.dims?.map(Number)).toEqual([1]);
  });

  it('refuses a decoder without the strength input, or with weights in external files', () => {
    const faithful = readFileSync(path.join(fixtureModelsDir, 'yonos-tiny-x4', 'decoder.onnx'));
    expect(() => bakeStrength(faithful, 1)).toThrow('the decoder has no strength input');
    const model = onnx.ModelProto.decode(decoder);
    const [weight] = model.graph?.initializer ?? [];
    if (weight === undefined) throw new Error('the fixture decoder has no weights');
    weight.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    const external = onnx.ModelProto.encode(model).finish();
    expect(() => bakeStrength(external, 1)).toThrow(/inside the .onnx file/);
  });
});
