/**
 * Paired samples: for each slice, the image chip and its label on the same pixel grid — a mask read
 * from a raster label catalog (nearest), class ids rasterized from a vector catalog, or boxes in pixel
 * coordinates for detection.
 */
import type { GeoCatalog } from '../catalog/types.js';
import { iterateAtBoundary, LabelError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { type GeoSlice, sliceHeight, sliceWidth } from '../geo/slice.js';
import { BATCH_OPTION_KEYS, batchChips, type Batch, type BatchOptions } from '../loaders/batches.js';
import type { Chip } from '../loaders/chip.js';
import type { BandSelector } from '../loaders/load-slice.js';
import { createLoader, type Loader, type LoaderOptions } from '../loaders/loader.js';
import { mapOrdered } from '../loaders/prefetch.js';
import { vectorBBox } from '../vector/geometry.js';
import { loadVector, type SliceFeature } from '../vector/load-vector.js';
import { rasterize, type LabelDType } from './rasterize.js';

/**
 * Where labels come from.
 */
export type LabelSource =
  | {
      kind: 'raster';
      catalog: GeoCatalog;
      /** The label band (asset key or 1-based number). Default: the first. */
      band?: BandSelector;
      /** Label value where the label raster has no data. Default 0. */
      fill?: number;
      /**
       * How labels on another grid reach the chip's grid: `'nearest'` (default, like TorchGeo and
       * `gdalwarp -r near`: the class under each pixel centre) or `'mode'` (`gdalwarp -r mode`: the most
       * frequent class under each chip pixel; use it when the label raster is finer than the chips).
       */
      resampling?: 'nearest' | 'mode';
    }
  | {
      kind: 'vector';
      catalog: GeoCatalog;
      /** Property holding the class id; without it every feature burns `burn` (default 1). */
      attribute?: string;
      burn?: number;
      allTouched?: boolean;
      /** Default 'uint8'. */
      dtype?: LabelDType;
      /** Background class. Default 0. */
      fill?: number;
    }
  | {
      kind: 'boxes';
      catalog: GeoCatalog;
      /** Property holding the class id. Default: every box is class 1. */
      attribute?: string;
    };

/**
 * A box in pixel coordinates of the chip (x right, y down, `[x0, x1) × [y0, y1)`, clipped to the chip).
 */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  classId: number;
  id: string;
}

/**
 * One paired sample: the image chip and its label on the same grid (`label.shape = [1, H, W]`), or its boxes.
 */
export interface PairedSample {
  slice: GeoSlice;
  image: Chip;
  label?: { data: Float32Array; shape: [1, number, number] };
  boxes?: PixelBox[];
}

/**
 * A batch of paired samples: the image {@link Batch} plus `labels` (float32 `[N, 1, H, W]`, with a
 * raster or vector label source). `tfDataset` turns `labels` into `ys`.
 */
export interface PairedBatch extends Batch {
  labels: { data: Float32Array; shape: number[] };
}

/**
 * Options of {@link createPairedLoader}: the image loader's options and the label source.
 */
export interface PairedLoaderOptions {
  images: LoaderOptions;
  labels: LabelSource;
}

/** The keys of {@link PairedLoaderOptions} (the compiler checks the list is complete). */
export const PAIRED_LOADER_OPTION_KEYS = optionKeys<PairedLoaderOptions>()(['images', 'labels']);

/** The keys of every kind of {@link LabelSource}. */
export const LABEL_SOURCE_KEYS = optionKeys<LabelSource>()([
  'kind',
  'catalog',
  'band',
  'fill',
  'attribute',
  'burn',
  'allTouched',
  'dtype',
  'resampling',
]);

/**
 * Loads image + label pairs.
 */
export interface PairedLoader {
  load(slice: GeoSlice): Promise<PairedSample>;
  samples(slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>): AsyncIterable<PairedSample>;
  /** Raster or vector labels only (boxes have no fixed shape; use `samples`). */
  batches(slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>, opts: BatchOptions): AsyncIterable<PairedBatch>;
  close(): Promise<void>;
}

/**
 * Creates a {@link PairedLoader}. Raster labels are read with nearest (or `resampling: 'mode'`) onto the slice's grid
 * (pixels where the label raster has no data get `fill`); vector labels are loaded with `loadVector`
 * and burnt with {@link rasterize} (GDAL semantics) onto the same grid; boxes are the features'
 * bounds in pixel coordinates. Throws {@link LabelError} `BAD_OPTION`.
 */
