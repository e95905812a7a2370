import { readFileSync, rmSync } from 'node:fs';
import { PY, run } from './process.js';

/** A window's top-left pixel `[x, y]`. */
export type Win = [number, number];

/** A north-up pixel grid in some CRS: `transform` is GDAL order (x0, rx, 0, y0, 0, -ry). */
export interface Grid {
  crs: string;
  transform: [number, number, number, number, number, number];
  width: number;
  height: number;
}

/** What {@link rasterioWindows} reads. */
export interface RasterioWindowsJob {
  /** A file path or a GDAL path (`/vsicurl/...`). */
  path: string;
  /** Windows read before timing. */
  pre: readonly Win[];
  /** Windows timed. */
  timed: readonly Win[];
  /** Window size (square). */
  chip: number;
  /** GDAL_CACHEMAX in MB (GDAL's block cache). */
  cacheMb: number;
  /** Read the windows of this grid through a `WarpedVRT` (nearest) instead of the file's own grid. */
  vrt?: Grid | null;
  /** The `WarpedVRT`'s approximate transformer error threshold in pixels. Default GDAL's 0.125. */
  tolerance?: number;
  /** Open the file for every window (`with rasterio.open(...)`) instead of once. */
  perChip?: boolean;
  /** Also return the pixels of every timed window. */
  pixels?: boolean;
}

/** chips/s of the timed windows and the {@link checksum} of their pixels (band 1). */
export interface RasterioTiming {
  rate: number;
  check: number;
  pixels?: Uint16Array[];
}

const SCRIPT = `
import json, sys, time, numpy as np, rasterio
from rasterio.windows import Window
from rasterio.vrt import WarpedVRT
from rasterio.enums import Resampling
a = json.load(sys.stdin); n = a['chip']
wt = (np.arange(n * n, dtype=np.int64) % 7 + 1).reshape(n, n)
out = []
def view(src):
    v = a['vrt']
    if not v: return src
    t = v['transform']
    return WarpedVRT(src, crs=v['crs'], transform=rasterio.Affine(t[1], 0, t[0], 0, t[5], t[3]),
                     width=v['width'], height=v['height'], resampling=Resampling.nearest, tolerance=a['tolerance'])
def timed(read):
    for (x, y) in a['pre']: read(x, y)
    t0 = time.perf_counter()
    for (x, y) in a['timed']: out.append(read(x, y))
    return time.perf_counter() - t0
with rasterio.Env(GDAL_CACHEMAX=a['cachemax'], GDAL_DISABLE_READDIR_ON_OPEN='EMPTY_DIR'):
    if a['perChip']:
        def read(x, y):
            with rasterio.open(a['path']) as src: return view(src).read(1, window=Window(x, y, n, n))
        dt = timed(read)
    else:
        with rasterio.open(a['path']) as src:
            ds = view(src)
            dt = timed(lambda x, y: ds.read(1, window=Window(x, y, n, n)))
s = sum(int((o.astype(np.int64) * wt).sum()) for o in out)
if a['dump']: np.concatenate([o.ravel() for o in out]).astype('<u2').tofile(a['dump'])
print(json.dumps({'seconds': dt, 'check': s}))
`;

/**
 * rasterio (Debian's /usr/bin/python3) reading windows of band 1 in one Python process: `pre`
 * untimed, then `timed`, timed inside Python. The arrays are kept until the end, so the pixel
 * checksum is computed outside the timed loop.
 */
export function rasterioWindows(job: RasterioWindowsJob): RasterioTiming {
  const dump = job.pixels ? `${process.env.TMPDIR ?? '/tmp'}/geoslice-bench-${process.pid}-pixels.bin` : null;
  const r = JSON.parse(
    run(
      PY,
      ['-c', SCRIPT],
      JSON.stringify({
        path: job.path,
        pre: job.pre,
        timed: job.timed,
        vrt: job.vrt ?? null,
        tolerance: job.tolerance ?? 0.125,
        perChip: job.perChip ?? false,
        chip: job.chip,
        cachemax: job.cacheMb,
        dump,
      }),
    ),
  ) as { seconds: number; check: number };
  const t: RasterioTiming = { rate: job.timed.length / r.seconds, check: r.check };
  if (dump) {
    const b = readFileSync(dump);
    rmSync(dump);
    const all = new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
    const px = job.chip * job.chip;
    t.pixels = Array.from({ length: job.timed.length }, (_, i) => all.subarray(i * px, (i + 1) * px));
  }
  return t;
}
