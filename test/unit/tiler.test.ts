import { describe, expect, it } from 'vitest';
import { featherWeights, planSpans, planTiles } from '../../main/engine/tiler.js';
import { must } from '../support/must.js';

const cases = [
  { length: 64, tile: 64, overlap: 8, multiple: 4 },
  { length: 40, tile: 64, overlap: 8, multiple: 8 },
  { length: 124, tile: 64, overlap: 8, multiple: 4 },
  { length: 200, tile: 64, overlap: 8, multiple: 4 },
  { length: 1000, tile: 128, overlap: 16, multiple: 4 },
  { length: 514, tile: 96, overlap: 12, multiple: 2 },
  { length: 72, tile: 32, overlap: 12, multiple: 8 },
];

describe('tile spans', () => {
  it.each(cases)(
    'cover %o with aligned, overlapping spans',
    ({ length, tile, overlap, multiple }) => {
      const spans = planSpans(length, tile, overlap, multiple);
      expect(spans[0]?.start).toBe(0);
      const last = must(spans.at(-1));
      expect(last.start + last.size).toBe(length);
      for (const span of spans) {
        expect(span.start % multiple).toBe(0);
        expect(span.size % multiple).toBe(0);
        expect(span.size).toBe(Math.min(tile, length));
      }
      spans.slice(1).forEach((span, k) => {
        const previous = must(spans[k]);
        expect(span.start).toBeGreaterThan(previous.start);
        expect(previous.start + previous.size - span.start).toBeGreaterThanOrEqual(overlap);
      });
    },
  );

  it('pads the image to the size multiple and lays tiles out row-major', () => {
    const layout = planTiles({ width: 130, height: 61, tile: 64, overlap: 8, multiple: 4 });
    expect(layout).toMatchObject({ paddedWidth: 132, paddedHeight: 64 });
    expect(layout.rows).toEqual([{ start: 0, size: 64 }]);
    expect(layout.tiles.map((tile) => [tile.row, tile.column])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
  });

  it('refuses a tile that is not a multiple of the size multiple', () => {
    expect(() => planTiles({ width: 100, height: 100, tile: 62, overlap: 8, multiple: 4 })).toThrow(
      /multiple/,
    );
  });
});

describe('feathered weights', () => {
  it.each(cases)('sum to 1 at every output pixel for %o', ({ length, tile, overlap, multiple }) => {
    for (const scale of [2, 4]) {
      const spans = planSpans(length, tile, overlap, multiple);
      const weights = featherWeights(spans, overlap, scale);
      const total = new Float64Array(length * scale);
      spans.forEach((span, k) => {
        must(weights[k]).forEach((w, p) => {
          total[span.start * scale + p] = (total[span.start * scale + p] ?? 0) + w;
        });
      });
      for (const sum of total) expect(sum).toBeCloseTo(1, 6);
    }
  });

  it('sum to 1 in 2-D, as products of the per-axis weights', () => {
    const layout = planTiles({ width: 150, height: 97, tile: 48, overlap: 8, multiple: 4 });
    const scale = 2;
    const columns = featherWeights(layout.columns, 8, scale);
    const rows = featherWeights(layout.rows, 8, scale);
    const width = layout.paddedWidth * scale;
    const total = new Float64Array(width * layout.paddedHeight * scale);
    for (const tile of layout.tiles) {
      must(rows[tile.row]).forEach((wy, y) => {
        must(columns[tile.column]).forEach((wx, x) => {
          const index = (tile.y * scale + y) * width + tile.x * scale + x;
          total[index] = (total[index] ?? 0) + wx * wy;
        });
      });
    }
    for (const sum of total) expect(sum).toBeCloseTo(1, 5);
  });

  it('ramp smoothly across an overlap instead of switching tiles at a seam', () => {
    const spans = planSpans(120, 64, 8, 4);
    const [firstWeights, secondWeights] = featherWeights(spans, 8, 1);
    const first = must(firstWeights);
    const overlapStart = must(spans[1]).start;
    const inside = first.slice(overlapStart, 64);
    // Falls from ~1 to ~0 in steps no larger than one feather increment.
    expect(inside[0]).toBeGreaterThan(0.9);
    expect(inside.at(-1)).toBeLessThan(0.1);
    inside.slice(1).forEach((w, i) => {
      expect(Math.abs(w - must(inside[i]))).toBeLessThanOrEqual(1 / 8 + 1e-6);
    });
    expect(must(secondWeights)[0]).toBeCloseTo(1 - must(first[overlapStart]), 6);
  });
});
