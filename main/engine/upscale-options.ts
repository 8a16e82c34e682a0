import { scales, tileLimits } from '../../common/contract.js';
import { looks, type Look, type ModelManifest } from './manifest.js';
import { outputFormats, type UpscaleOptions } from './types.js';

/** Throws a user-readable Error for options no model could honour. */
export function validateUpscaleOptions(options: UpscaleOptions): void {
  const { scale, steps, tile, format, quality, seed, look, strength } = options;
  if (!scales.includes(scale)) throw new Error(`Scale must be 2, 4 or 8, not ${String(scale)}.`);
  checkInteger('steps', steps, 1, 1000);
  checkInteger('tile', tile, tileLimits.min, tileLimits.max);
  checkInteger('quality', quality, 1, 100);
  checkInteger('seed', seed, 0, 2 ** 32 - 1);
  if (format !== undefined && !outputFormats.includes(format)) {
    throw new Error(`Output format must be one of ${outputFormats.join(', ')}, not ${format}.`);
  }
  if (look !== undefined && !looks.includes(look)) {
    throw new Error(`Look must be one of ${looks.join(', ')}, not ${look}.`);
  }
  if (strength !== undefined && !(strength >= 0 && strength <= 1)) {
    throw new Error(`Strength must be a number from 0 to 1, not ${strength}.`);
  }
  if (strength !== undefined && look !== 'detailed') {
    throw new Error('Strength applies to the detailed look only; add --look detailed.');
  }
}

/** Throws a one-line Error when the look is one the model does not have. */
export function checkLookAvailable(
  model: { id: string; manifest: Pick<ModelManifest, 'looks'> },
  look: Look | undefined,
): void {
  if (look !== undefined && !model.manifest.looks.includes(look)) {
    throw new Error(
      `Model ${model.id} has no ${look} look (it has: ${model.manifest.looks.join(', ')}).`,
    );
  }
}

/**
 * The decoder's `strength` for these options (baked into its session, see
 * decoder-look.ts): 0 for the faithful look, the chosen strength (default 1)
 * for the detailed one, and null for a faithful-only model, whose decoder has
 * no such input.
 */
export function decoderStrength(
  model: { id: string; manifest: Pick<ModelManifest, 'looks'> },
  options: Pick<UpscaleOptions, 'look' | 'strength'>,
): number | null {
  checkLookAvailable(model, options.look);
  if (!model.manifest.looks.includes('detailed')) return null;
  return options.look === 'detailed' ? (options.strength ?? 1) : 0;
}

function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${value}.`);
  }
}
