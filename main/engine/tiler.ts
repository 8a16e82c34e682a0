/**
 * Tile layout and feathered blend weights. Tiles are laid out in LR pixels on
 * the image padded (by edge replication) to the model's size multiple; every
 * offset and size is a multiple of it, so latent coordinates are integral.
 * Blend weights are separable and normalised per axis, so the weights of all
 * tiles covering an output pixel sum to exactly 1.
 */

export interface Span {
  start: number;
  size: number;
}

export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
  column: number;
  row: number;
}

export interface TileLayout {
  width: number;
  height: number;
  paddedWidth: number;
  paddedHeight: number;
  columns: Span[];
  rows: Span[];
  /** Row-major, so finished output rows can be flushed as soon as a tile row is done. */
  tiles: Tile[];
}

export interface TilingSpec {
  width: number;
  height: number;
  tile: number;
  overlap: number;
  multiple: number;
}

export const roundUp = (value: number, multiple: number): number =>
  Math.ceil(value / multiple) * multiple;

export function planTiles({ width, height, tile, overlap, multiple }: TilingSpec): TileLayout {
  if (tile % multiple !== 0) throw new Error(`tile ${tile} is not a multiple of ${multiple}`);
  const paddedWidth = roundUp(width, multiple);
  const paddedHeight = roundUp(height, multiple);
  const columns = planSpans(paddedWidth, tile, overlap, multiple);
  const rows = planSpans(paddedHeight, tile, overlap, multiple);
  const tiles = rows.flatMap((rowSpan, row) =>
    columns.map((columnSpan, column) => ({
      x: columnSpan.start,
      y: rowSpan.start,
      width: columnSpan.size,
      height: rowSpan.size,
      column,
      row,
    })),
  );
  return { width, height, paddedWidth, paddedHeight, columns, rows, tiles };
}

/**
 * Equal-size spans covering [0, length), the first at 0 and the last ending at
 * `length`, starts on multiples of `multiple`, neighbours overlapping by at
 * least `overlap` (rounding the evenly spread starts never widens a step
 * beyond the largest allowed stride).
 */
export function planSpans(length: number, tile: number, overlap: number, multiple: number): Span[] {
  if (length <= tile) return [{ start: 0, size: length }];
  const stride = Math.max(multiple, Math.floor((tile - overlap) / multiple) * multiple);
  const count = Math.ceil((length - tile) / stride) + 1;
  const step = (length - tile) / (count - 1) / multiple;
  return Array.from({ length: count }, (_, k) => ({
    start: Math.round(k * step) * multiple,
    size: tile,
  }));
}

/**
 * Per-span blend weights along one axis, in output pixels (`scale` per LR
 * pixel): a linear ramp over `overlap·scale` pixels on each side that has a
 * neighbour, then divided by the sum over all spans, so they sum to 1 at every
 * output position.
 */
export function featherWeights(
  spans: readonly Span[],
  overlap: number,
  scale: number,
): Float32Array[] {
  const feather = Math.max(1, overlap * scale);
  const last = spans.length - 1;
  const raw = spans.map((span, k) => {
    const size = span.size * scale;
    const weights = new Float64Array(size);
    for (let p = 0; p < size; p += 1) {
      const fromStart = k > 0 ? (p + 0.5) / feather : 1;
      const fromEnd = k < last ? (size - p - 0.5) / feather : 1;
      weights[p] = Math.min(1, fromStart, fromEnd);
    }
    return weights;
  });
  const end = Math.max(...spans.map((span) => (span.start + span.size) * scale));
  const total = new Float64Array(end);
  spans.forEach((span, k) => {
    raw[k]?.forEach((weight, p) => {
      total[span.start * scale + p] = (total[span.start * scale + p] ?? 0) + weight;
    });
  });
  return spans.map((span, k) =>
    Float32Array.from(raw[k] ?? [], (weight, p) => weight / (total[span.start * scale + p] ?? 1)),
  );
}
