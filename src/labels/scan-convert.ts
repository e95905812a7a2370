/**
 * Scan conversion in pixel coordinates with GDAL's conventions (`alg/llrasterize.cpp`, as GDAL 3.6
 * behaves; the tests compare with its `gdal_rasterize`): which pixels a
 * polygon, a line or a point covers on a `width × height` grid whose pixel (col, row) spans
 * `[col, col + 1) × [row, row + 1)`. Coordinates arrive as parts (rings or lines) of x/y arrays.
 *
 * - Polygons: a pixel is inside when its centre is (even-odd over all parts, so holes and the members of
 *   a multipolygon count together); each row is cut at `y + 0.5`, crossings are rounded with
 *   `floor(x + 0.5)`, a span covers `[start, end)`, and horizontal edges are filled when walked right to left.
 * - Lines: Bresenham between the pixels holding the vertices (`floor`), the end of each but the last
 *   segment left out so that a vertex is burnt once.
 * - All touched lines (also the outline pass of all-touched polygons): every pixel the segment passes
 *   through, walking pixel boundaries left to right; nearly vertical/horizontal segments (within 0.01
 *   pixel) burn their column/row.
 * - Points: the pixel holding the point (`floor`).
 */

/** A burn callback for one pixel. */
export type PixelFn = (row: number, col: number) => void;
/** A burn callback for the pixels `[col0, col1]` (inclusive, possibly outside the grid) of one row. */
export type SpanFn = (row: number, col0: number, col1: number) => void;

/** Parts of a shape in pixel coordinates: `xs[k]`, `ys[k]` are the positions of part k. */
export interface PixelParts {
  xs: Float64Array[];
  ys: Float64Array[];
}

/** Below this distance (pixels) to a pixel edge, an outline segment of an all-touched polygon lies on the edge. */
const EDGE_EPSILON = 1e-4;

/**
 * Fills a polygon (all its rings, even-odd) by pixel centres, calling `span` per covered row run.
 */
export function fillPolygon(width: number, height: number, parts: PixelParts, span: SpanFn): void {
  let ymin = Infinity;
  let ymax = -Infinity;
  let n = 0;
  for (const ys of parts.ys) {
    n += ys.length;
    for (const y of ys) {
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
    }
  }
  if (n === 0) return;
  // C's (int) cast truncates toward zero.
  const rowFirst = Math.max(0, Math.trunc(ymin));
  const rowLast = Math.min(height - 1, Math.trunc(ymax));
  const ints: number[] = [];
  for (let row = rowFirst; row <= rowLast; row++) {
    const dy = row + 0.5;
    ints.length = 0;
    for (let p = 0; p < parts.xs.length; p++) {
      const xs = parts.xs[p];
      const ys = parts.ys[p];
      const m = xs.length;
      for (let i = 0; i < m; i++) {
        const i1 = i === 0 ? m - 1 : i - 1;
        let y1 = ys[i1];
        let y2 = ys[i];
        if ((y1 < dy && y2 < dy) || (y1 > dy && y2 > dy)) continue;
        let x1: number;
        let x2: number;
        if (y1 < y2) {
          x1 = xs[i1];
          x2 = xs[i];
        } else if (y1 > y2) {
          [y1, y2] = [y2, y1];
          x1 = xs[i];
          x2 = xs[i1];
        } else {
          // A horizontal edge exactly on the centre line: filled when walked right to left.
          if (xs[i1] > xs[i]) {
            const a = Math.floor(xs[i]);
            const b = Math.floor(xs[i1]);
            if (a <= width - 1 && b > 0) span(row, a, b - 1);
          }
          continue;
        }
        if (dy < y2 && dy >= y1) ints.push(Math.floor(((dy - y1) * (x2 - x1)) / (y2 - y1) + x1 + 0.5));
      }
    }
    ints.sort((a, b) => a - b);
    for (let i = 0; i + 1 < ints.length; i += 2) {
      if (ints[i] <= width - 1 && ints[i + 1] > 0) span(row, ints[i], ints[i + 1] - 1);
    }
  }
}

/**
 * Burns the pixel holding each point.
 */
export function burnPoints(width: number, height: number, parts: PixelParts, pixel: PixelFn): void {
  for (let p = 0; p < parts.xs.length; p++) {
    const xs = parts.xs[p];
    const ys = parts.ys[p];
    for (let i = 0; i < xs.length; i++) {
      const c = Math.floor(xs[i]);
      const r = Math.floor(ys[i]);
      if (c >= 0 && c < width && r >= 0 && r < height) pixel(r, c);
    }
  }
}

/**
 * Draws lines with Bresenham's algorithm between the pixels holding consecutive vertices.
 */
