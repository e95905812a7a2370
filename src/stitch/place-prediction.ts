import { StitchError } from '../errors.js';
import { optionKeys } from '../option-keys.js';
import { describeSlice, type GeoSlice, normalizeCrs, sliceHeight, sliceWidth, validateSlice } from '../geo/index.js';
import type { ChipPlacement } from './accumulator.js';
import { BLEND_RULES } from './blend.js';
import { toPredictionSamples, type PredictionInput, type PredictionSamples } from './prediction-input.js';
import type { StitchSpec } from './stitcher-options.js';
import { assertPositiveSigmas, prepareSamples } from './uncertainty.js';

/**
 * Options of {@link Stitcher.add}.
 */
export interface AddOptions {
  /** `[h, w]` of a flat prediction array when it is not the slice's own grid. Tensors carry their shape. */
  shape?: [height: number, width: number];
  /** `h * w` validity mask (0 = ignore this pixel), e.g. a chip's nodata mask. */
  mask?: Uint8Array;
}

/** The keys of {@link AddOptions} (the compiler checks the list is complete). */
export const ADD_OPTION_KEYS = optionKeys<AddOptions>()(['shape', 'mask']);

/** A prediction ready to blend: its samples (masked pixels NaN) and where it falls on the grid. */
export interface PlacedPrediction {
  /** The slice, described for messages. */
  what: string;
  samples: PredictionSamples;
  place: ChipPlacement;
}

/**
 * Checks a prediction of `inputBands` bands for `slice` against the grid (same CRS, shape, values;
 * positive sigmas for `'inverse-variance'`) and places it in grid pixel coordinates. Throws
 * {@link StitchError} `CRS_MISMATCH`, `SHAPE_MISMATCH` or `BAD_VALUES`.
 */
export function placePrediction(
  spec: StitchSpec,
  inputBands: number,
  slice: GeoSlice,
  prediction: PredictionInput,
  opts: AddOptions,
): PlacedPrediction {
  const what = describeSlice(slice);
  validateSlice(slice);
  if (normalizeCrs(slice.crs) !== spec.gridCrs) {
    throw new StitchError(
      'CRS_MISMATCH',
      `${what} is in ${slice.crs} but the stitcher grid is in ${spec.grid.crs}; warp the prediction into the grid's CRS first`,
      { subject: what },
    );
  }
  const [h, w] = opts.shape ?? [sliceHeight(slice), sliceWidth(slice)];
  let samples = prepareSamples(toPredictionSamples(prediction, inputBands, h, w, what), spec.values, what);
  if (BLEND_RULES[spec.blend].inverseVariance) assertPositiveSigmas(samples, spec.bands, what);
  if (opts.mask) samples = applyMask(samples, opts.mask, what);
  const [gx0, , , gy1] = spec.grid.bounds;
  const [rx, ry] = spec.grid.resolution;
  const b = slice.bounds;
  const place = { x0: (b[0] - gx0) / rx, x1: (b[2] - gx0) / rx, y0: (gy1 - b[3]) / ry, y1: (gy1 - b[1]) / ry };
  return { what, samples, place };
}

function applyMask(p: PredictionSamples, mask: Uint8Array, what: string): PredictionSamples {
  const pixels = p.height * p.width;
  if (mask.length !== pixels)
    throw new StitchError(
      'SHAPE_MISMATCH',
      `${what}: mask has ${mask.length} values, expected ${p.height} x ${p.width} = ${pixels}`,
      { subject: what },
    );
  const samples = p.samples.map((s) => {
    const out = s instanceof Float64Array ? Float64Array.from(s) : Float32Array.from(s as ArrayLike<number>);
    for (let i = 0; i < pixels; i++) if (mask[i] === 0) for (let c = 0; c < p.bands; c++) out[c * pixels + i] = NaN;
    return out;
  });
  return { ...p, samples };
}
