import { StitchError } from '../errors.js';
import type { RasterArray } from '../tiff/dtype.js';
import type { TileAccumulator } from './accumulator.js';
import { convertValue } from './convert-value.js';
import type { StitchSpec } from './stitcher-options.js';

/**
 * Final values of a window of the grid, as returned by {@link Stitcher.readWindow}.
 */
export interface StitchedWindow {
  /** `[C, h, w]` in the stitcher's dtype; nodata where no prediction landed. */
  prediction: RasterArray;
  /** `[U, h, w]` float32: entropy, variance, margin (regression: variance only); NaN where no prediction landed. */
  uncertainty?: Float32Array;
  /** Names of the uncertainty planes, in order. */
  uncertaintyBands: string[];
}

/**
 * Throws {@link StitchError} `BAD_WINDOW` unless `[x0, x0 + w) x [y0, y0 + h)` is a non-empty pixel
 * window inside the grid.
 */
export function checkWindow(spec: StitchSpec, x0: number, y0: number, w: number, h: number): void {
  const { width, height } = spec;
  if (
    ![x0, y0, w, h].every(Number.isInteger) ||
    x0 < 0 ||
    y0 < 0 ||
    w < 1 ||
    h < 1 ||
    x0 + w > width ||
    y0 + h > height
  ) {
    throw new StitchError('BAD_WINDOW', `window ${x0},${y0} ${w}x${h} is not inside the ${width}x${height} grid`);
  }
}

/**
 * Final values of the pixel window `[x0, x0 + w) x [y0, y0 + h)` (checked by {@link checkWindow}): each
 * tile the window reaches is finalised (blended, uncertainty computed) and its part copied out,
 * converted to the dtype (StitchError `OUT_OF_RANGE` for a value the dtype cannot hold).
 */
export function readStitchedWindow(
  spec: StitchSpec,
  acc: TileAccumulator,
  x0: number,
  y0: number,
  w: number,
  h: number,
  withUnc: boolean,
): StitchedWindow {
  const { bands, tileSize, dtype, nodata, uncertaintyBands } = spec;
  const info = spec.dtypeInfo;
  const prediction = info.create(bands * w * h);
  const uncertainty = withUnc ? new Float32Array(uncertaintyBands.length * w * h) : undefined;
  const n = tileSize * tileSize;
  const tp = new Float64Array(bands * n);
  const tu = withUnc ? new Float64Array(uncertaintyBands.length * n) : undefined;
  const planes = (a: Float64Array) => Array.from({ length: a.length / n }, (_, k) => a.subarray(k * n, (k + 1) * n));
  const tpPlanes = planes(tp);
  const tuPlanes = tu && planes(tu);
  for (let ty = Math.floor(y0 / tileSize); ty * tileSize < y0 + h; ty++) {
    for (let tx = Math.floor(x0 / tileSize); tx * tileSize < x0 + w; tx++) {
      acc.finalizeTile(ty * acc.tilesX + tx, tpPlanes, nodata, tuPlanes);
      const ya = Math.max(y0, ty * tileSize);
      const yb = Math.min(y0 + h, (ty + 1) * tileSize);
      const xa = Math.max(x0, tx * tileSize);
      const xb = Math.min(x0 + w, (tx + 1) * tileSize);
      for (let y = ya; y < yb; y++) {
        for (let x = xa; x < xb; x++) {
          const src = (y - ty * tileSize) * tileSize + (x - tx * tileSize);
          const dst = (y - y0) * w + (x - x0);
          for (let c = 0; c < bands; c++)
            prediction[c * w * h + dst] = convertValue(
              tp[c * n + src],
              dtype,
              info.float,
              info.min,
              info.max,
              nodata,
              x,
              y,
            );
          if (tu && uncertainty)
            for (let u = 0; u < uncertaintyBands.length; u++) uncertainty[u * w * h + dst] = tu[u * n + src];
        }
      }
    }
  }
  return { prediction, uncertainty, uncertaintyBands };
}
