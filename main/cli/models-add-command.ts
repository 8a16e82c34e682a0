/** `yonos models add FILE.onnx`: installs a single-graph ONNX model (see main/engine/model-add.ts). */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ModelCard } from '../../common/contract.js';
import { appOptionsFrom, print, withApp, type EngineCliOptions } from './app-options.js';

interface ModelsAddOptions extends EngineCliOptions {
  json?: boolean;
  name?: string;
  scale?: 2 | 4 | 8;
  range?: 1 | 255;
  memoryCap?: number;
}

export function modelsAddCommand(): Command {
  return new Command('add')
    .description(
      'Install a single-graph ONNX super-resolution model (image in, image out, NCHW float RGB) ' +
        'in the user models folder, after checking and probing it',
    )
    .argument('<file>', 'the .onnx file')
    .option(
      '--name <name>',
      "name shown in the app (default: the file's name); the id is made from it",
    )
    .addOption(
      new Option('--scale <n>', 'expected scale, checked by the probe')
        .choices(['2', '4', '8'])
        .argParser(Number),
    )
    .addOption(
      new Option('--range <max>', 'pixel range the graph works in: 1 for 0–1, 255 for 0–255')
        .choices(['1', '255'])
        .default(1, '1')
        .argParser(Number),
    )
    .option(
      '--memory-cap <MB>',
      "most memory the probe run may use (default: half the machine's)",
      parseMegabytes,
    )
    .action(async function (this: Command, file: string) {
      // The parent's options (--data-dir, --models, --json) may come before or after `add`.
      const options = this.optsWithGlobals<ModelsAddOptions>();
      const card = await withApp(this, appOptionsFrom(options), (services) =>
        services.modelsAdd({
          path: file,
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.scale === undefined ? {} : { scale: options.scale }),
          ...(options.range === undefined ? {} : { range: options.range }),
          ...(options.memoryCap === undefined ? {} : { memoryCapMb: options.memoryCap }),
        }),
      );
      print(options, card, () => describeAdded(card));
    });
}

function describeAdded(card: ModelCard): string {
  const facts = card.facts.map((fact) => `  ${fact.label.toLowerCase()}: ${fact.value}`);
  return [`Added ${card.id}  ×${card.scale}  ${card.name}`, `  folder: ${card.dir}`, ...facts].join(
    '\n',
  );
}

function parseMegabytes(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 64) {
    throw new InvalidArgumentError('Expected a whole number of megabytes, at least 64.');
  }
  return number;
}