export function createPairedLoader(opts: PairedLoaderOptions): PairedLoader {
  checkOptionKeys(opts, PAIRED_LOADER_OPTION_KEYS, 'createPairedLoader', LabelError);
  checkOptionKeys(opts?.labels, LABEL_SOURCE_KEYS, 'createPairedLoader labels', LabelError);
  const src = opts?.labels;
  if (!src || !['raster', 'vector', 'boxes'].includes(src.kind) || !src.catalog) {
    throw new LabelError(
      'BAD_OPTION',
      "createPairedLoader: labels must be { kind: 'raster' | 'vector' | 'boxes', catalog, ... }",
    );
  }
  if (src.kind === 'raster' && src.resampling !== undefined && !['nearest', 'mode'].includes(src.resampling)) {
    throw new LabelError(
      'BAD_OPTION',
      `createPairedLoader: raster labels' resampling must be 'nearest' or 'mode', got ${JSON.stringify(src.resampling)}`,
    );
  }
  const images = createLoader(opts.images);
  const labelLoader: Loader | null =
    src.kind === 'raster'
      ? createLoader({
          catalog: src.catalog,
          bands: src.band === undefined ? undefined : [src.band],
          resampling: src.resampling ?? 'nearest',
          concurrency: 1,
          prefetch: 0,
        })
      : null;
  const concurrency = opts.images.concurrency ?? 4;
  // A small DuckDB label catalog is indexed in memory once (like the image loader does), so that each
  // chip's label lookup is not a SQL query.
  let labelIndex: Promise<GeoCatalog> | undefined;
  const labelCatalog = (): Promise<GeoCatalog> => {
    labelIndex ??= (async () =>
      src.catalog.engine === 'duckdb' && (await src.catalog.count()) <= 10_000
        ? src.catalog.materialize()
        : src.catalog)();
    return labelIndex;
  };

  const label = async (slice: GeoSlice): Promise<Pick<PairedSample, 'label' | 'boxes'>> => {
    const w = sliceWidth(slice);
    const h = sliceHeight(slice);
    if (src.kind === 'raster') {
      const chip = await labelLoader!.load(slice);
      const out = new Float32Array(w * h);
      const fill = src.fill ?? 0;
      for (let i = 0; i < out.length; i++) out[i] = chip.mask && !chip.mask[i] ? fill : Number(chip.data[i]);
      return { label: { data: out, shape: [1, h, w] } };
    }
    const features = await loadVector(await labelCatalog(), slice);
    if (src.kind === 'vector') {
      const r = rasterize(features, slice, {
        attribute: src.attribute,
        burn: src.attribute === undefined ? (src.burn ?? 1) : undefined,
        allTouched: src.allTouched,
        dtype: src.dtype,
        fill: src.fill,
      });
      return { label: { data: Float32Array.from(r.data), shape: [1, h, w] } };
    }
    return { boxes: features.map((f) => pixelBox(f, slice, src.attribute)).filter((b): b is PixelBox => b !== null) };
  };

  const load = async (slice: GeoSlice): Promise<PairedSample> => {
    const [image, lab] = await Promise.all([images.load(slice), label(slice)]);
    return { slice, image, ...lab };
  };

  const samples = async function* (slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>) {
    for await (const r of mapOrdered(slices, load, { concurrency, prefetch: concurrency * 2 })) {
      if ('value' in r) yield r.value;
      else if (opts.images.onError) opts.images.onError(r.error, r.input);
      else throw r.error;
    }
  };

  const batches = async function* (
    slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>,
    b: BatchOptions,
  ): AsyncGenerator<PairedBatch> {
    checkOptionKeys(b, BATCH_OPTION_KEYS, 'batches', LabelError);
    if (src.kind === 'boxes')
      throw new LabelError(
        'BAD_OPTION',
        'boxes have a different count per chip: iterate samples() instead of batches()',
      );
    let pending: PairedSample[] = [];
    const flush = async function* () {
      for await (const batch of batchChips(
        pending.map((s) => s.image),
        { batchSize: pending.length },
      )) {
        const per = pending[0].label!.data.length;
        const data = new Float32Array(per * pending.length);
        pending.forEach((s, i) => data.set(s.label!.data, i * per));
        yield { ...batch, labels: { data, shape: [pending.length, ...pending[0].label!.shape] } };
      }
    };
    for await (const s of samples(slices)) {
      pending.push(s);
      if (pending.length === b.batchSize) {
        yield* flush();
        pending = [];
      }
    }
    if (pending.length > 0 && !b.dropLast) yield* flush();
  };

  return {
    load,
    samples: (slices) => iterateAtBoundary(LabelError, 'pairedLoader.samples', samples(slices)),
    batches: (slices, b) => iterateAtBoundary(LabelError, 'pairedLoader.batches', batches(slices, b)),
    async close() {
      await images.close();
      await labelLoader?.close();
      const index = labelIndex ? await labelIndex.catch(() => undefined) : undefined;
      if (index && index !== src.catalog) await index.close();
    },
  };
}

function pixelBox(f: SliceFeature, slice: GeoSlice, attribute: string | undefined): PixelBox | null {
  const b = vectorBBox(f.geometry);
  if (!b) return null;
  const [rx, ry] = slice.resolution;
  const w = sliceWidth(slice);
  const h = sliceHeight(slice);
  const x0 = Math.max(0, (b[0] - slice.bounds[0]) / rx);
  const x1 = Math.min(w, (b[2] - slice.bounds[0]) / rx);
  const y0 = Math.max(0, (slice.bounds[3] - b[3]) / ry);
  const y1 = Math.min(h, (slice.bounds[3] - b[1]) / ry);
  if (x1 < x0 || y1 < y0) return null;
  let classId = 1;
  if (attribute !== undefined) {
    const v = f.properties[attribute];
    classId = typeof v === 'bigint' ? Number(v) : (v as number);
    if (typeof classId !== 'number' || !Number.isFinite(classId)) {
      throw new LabelError('BAD_ATTRIBUTE', `${f.id} has ${attribute} = ${JSON.stringify(v ?? null)}, not a class id`, {
        subject: f.id,
      });
    }
  }
  return { x0, y0, x1, y1, classId, id: f.id };
}
