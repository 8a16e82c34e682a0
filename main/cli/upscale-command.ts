import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { parseScale, type Scale } from './options.js';

export function upscaleCommand(): Command {
  return new Command('upscale')
    .description('Upscale photos with the built-in model (planned: the engine is not built yet)')
    .argument('<images...>', 'photos to upscale')
    .option('-s, --scale <factor>', 'upscale factor: 2, 4 or 8', parseScale, 4 satisfies Scale)
    .option('-o, --out <dir>', 'output folder (default: next to each photo)')
    .action(function (this: Command, images: string[]) {
      const missing = images.filter((image) => !existsSync(image));
      if (missing.length > 0) {
        this.error(`No such file: ${missing.join(', ')}`);
      }
      this.error(
        'yonos upscale is planned but the inference engine is not built yet; nothing was written.',
      );
    });
}