export function burnLines(width: number, height: number, parts: PixelParts, pixel: PixelFn): void {
  for (let p = 0; p < parts.xs.length; p++) {
    const xs = parts.xs[p];
    const ys = parts.ys[p];
    for (let j = 1; j < xs.length; j++) {
      let x = Math.floor(xs[j - 1]);
      let y = Math.floor(ys[j - 1]);
      const x1 = Math.floor(xs[j]);
      const y1 = Math.floor(ys[j]);
      let dx = Math.abs(x1 - x);
      let dy = Math.abs(y1 - y);
      const sx = x > x1 ? -1 : 1;
      const sy = y > y1 ? -1 : 1;
      const last = j === xs.length - 1;
      if (dx >= dy) {
        const ex = dy * 2;
        const ey = ex - dx * 2;
        let err = ex - dx;
        if (!last) dx--;
        while (dx-- >= 0) {
          if (x >= 0 && x < width && y >= 0 && y < height) pixel(y, x);
          x += sx;
          if (err >= 0) {
            y += sy;
            err += ey;
          } else err += ex;
        }
      } else {
        const ex = dx * 2;
        const ey = ex - dy * 2;
        let err = ex - dy;
        if (!last) dy--;
        while (dy-- >= 0) {
          if (x >= 0 && x < width && y >= 0 && y < height) pixel(y, x);
          y += sy;
          if (err >= 0) {
            x += sx;
            err += ey;
          } else err += ex;
        }
      }
    }
  }
}

/**
 * Burns every pixel a line passes through. With `outline` (the second pass of an all-touched polygon),
 * nearly vertical or horizontal segments lying on a pixel edge burn nothing, since the fill pass
 * already decided those pixels by their centres.
 */
export function burnLinesAllTouched(
  width: number,
  height: number,
  parts: PixelParts,
  pixel: PixelFn,
  outline: boolean,
): void {
  for (let p = 0; p < parts.xs.length; p++) {
    const xs = parts.xs[p];
    const ys = parts.ys[p];
    for (let j = 1; j < xs.length; j++) {
      let x = xs[j - 1];
      let y = ys[j - 1];
      let xEnd = xs[j];
      let yEnd = ys[j];
      if ((y < 0 && yEnd < 0) || (y > height && yEnd > height) || (x < 0 && xEnd < 0) || (x > width && xEnd > width))
        continue;
      if (x > xEnd) {
        [x, xEnd] = [xEnd, x];
        [y, yEnd] = [yEnd, y];
      }
      if (Math.floor(x) === Math.floor(xEnd) || Math.abs(x - xEnd) < 0.01) {
        if (outline && onEdge(x) && onEdge(xEnd)) continue;
        if (yEnd < y) [y, yEnd] = [yEnd, y];
        const col = Math.floor(xEnd);
        if (col < 0 || col >= width) continue;
        const r0 = Math.max(0, Math.floor(y));
        const r1 = Math.min(height - 1, Math.floor(yEnd));
        for (let r = r0; r <= r1; r++) pixel(r, col);
        continue;
      }
      if (Math.floor(y) === Math.floor(yEnd) || Math.abs(y - yEnd) < 0.01) {
        if (outline && onEdge(y) && onEdge(yEnd)) continue;
        const row = Math.floor(y);
        if (row < 0 || row >= height) continue;
        const c0 = Math.max(0, Math.floor(x));
        const c1 = Math.min(width - 1, Math.floor(xEnd));
        for (let c = c0; c <= c1; c++) pixel(row, c);
        continue;
      }
      const slope = (yEnd - y) / (xEnd - x);
      if (xEnd > width) {
        yEnd -= (xEnd - width) * slope;
        xEnd = width;
      }
      if (x < 0) {
        y += (0 - x) * slope;
        x = 0;
      }
      if (yEnd > y) {
        if (y < 0) {
          x += (0 - y) / slope;
          y = 0;
        }
        if (yEnd >= height) {
          xEnd += (yEnd - height) / slope;
          if (xEnd > width) xEnd = width;
        }
      } else {
        if (y >= height) {
          x += (height - y) / slope;
          y = height;
        }
        if (yEnd < 0) xEnd -= yEnd / slope;
      }
      while (x >= 0 && x < xEnd) {
        const col = Math.floor(x);
        const row = Math.floor(y);
        if (row >= 0 && row < height) pixel(row, col);
        let stepX = Math.floor(x + 1) - x;
        let stepY = stepX * slope;
        if (Math.floor(y + stepY) === row) {
          x += stepX;
          y += stepY;
        } else if (slope < 0) {
          stepY = row - y;
          if (stepY > -1e-9) stepY = -1e-9;
          stepX = stepY / slope;
          x += stepX;
          y += stepY;
        } else {
          stepY = row + 1 - y;
          if (stepY < 1e-9) stepY = 1e-9;
          stepX = stepY / slope;
          x += stepX;
          y += stepY;
        }
      }
    }
  }
}

function onEdge(v: number): boolean {
  return Math.abs(v - Math.round(v)) < EDGE_EPSILON;
}
