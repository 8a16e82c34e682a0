/**
 * The float accumulator for the output rows that tiles still write to. Tiles
 * arrive in row-major order, so when a tile starting at output row Y arrives,
 * every row above Y is final and is converted to integers; no float canvas of
 * the whole output ever exists. (Moved out of pipeline.ts so the tile helper
 * thread can run it; the loops are the same arithmetic, so the same pixels.)
 */
import type { PixelImage } from './pipeline.js';
import { featherWeights, type Tile, type TileLayout } from './tiler.js';

export class OutputBand {
  readonly #output: PixelImage;
  readonly #scale: number;
  readonly #columnWeights: Float32Array[];
  readonly #rowWeights: Float32Array[];
  readonly #rowLength: number;
  readonly #band: Float32Array;
  /** The output row held in the band's first row. */
  #top = 0;

  constructor(
    image: Pick<PixelImage, 'width' | 'height' | 'channels' | 'bits'>,
    layout: Pick<TileLayout, 'columns' | 'rows'>,
    scale: number,
    overlap: number,
  ) {
    const width = image.width * scale;
    const height = image.height * scale;
    const length = width * height * image.channels;
    const data = image.bits === 16 ? new Uint16Array(length) : new Uint8Array(length);
    this.#output = { width, height, channels: image.channels, bits: image.bits, data };
    this.#scale = scale;
    this.#columnWeights = featherWeights(layout.columns, overlap, scale);
    this.#rowWeights = featherWeights(layout.rows, overlap, scale);
    this.#rowLength = width * 3;
    const bandRows = Math.max(...layout.rows.map((row) => row.size)) * scale;
    this.#band = new Float32Array(bandRows * this.#rowLength);
  }

  /** Blends tile `index` of a decoder batch (N×3×h×w) into the band. */
  add(tile: Tile, hr: Float32Array, index: number): void {
    const scale = this.#scale;
    this.#flushUpTo(tile.y * scale);
    const tileWidth = tile.width * scale;
    const plane = tileWidth * tile.height * scale;
    const left = tile.x * scale;
    const width = Math.min(tileWidth, this.#output.width - left);
    const height = Math.min(tile.height * scale, this.#output.height - tile.y * scale);
    const columnWeights = this.#columnWeights[tile.column] ?? new Float32Array(width);
    const rowWeights = this.#rowWeights[tile.row] ?? new Float32Array(height);
    for (let y = 0; y < height; y += 1) {
      const rowWeight = rowWeights[y] ?? 0;
      const row: BandRow = {
        band: this.#band,
        target: (tile.y * scale + y - this.#top) * this.#rowLength + left * 3,
        hr,
        source: index * 3 * plane + y * tileWidth,
        plane,
      };
      addWeighted(row, columnWeights, rowWeight, width);
    }
  }

  finish(): PixelImage {
    this.#flushUpTo(this.#output.height);
    return this.#output;
  }

  /** Converts band rows above output row `end` to integers and moves the rest up. */
  #flushUpTo(end: number): void {
    const rows = Math.min(end, this.#output.height) - this.#top;
    if (rows <= 0) return;
    const { data, channels, width, bits } = this.#output;
    const max = bits === 16 ? 65535 : 255;
    const count = rows * width;
    const outputStart = this.#top * width * channels;
    if (channels === 3) toIntegers(this.#band, data, outputStart, count, max);
    else toGreyIntegers(this.#band, data, outputStart, count, max);
    const used = rows * this.#rowLength;
    this.#band.copyWithin(0, used);
    this.#band.fill(0, this.#band.length - used);
    this.#top += rows;
  }
}

/** One output row of one tile: where it starts in the band and in the decoder output. */
interface BandRow {
  band: Float32Array;
  target: number;
  hr: Float32Array;
  source: number;
  plane: number;
}

/** Adds the tile row's RGB weighted by rowWeight × column weight. */
function addWeighted(
  { band, target, hr, source, plane }: BandRow,
  columnWeights: Float32Array,
  rowWeight: number,
  width: number,
): void {
  for (let x = 0; x < width; x += 1) {
    const weight = rowWeight * (columnWeights[x] ?? 0);
    const at = target + 3 * x;
    const from = source + x;
    band[at] = (band[at] ?? 0) + weight * (hr[from] ?? 0);
    band[at + 1] = (band[at + 1] ?? 0) + weight * (hr[from + plane] ?? 0);
    band[at + 2] = (band[at + 2] ?? 0) + weight * (hr[from + 2 * plane] ?? 0);
  }
}

/** One pixel (three samples) per iteration. */
function toIntegers(
  band: Float32Array,
  out: PixelImage['data'],
  start: number,
  pixels: number,
  max: number,
): void {
  for (let i = 0; i < pixels; i += 1) {
    const at = 3 * i;
    out[start + at] = toInteger(band[at] ?? 0, max);
    out[start + at + 1] = toInteger(band[at + 1] ?? 0, max);
    out[start + at + 2] = toInteger(band[at + 2] ?? 0, max);
  }
}

/** Grey in, grey out: BT.601 luma of the (near-identical) RGB the model returns. */
function toGreyIntegers(
  band: Float32Array,
  out: PixelImage['data'],
  start: number,
  pixels: number,
  max: number,
): void {
  for (let i = 0; i < pixels; i += 1) {
    const r = band[3 * i] ?? 0;
    const g = band[3 * i + 1] ?? 0;
    const b = band[3 * i + 2] ?? 0;
    out[start + i] = toInteger(0.299 * r + 0.587 * g + 0.114 * b, max);
  }
}

function toInteger(value: number, max: number): number {
  const scaled = Math.round(value * max);
  return scaled < 0 ? 0 : scaled > max ? max : scaled;
}
