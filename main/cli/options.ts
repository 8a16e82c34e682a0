import { InvalidArgumentError, Option } from 'commander';
import {
  defaultNameTemplate,
  outputFormats,
  scales,
  tileLimits,
  type Scale,
} from '../../common/contract.js';

export type { Scale };

/**
 * The options the upscaling commands (upscale, jobs add, watch, eval) share:
 * one wording and one default each, so no command differs by accident.
 */
export const upscaleOptions = {
  scale: () =>
    new Option('-s, --scale <factor>', 'upscale factor: 2, 4 or 8')
      .argParser(parseScale)
      .default(4 satisfies Scale),
  out: () => new Option('-o, --out <dir>', 'output folder (default: beside each photo)'),
  model: () => new Option('--model <id>', 'model id (default: the first installed for the scale)'),
  format: () =>
    new Option(
      '--format <format>',
      'output format (default: the input’s; PNG for GIF and HEIC)',
    ).choices(outputFormats),
  name: () =>
    new Option('--name <template>', 'output name; {name} and {scale} are replaced').default(
      defaultNameTemplate,
    ),
  quality: () =>
    new Option('--quality <q>', 'jpg/webp/avif quality, 1-100').argParser(parseQuality),
  steps: () =>
    new Option('--steps <n>', 'DDIM steps (default: the model’s, 1)').argParser(parsePositiveInt),
  tile: () =>
    new Option(
      '--tile <n>',
      `tile side in input pixels, ${tileLimits.min}-${tileLimits.max} (default: automatic)`,
    ).argParser(parseTile),
};

export function parseScale(value: string): Scale {
  const scale = scales.find((candidate) => String(candidate) === value);
  if (scale === undefined) {
    throw new InvalidArgumentError(`Choose one of ${scales.join(', ')}.`);
  }
  return scale;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('A port is a whole number from 0 to 65535.');
  }
  return port;
}

export function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError('Expected a whole number of at least 1.');
  }
  return number;
}

export function parseTile(value: string): number {
  const tile = Number(value);
  if (!Number.isInteger(tile) || tile < tileLimits.min || tile > tileLimits.max) {
    throw new InvalidArgumentError(
      `A tile is a whole number of pixels from ${tileLimits.min} to ${tileLimits.max}.`,
    );
  }
  return tile;
}

export function parseQuality(value: string): number {
  const quality = parsePositiveInt(value);
  if (quality > 100) throw new InvalidArgumentError('Quality is a whole number from 1 to 100.');
  return quality;
}
