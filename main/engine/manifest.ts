/**
 * The model manifest (native-models/CONTRACT.md) as a zod schema, so a bad
 * model package is refused with the rule it breaks rather than failing
 * somewhere inside ONNX Runtime. `yonos-model/1` packages have one look
 * (faithful); `yonos-model/2` ones declare their looks, and with a detailed
 * look their decoder takes a `strength` input.
 */
import { z } from 'zod';

const positiveInt = z.int().positive();

const tensorSpec = z.looseObject({
  name: z.string().min(1),
  shape: z.array(z.union([z.string(), z.number()])),
  dtype: z.literal('float32'),
});

const graphSpec = z.looseObject({
  inputs: z.array(tensorSpec).min(1),
  outputs: z.array(tensorSpec).min(1),
});

const onnxFileName = z
  .string()
  .regex(/^[^/\\]+\.onnx$/, 'must be a file name ending in .onnx, inside the model folder');

const tilingSchema = z
  .object({ tile: positiveInt, overlap: positiveInt, multiple: positiveInt })
  .refine((t) => t.tile % t.multiple === 0, { error: 'tile must be a multiple of multiple' })
  .refine((t) => t.overlap < t.tile / 2, { error: 'overlap must be less than tile / 2' });

const scheduleSchema = z
  .looseObject({
    type: z.literal('cosine-logsnr'),
    parameterization: z.literal('v'),
    logsnr_min: z.number(),
    logsnr_max: z.number(),
    default_steps: positiveInt,
  })
  .refine((s) => s.logsnr_min < s.logsnr_max, {
    error: 'logsnr_min must be less than logsnr_max',
  });

export const looks = ['faithful', 'detailed'] as const;
export type Look = (typeof looks)[number];

const looksSchema = z
  .array(z.enum(looks))
  .refine((declared) => declared.includes('faithful'), { error: 'must include faithful' })
  .refine((declared) => new Set(declared).size === declared.length, { error: 'must not repeat' });

const formatSchema = z.discriminatedUnion('format', [
  z.looseObject({ format: z.literal('yonos-model/1') }),
  z.looseObject({ format: z.literal('yonos-model/2'), looks: looksSchema }),
]);

const manifestSchema = z
  .looseObject({
    id: z.string().regex(/^[a-z0-9._-]+$/, 'must match [a-z0-9._-]+'),
    name: z.string().min(1),
    version: z.string(),
    scale: z.union([z.literal(2), z.literal(4), z.literal(8)]),
    latent: z.object({ factor: positiveInt, channels: positiveInt }),
    files: z.object({ encoder: onnxFileName, unet: onnxFileName, decoder: onnxFileName }),
    tensors: z.object({ encoder: graphSpec, unet: graphSpec, decoder: graphSpec }),
    schedule: scheduleSchema,
    tiling: tilingSchema,
    degradation: z.looseObject({ preset: z.string() }).optional(),
    training: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((m) => (m.tiling.multiple * m.scale) % m.latent.factor === 0, {
    error: 'tiling.multiple × scale must be a multiple of latent.factor (integral latent tiles)',
    path: ['tiling', 'multiple'],
  });

/** A parsed manifest; `looks` is filled in for `yonos-model/1` packages too (faithful only). */
export type ModelManifest = z.infer<typeof manifestSchema> & {
  format: 'yonos-model/1' | 'yonos-model/2';
  looks: Look[];
};
export type GraphName = keyof ModelManifest['files'];
export const graphNames: readonly GraphName[] = ['encoder', 'unet', 'decoder'];

/** The tensor names the engine feeds and reads: fixed by the contract. */
export const contractTensorNames: Record<GraphName, { inputs: string[]; outputs: string[] }> = {
  encoder: { inputs: ['lr'], outputs: ['z_l'] },
  unet: { inputs: ['z_t', 'z_l', 'logsnr'], outputs: ['v'] },
  decoder: { inputs: ['z', 'lr'], outputs: ['hr'] },
};

/** The decoder input that blends the looks: 0 = faithful, 1 = detailed. */
export const strengthInput = 'strength';

/** The contract's tensor names for this package: a decoder with a detailed look also takes `strength`. */
export function expectedTensorNames(
  manifest: Pick<ModelManifest, 'looks'>,
  graph: GraphName,
): { inputs: string[]; outputs: string[] } {
  const names = contractTensorNames[graph];
  if (graph !== 'decoder' || !manifest.looks.includes('detailed')) return names;
  return { inputs: [...names.inputs, strengthInput], outputs: names.outputs };
}

/** Parses manifest JSON text; throws an Error listing every broken rule. */
export function parseManifest(text: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`manifest.json is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  const format = formatSchema.safeParse(json);
  if (!format.success) throw contractError('yonos-model', format.error);
  const result = manifestSchema.safeParse(json);
  if (!result.success) throw contractError(format.data.format, result.error);
  const manifest: ModelManifest = {
    ...result.data,
    format: format.data.format,
    looks: format.data.format === 'yonos-model/2' ? format.data.looks : ['faithful'],
  };
  checkTensorNames(manifest);
  return manifest;
}

function contractError(contract: string, error: z.ZodError): Error {
  const problems = error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  return new Error(`manifest.json breaks the ${contract} contract: ${problems.join('; ')}`);
}

function checkTensorNames(manifest: ModelManifest): void {
  for (const graph of graphNames) {
    const declared = manifest.tensors[graph];
    const expected = expectedTensorNames(manifest, graph);
    const mismatch = namesMismatch(
      { inputs: declared.inputs.map((t) => t.name), outputs: declared.outputs.map((t) => t.name) },
      expected,
    );
    if (mismatch !== null) throw new Error(`manifest.json: tensors.${graph} ${mismatch}`);
  }
}

/** Describes how two input/output name lists differ, or null when they match as sets. */
export function namesMismatch(
  actual: { inputs: readonly string[]; outputs: readonly string[] },
  expected: { inputs: readonly string[]; outputs: readonly string[] },
): string | null {
  const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
    a.length === b.length && a.every((name) => b.includes(name));
  if (!sameSet(actual.inputs, expected.inputs)) {
    return `has inputs [${actual.inputs.join(', ')}], expected [${expected.inputs.join(', ')}]`;
  }
  if (!sameSet(actual.outputs, expected.outputs)) {
    return `has outputs [${actual.outputs.join(', ')}], expected [${expected.outputs.join(', ')}]`;
  }
  return null;
}
