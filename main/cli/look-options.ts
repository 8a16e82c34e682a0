/** `--look` and `--strength`, shared by `yonos upscale` and `yonos jobs add`. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { looks, type Look } from '../engine/index.js';

export interface LookCliOptions {
  look?: Look;
  strength?: number;
}

export function addLookOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--look <look>', 'faithful (default), or detailed where the model has it').choices(
        looks,
      ),
    )
    .addOption(
      new Option(
        '--strength <s>',
        'how detailed, 0 (faithful) to 1 (the default); implies --look detailed',
      ).argParser(parseStrength),
    );
}

/** What the engine takes: `--strength` alone means the detailed look; with `--look faithful` it is a usage error. */
export function lookOptionsFrom({ look, strength }: LookCliOptions): LookCliOptions {
  if (strength === undefined) return look === undefined ? {} : { look };
  if (look === 'faithful') {
    throw new InvalidArgumentError('--strength applies to the detailed look, not --look faithful.');
  }
  return { look: 'detailed', strength };
}

function parseStrength(value: string): number {
  const strength = Number(value);
  if (value.trim() === '' || !(strength >= 0 && strength <= 1)) {
    throw new InvalidArgumentError('Strength is a number from 0 to 1.');
  }
  return strength;
}
