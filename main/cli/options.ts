import { InvalidArgumentError } from 'commander';

export const supportedScales = [2, 4, 8] as const;
export type Scale = (typeof supportedScales)[number];

export function parseScale(value: string): Scale {
  const scale = supportedScales.find((candidate) => String(candidate) === value);
  if (scale === undefined) {
    throw new InvalidArgumentError(`Choose one of ${supportedScales.join(', ')}.`);
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
