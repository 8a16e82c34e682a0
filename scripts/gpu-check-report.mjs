// @ts-check
/**
 * The GPU check's helper (scripts/gpu-check.sh), run with the packed Node from
 * the packed app folder, so `sharp` resolves from its node_modules:
 *
 *   node gpu-check-report.mjs image <file.png> <width>x<height>
 *   node gpu-check-report.mjs parity <a.png> <b.png>      → JSON {maxAbs, meanAbs, psnr}
 *   node gpu-check-report.mjs summary <results-dir>       → markdown on stdout
 *   node gpu-check-report.mjs uses-webgpu <models.json>   → exit 0 when WebGPU is in use
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** JSON.parse, typed as what it is: unknown until asserted. */
const parseJson = /** @type {(text: string) => unknown} */ (JSON.parse);

/**
 * @typedef {{ provider: string, available: boolean, adapter: string | null, reason: string | null, ioBinding: boolean }} DeviceCheck
 * @typedef {{ device: { provider: string, adapter: string | null, checks: DeviceCheck[] } }} ModelsReport
 * @typedef {{ type: string, device: string, ms: number, width: number, height: number }} UpscaleEvent
 * @typedef {{ maxAbs: number, meanAbs: number, psnr: number | null }} Parity
 */

const [command, ...args] = process.argv.slice(2);
if (command === 'image') await writeImage(args[0] ?? 'in.png', args[1] ?? '768x512');
else if (command === 'parity')
  console.log(JSON.stringify(await parity(args[0] ?? '', args[1] ?? '')));
else if (command === 'summary') console.log(summary(args[0] ?? '.'));
else if (command === 'uses-webgpu') {
  const models = /** @type {ModelsReport} */ (parseJson(readFileSync(args[0] ?? '', 'utf8')));
  process.exitCode = models.device.provider === 'webgpu' ? 0 : 1;
} else throw new Error(`unknown command ${String(command)}`);

/** A photo-like test image: smooth shading, edges and fine texture. */
async function writeImage(/** @type {string} */ file, /** @type {string} */ size) {
  const [width = 768, height = 512] = size.split('x').map(Number);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      for (let c = 0; c < 3; c += 1) {
        const shade = 128 + 70 * Math.sin(x / 37 + c) * Math.cos(y / 29);
        const edge = (Math.floor(x / 48) + Math.floor(y / 48)) % 2 === 0 ? 25 : -25;
        const texture = 12 * Math.sin((x * 7 + y * 3 + c * 11) / 2.3);
        data[(y * width + x) * 3 + c] = Math.max(
          0,
          Math.min(255, Math.round(shade + edge + texture)),
        );
      }
    }
  }
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

async function parity(/** @type {string} */ a, /** @type {string} */ b) {
  const [left, right] = await Promise.all([a, b].map((file) => sharp(file).raw().toBuffer()));
  if (left?.length !== right?.length || left === undefined || right === undefined) {
    return { error: 'different sizes' };
  }
  let maxAbs = 0;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < left.length; i += 1) {
    const difference = Math.abs((left[i] ?? 0) - (right[i] ?? 0));
    maxAbs = Math.max(maxAbs, difference);
    sum += difference;
    squares += difference * difference;
  }
  const mse = squares / left.length;
  return {
    maxAbs,
    meanAbs: sum / left.length,
    psnr: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse),
  };
}

/** The check's results as markdown: device, parity, MP/s, and what went wrong. */
function summary(/** @type {string} */ dir) {
  const read = (/** @type {string} */ name) => {
    const file = path.join(dir, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : null;
  };
  /** @type {(name: string) => unknown} */
  const json = (name) => {
    const text = read(name);
    return text === null ? null : parseJson(text);
  };
  /** @type {(name: string) => UpscaleEvent[]} */
  const events = (name) =>
    (read(name) ?? '')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => /** @type {UpscaleEvent} */ (parseJson(line)));
  const out = ['# Yonos GPU check', ''];
  const models = /** @type {ModelsReport | null} */ (json('models.json'));
  if (models !== null) {
    const { device } = models;
    const checks = device.checks.map(
      (c) =>
        `${c.provider}: ${c.available ? `works${c.ioBinding ? ', IO binding' : ''}` : String(c.reason)}`,
    );
    out.push(
      `Device: **${device.provider}**${device.adapter ? ` on ${device.adapter}` : ''} (${checks.join('; ')})`,
      '',
    );
  }
  const runs = [
    [
      'upscale-webgpu.jsonl',
      '--device webgpu, its own plan (the first photo includes calibrating it)',
    ],
    ['upscale-webgpu-tile.jsonl', '--device webgpu, CPU tiling'],
    ['upscale-cpu.jsonl', '--device cpu'],
    ['upscale-lost.jsonl', 'webgpu, device lost after 4 runs'],
  ];
  out.push('| run | device per image | ms per image | output MP/s |', '| --- | --- | --- | --- |');
  for (const [file, label] of runs) {
    const done = events(file ?? '').filter((event) => event.type === 'done');
    if (done.length === 0) continue;
    const rates = done.map((event) => (event.width * event.height) / 1e3 / event.ms);
    out.push(
      `| ${label} | ${done.map((event) => event.device).join(', ')} | ` +
        `${done.map((event) => event.ms).join(', ')} | ${rates.map((rate) => rate.toFixed(2)).join(', ')} |`,
    );
  }
  out.push('');
  for (const [file, label] of [
    ['parity-default.json', 'webgpu (its own plan) vs cpu'],
    ['parity-tile.json', 'webgpu (CPU tiling) vs cpu'],
    ['parity-lost.json', 'device lost → cpu vs cpu'],
  ]) {
    const result = /** @type {Parity | null} */ (json(file ?? ''));
    if (result === null) continue;
    const psnr = result.psnr === null ? 'identical' : `PSNR ${result.psnr.toFixed(1)} dB`;
    out.push(
      `- Parity, ${label}: max ${result.maxAbs} levels, mean ${result.meanAbs.toFixed(4)}, ${psnr}`,
    );
  }
  out.push('');
  for (const name of ['bench-webgpu', 'bench-webgpu-host', 'bench-cpu']) {
    if (read(`${name}.json`) === null) continue;
    out.push(`## ${name}`, '', read(`${name}.md`) ?? '', '');
  }
  const native = (read('native-stderr.txt') ?? '').trim();
  out.push(
    native === ''
      ? 'Native warnings on the terminal: none.'
      : `Native warnings on the terminal:\n\n${native}`,
  );
  return out.join('\n');
}
