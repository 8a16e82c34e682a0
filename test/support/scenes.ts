/**
 * Photo-like test images for the UI tests and the README screenshots:
 * landscapes drawn as SVG (sky, sun, mountain ranges fading into the haze, a
 * lake reflecting them) and rendered to JPEG by sharp, different per seed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

const palettes = [
  { sky: ['#1d3b6e', '#f2a65a'], sun: '#ffe2a8', hills: ['#6b4f6e', '#43365a', '#1f1b33'] },
  { sky: ['#5d9ad6', '#cfe6f5'], sun: '#fffbe8', hills: ['#7aa0b8', '#4d7a5a', '#22402c'] },
  { sky: ['#2b1e3f', '#e86f68'], sun: '#ffd0a0', hills: ['#8a4f6a', '#553050', '#241530'] },
  { sky: ['#8fb8d8', '#f3e9d2'], sun: '#ffffff', hills: ['#a9b9c4', '#6f8798', '#36505f'] },
  { sky: ['#0f2a3f', '#5fa3a3'], sun: '#e8fff6', hills: ['#3f6f73', '#27494f', '#0f2328'] },
];

/** A small deterministic random source, so every seed draws the same scene. */
function random(seed: number): () => number {
  let state = seed * 2654435761;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function ridge(next: () => number, width: number, base: number, height: number): string {
  const points: string[] = [`0,${base}`];
  for (let x = 0; x <= width; x += width / 24) {
    points.push(`${x.toFixed(1)},${(base - next() * height).toFixed(1)}`);
  }
  return [...points, `${width},${base + height}`, `0,${base + height}`].join(' ');
}

export function sceneSvg(width: number, height: number, seed: number): string {
  const next = random(seed + 1);
  const palette = palettes[seed % palettes.length] ?? palettes[0];
  if (palette === undefined) throw new Error('no palette');
  const horizon = height * (0.55 + next() * 0.1);
  const sunX = width * (0.2 + next() * 0.6);
  const sunY = horizon * (0.35 + next() * 0.4);
  const ranges = palette.hills
    .map((colour, index) => {
      const base = horizon - height * 0.12 * (2 - index);
      return `<polygon points="${ridge(next, width, base + height * 0.12, height * (0.12 + index * 0.05))}" fill="${colour}"/>`;
    })
    .join('');
  const waterTop = horizon + height * 0.12;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="${palette.sky[0]}"/><stop offset="1" stop-color="${palette.sky[1]}"/>
      </linearGradient>
      <radialGradient id="glow"><stop offset="0" stop-color="${palette.sun}" stop-opacity="0.9"/>
        <stop offset="1" stop-color="${palette.sun}" stop-opacity="0"/></radialGradient>
      <linearGradient id="water" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="${palette.sky[1]}" stop-opacity="0.55"/>
        <stop offset="1" stop-color="${palette.sky[0]}"/>
      </linearGradient>
    </defs>
    <rect width="${width}" height="${height}" fill="url(#sky)"/>
    <circle cx="${sunX}" cy="${sunY}" r="${height * 0.3}" fill="url(#glow)"/>
    <circle cx="${sunX}" cy="${sunY}" r="${height * 0.05}" fill="${palette.sun}"/>
    ${ranges}
    <rect y="${waterTop}" width="${width}" height="${height - waterTop}" fill="url(#water)"/>
  </svg>`;
}

/** Writes a landscape JPEG; a little noise makes it look like a photo rather than a drawing. */
export async function writeScene(
  file: string,
  { width = 480, height = 320, seed = 0 }: { width?: number; height?: number; seed?: number } = {},
): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const drawn = await sharp(Buffer.from(sceneSvg(width, height, seed)))
    .removeAlpha()
    .raw()
    .toBuffer();
  const next = random(seed + 99);
  for (let index = 0; index < drawn.length; index++) {
    drawn[index] = Math.max(
      0,
      Math.min(255, (drawn[index] ?? 0) + Math.round((next() - 0.5) * 10)),
    );
  }
  const jpeg = await sharp(drawn, { raw: { width, height, channels: 3 } })
    .blur(0.6)
    .jpeg({ quality: 90 })
    .toBuffer();
  await writeFile(file, jpeg);
  return file;
}
