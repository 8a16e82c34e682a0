/**
 * The second package kind of the model contract (native-models/CONTRACT.md,
 * "Single-graph packages"): `yonos-graph/1`, one ONNX graph that maps an RGB
 * image to an RGB image `scale` times larger (Real-ESRGAN, 4x-UltraSharp and
 * the like). `yonos models add` writes the manifest after probing the graph
 * (graph-probe.ts); the registry loads it beside the YONOS packages.
 */
import { z } from 'zod';
import type { Look, ModelManifest } from './manifest.js';

export const graphFormat = 'yonos-graph/1';

/** The largest fixed input side accepted: tiles are padded to it, so it bounds each call's memory. */
export const largestFixedSide = 2048;

const positiveInt = z.int().positive();
const dimension = z.union([positiveInt, z.string().min(1)]);

const tensorSchema = z.object({
  name: z.string().min(1),
  /** NCHW as the graph declares it: a number where fixed, a symbol where dynamic. */
  shape: z.tuple([dimension, dimension, dimension, dimension]),
  /** Its element type; packages added before float16 graphs were taken have none: float32. */
  type: z.enum(['float32', 'float16']).default('float32'),
});

const graphManifestSchema = z
  .looseObject({
    format: z.literal(graphFormat),
    id: z.string().regex(/^[a-z0-9._-]+$/, 'must match [a-z0-9._-]+'),
    name: z.string().min(1),
    version: z.string().min(1),
    scale: z.union([z.literal(2), z.literal(4), z.literal(8)]),
    file: z.string().regex(/^[^/\\]+\.onnx$/, 'must be a file name ending in .onnx'),
    input: tensorSchema,
    output: tensorSchema,
    /** The pixel range the graph reads and writes: 1 for [0, 1], 255 for [0, 255]. */
    range: z.union([z.literal(1), z.literal(255)]),
    opset: positiveInt,
    tiling: z
      .object({ tile: positiveInt, overlap: z.int().min(0), multiple: positiveInt })
      .refine((t) => t.tile % t.multiple === 0, { error: 'tile must be a multiple of multiple' })
      .refine((t) => t.overlap < t.tile / 2, { error: 'overlap must be less than tile / 2' }),
    source: z.looseObject({ file: z.string(), sha256: z.string() }).optional(),
    probe: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((m) => fixedSize(m.input) === null || fixedSide(m.input) <= largestFixedSide, {
    error: `a fixed input size must be at most ${largestFixedSide} px`,
    path: ['input', 'shape'],
  });

/**
 * A parsed single-graph manifest. `looks` is always faithful-only: the graph
 * as it is (so look options behave as for a `yonos-model/1` package).
 */
export type GraphManifest = z.infer<typeof graphManifestSchema> & { looks: Look[] };

/** Either package kind, as the registry holds it. */
export type AnyManifest = ModelManifest | GraphManifest;

/** The package's ONNX files, relative to its folder. */
export function modelFiles(manifest: AnyManifest): string[] {
  return isGraphManifest(manifest) ? [manifest.file] : Object.values(manifest.files);
}

/** A YONOS (three-graph) manifest, or a one-line error for a single-graph package. */
export function yonosManifest(model: { id: string; manifest: AnyManifest }): ModelManifest {
  if (isGraphManifest(model.manifest)) {
    throw new Error(`Model ${model.id} is a single graph, not a YONOS package.`);
  }
  return model.manifest;
}

export function isGraphManifest(manifest: Pick<AnyManifest, 'format'>): manifest is GraphManifest {
  return manifest.format === graphFormat;
}

/** Whether manifest JSON text declares the single-graph format (else it is a YONOS package). */
export function declaresGraphFormat(json: unknown): boolean {
  return (
    typeof json === 'object' && json !== null && 'format' in json && json.format === graphFormat
  );
}

export function parseGraphManifest(json: unknown): GraphManifest {
  const result = graphManifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`manifest.json breaks the ${graphFormat} contract: ${problems.join('; ')}`);
  }
  return { ...result.data, looks: ['faithful'] };
}

type Shape = z.infer<typeof tensorSchema>;

/** The fixed input [height, width], or null when either side is dynamic. */
export function fixedSize({ shape }: Shape): { height: number; width: number } | null {
  const [, , height, width] = shape;
  return typeof height === 'number' && typeof width === 'number' ? { height, width } : null;
}

function fixedSide(input: Shape): number {
  const size = fixedSize(input);
  return size === null ? 0 : Math.max(size.height, size.width);
}

/** The fixed batch size, or null when the graph takes any batch. */
export function fixedBatch({ shape }: Shape): number | null {
  const [batch] = shape;
  return typeof batch === 'number' ? batch : null;
}

/** The DDIM steps a package runs by default: its schedule's; a single graph has no steps (1). */
export function defaultSteps(manifest: AnyManifest): number {
  return isGraphManifest(manifest) ? 1 : manifest.schedule.default_steps;
}

/** Throws a one-line Error for options a single graph cannot honour: it has no diffusion steps. */
export function checkGraphOptions(
  model: { id: string; manifest: Pick<AnyManifest, 'format'> },
  options: { steps?: number },
): void {
  if (isGraphManifest(model.manifest) && options.steps !== undefined && options.steps !== 1) {
    throw new Error(`Model ${model.id} is a single graph: it has no diffusion steps to set.`);
  }
}
