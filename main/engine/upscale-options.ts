import { outputFormats, type UpscaleOptions } from './types.js';

/** Throws a user-readable Error for options no model could honour. */
export function validateUpscaleOptions(options: UpscaleOptions): void {
  const { scale, steps, tile, format, quality, seed } = options;
  if (![2, 4, 8].includes(scale)) throw new Error(`Scale must be 2, 4 or 8, not ${String(scale)}.`);
  checkInteger('steps', steps, 1, 1000);
  checkInteger('tile', tile, 8, 4096);
  checkInteger('quality', quality, 1, 100);
  checkInteger('seed', seed, 0, 2 ** 32 - 1);
  if (format !== undefined && !outputFormats.includes(format)) {
    throw new Error(`Output format must be one of ${outputFormats.join(', ')}, not ${format}.`);
  }
}

function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${value}.`);
  }
}
