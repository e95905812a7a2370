import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { PY, run } from './process.js';

/**
 * A reflectance-like single-band uint16 scene (smooth fields + noise from numpy seed `seed`) of
 * `size`² pixels in UTM 33N at 10 m, written once as an uncompressed GTiff with 512² tiles under
 * `dir` (temp + rename, so an interrupted run never leaves a half file).
 */
export function ensureBase(dir: string, size: number, seed: number): string {
  mkdirSync(dir, { recursive: true });
  const base = `${dir}/base_${size}.tif`;
  if (existsSync(base)) return base;
  console.error(`making ${base} ...`);
  run(PY, [
    '-c',
    `
import numpy as np, rasterio
from rasterio.transform import Affine
n = ${size}; rng = np.random.default_rng(${seed})
prof = dict(driver='GTiff', width=n, height=n, count=1, dtype='uint16', crs='EPSG:32633', tiled=True,
            blockxsize=512, blockysize=512, transform=Affine(10, 0, 600000, 0, -10, 5000000), BIGTIFF='IF_SAFER')
with rasterio.open('${base}.tmp', 'w', **prof) as dst:
    x = np.arange(n)
    for r0 in range(0, n, 1024):
        y = np.arange(r0, min(n, r0 + 1024))[:, None]
        f = 3000 + 1500 * np.sin(x / 170.0) * np.cos(y / 230.0) + 800 * np.sin((x + 2 * y) / 37.0) + rng.normal(0, 40, (len(y), n))
        dst.write(np.clip(f, 0, 10000).astype('uint16')[None], window=((r0, r0 + len(y)), (0, n)))
`,
  ]);
  renameSync(`${base}.tmp`, base);
  return base;
}

/**
 * `base` rewritten once as a COG `${dir}/${name}_${size}.tif` with 512² tiles, no overviews and the
 * given `gdal_translate -co` creation options (e.g. `COMPRESS=DEFLATE`, `PREDICTOR=YES`).
 */
export function ensureCog(dir: string, base: string, name: string, size: number, creation: string[]): string {
  const out = `${dir}/${name}_${size}.tif`;
  if (existsSync(out)) return out;
  console.error(`making ${out} ...`);
  const co = ['BLOCKSIZE=512', 'OVERVIEWS=NONE', 'NUM_THREADS=ALL_CPUS', ...creation];
  run('gdal_translate', ['-q', '-of', 'COG', ...co.flatMap((c) => ['-co', c]), base, `${out}.tmp`]);
  renameSync(`${out}.tmp`, out);
  return out;
}
