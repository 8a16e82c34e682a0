/** The model inputs of a batch of tiles: the LR pixels and their window of the noise canvas. */
import { fillNoise } from './noise.js';
import type { PixelImage } from './pipeline.js';
import type { Tile } from './tiler.js';

export interface LatentSpec {
  factor: number;
  channels: number;
}

export interface TileInputs {
  /** N×3×h×w float32 in [0, 1]. */
  lr: Float32Array;
  /** N×C×h'×w' noise, the starting latent (empty for a single-graph model). */
  noise: Float32Array;
}

export function tileInputs(
  image: PixelImage,
  tiles: readonly Tile[],
  seed: number,
  latent: LatentSpec | null,
  scale: number,
): TileInputs {
  const noise = latent === null ? new Float32Array(0) : noiseForTiles(tiles, seed, latent, scale);
  return { lr: extractTiles(image, tiles), noise };
}

/** Reads past the image edge replicate the edge; grey becomes RGB. */
function extractTiles(image: PixelImage, tiles: readonly Tile[]): Float32Array {
  const [first] = tiles;
  if (first === undefined) return new Float32Array(0);
  const { width: tileWidth, height: tileHeight } = first;
  const plane = tileWidth * tileHeight;
  const out = new Float32Array(tiles.length * 3 * plane);
  const { width, height, channels, data } = image;
  const unit = 1 / (image.bits === 16 ? 65535 : 255);
  tiles.forEach((tile, n) => {
    const base = n * 3 * plane;
    for (let y = 0; y < tileHeight; y += 1) {
      const rowStart = Math.min(tile.y + y, height - 1) * width;
      for (let x = 0; x < tileWidth; x += 1) {
        const source = (rowStart + Math.min(tile.x + x, width - 1)) * channels;
        const target = base + y * tileWidth + x;
        for (let c = 0; c < 3; c += 1) {
          out[target + c * plane] = (data[source + (channels === 3 ? c : 0)] ?? 0) * unit;
        }
      }
    }
  });
  return out;
}

function noiseForTiles(
  tiles: readonly Tile[],
  seed: number,
  latent: LatentSpec,
  scale: number,
): Float32Array {
  const [first] = tiles;
  if (first === undefined) return new Float32Array(0);
  const height = (first.height * scale) / latent.factor;
  const width = (first.width * scale) / latent.factor;
  const z = new Float32Array(tiles.length * latent.channels * height * width);
  tiles.forEach((tile, n) => {
    fillNoise(z, n * latent.channels * height * width, {
      seed,
      channels: latent.channels,
      top: (tile.y * scale) / latent.factor,
      left: (tile.x * scale) / latent.factor,
      height,
      width,
    });
  });
  return z;
}
