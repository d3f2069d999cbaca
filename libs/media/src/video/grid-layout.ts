export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The seed's grid for n video tiles: 1×1, 2×1, 2×2 (3–4), 3×2 (5–6), 3×3 (7–9), then
 * ceil(√n) columns and as many rows as it takes.
 */
export function gridSize(n: number): { cols: number; rows: number } {
  if (n <= 0) return { cols: 0, rows: 0 };
  if (n === 1) return { cols: 1, rows: 1 };
  if (n === 2) return { cols: 2, rows: 1 };
  if (n <= 4) return { cols: 2, rows: 2 };
  if (n <= 6) return { cols: 3, rows: 2 };
  const cols = Math.ceil(Math.sqrt(n));
  return { cols, rows: Math.ceil(n / cols) };
}

/** The rectangle of each tile on a canvas, row by row, in whole pixels. */
export function gridTiles(n: number, width: number, height: number): Tile[] {
  const { cols, rows } = gridSize(n);
  const tileWidth = Math.floor(width / Math.max(cols, 1));
  const tileHeight = Math.floor(height / Math.max(rows, 1));
  return Array.from({ length: n }, (_, i) => ({
    x: (i % cols) * tileWidth,
    y: Math.floor(i / cols) * tileHeight,
    width: tileWidth,
    height: tileHeight,
  }));
}
