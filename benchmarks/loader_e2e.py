"""The Python side of benchmarks/loader-e2e.ts (run with Debian's /usr/bin/python3).

  python3 loader_e2e.py make      # the mosaic of COGs
  python3 loader_e2e.py rasterio  # a rasterio loop reading given boxes into batches
  python3 loader_e2e.py torchgeo  # TorchGeo RasterDataset + RandomGeoSampler + DataLoader (needs torchgeo)

Each reads one JSON object on stdin and prints one JSON line.
"""
import json
import os
import resource
import sys
import time

import numpy as np


def make(a):
    """Four-band uint16 2048² scenes on a grid in UTM 32N (west of 12°E) and 33N (east of it), as COGs."""
    import rasterio
    from rasterio.shutil import copy
    from rasterio.transform import Affine

    n, out = a['size'], []
    for zone, x0 in ((32, 633000), (33, 285000)):
        for row in range(a['rows']):
            for col in range(a['cols']):
                name = f'z{zone}_r{row}_c{col}.tif'
                paths = {v: os.path.join(a['dir'], v, name) for v in a['variants']}
                out.append(paths)
                if all(os.path.exists(p) for p in paths.values()):
                    continue
                rng = np.random.default_rng(zone * 100 + row * 10 + col)
                x = np.arange(n)[None, :] + col * n
                y = np.arange(n)[:, None] + row * n
                bands = [
                    3000 + 1000 * b + 1500 * np.sin(x / (150.0 + 20 * b)) * np.cos(y / 230.0)
                    + 800 * np.sin((x + 2 * y) / 37.0) + rng.normal(0, 40, (n, n))
                    for b in range(4)
                ]
                data = np.clip(np.stack(bands), 1, 10000).astype('uint16')  # 0 is nodata
                prof = dict(driver='GTiff', width=n, height=n, count=4, dtype='uint16', nodata=0,
                            crs=f'EPSG:326{zone}', transform=Affine(10, 0, x0 + col * n * 10, 0, -10, 5400000 - row * n * 10))
                with rasterio.MemoryFile() as mem:
                    with mem.open(**prof) as ds:
                        ds.write(data)
                    with mem.open() as ds:
                        for variant, path in paths.items():
                            os.makedirs(os.path.dirname(path), exist_ok=True)
                            copy(ds, path + '.tmp', driver='COG', COMPRESS=variant.upper(), PREDICTOR='YES',
                                 BLOCKSIZE=512, OVERVIEWS='NONE', NUM_THREADS='ALL_CPUS')
                            os.replace(path + '.tmp', path)
    return {'files': out}


def rasterio_loop(a):
    """Reads each box (bounds, crs, resolution) from the files covering it, into float32 batches.

    A box in a file's own CRS is a window read; in another CRS a WarpedVRT onto the box's own grid
    (nearest, GDAL's default error threshold), as a single-step gdalwarp does. Files are merged
    first-valid-wins (nodata 0), the loader's mosaic rule. `pre` boxes are read untimed first; with
    `warm` the timed boxes too.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    with rasterio.Env(GDAL_CACHEMAX=a['cachemax'], GDAL_DISABLE_READDIR_ON_OPEN='EMPTY_DIR'):
        files = [rasterio.open(p) for p in a['files']]
        footprints = {}  # crs -> each file's bounds in it

        def covering(box):
            crs, b = box['crs'], box['bounds']
            if crs not in footprints:
                footprints[crs] = [transform_bounds(f.crs, crs, *f.bounds, densify_pts=21) for f in files]
            return [f for f, fb in zip(files, footprints[crs]) if fb[0] < b[2] and fb[2] > b[0] and fb[1] < b[3] and fb[3] > b[1]]

        def read(box):
            (x0, y0, x1, y1), (rx, ry) = box['bounds'], box['resolution']
            w, h = round((x1 - x0) / rx), round((y1 - y0) / ry)
            dst = np.zeros((4, h, w), 'uint16')
            warped = False
            for f in covering(box):
                if f.crs.to_string() == box['crs']:
                    win = from_bounds(x0, y0, x1, y1, f.transform)
                    c0, r0 = round(win.col_off), round(win.row_off)
                    cs, rs = max(c0, 0), max(r0, 0)
                    ce, re = min(c0 + w, f.width), min(r0 + h, f.height)
                    if ce <= cs or re <= rs:
                        continue
                    part = np.zeros_like(dst)
                    part[:, rs - r0:re - r0, cs - c0:ce - c0] = f.read(window=Window(cs, rs, ce - cs, re - rs))
                else:
                    warped = True
                    with WarpedVRT(f, crs=box['crs'], transform=rasterio.Affine(rx, 0, x0, 0, -ry, y1), width=w, height=h,
                                   resampling=Resampling.nearest) as vrt:
                        part = vrt.read()
                fill = (dst[0] == 0) & (part[0] != 0)
                dst[:, fill] = part[:, fill]
            return dst, warped

        def epoch(boxes, keep):
            n = 0
            for i in range(0, len(boxes), a['batch']):
                chips = [read(b) for b in boxes[i:i + a['batch']]]
                batch = np.stack([c for c, _ in chips]).astype(np.float32)
                n += batch.shape[0]
                if keep is not None:
                    keep.extend(chips)
            return n

        epoch(a['pre'], None)
        if a['warm']:
            epoch(a['boxes'], None)
        kept = [] if a['dump'] else None
        t0 = time.perf_counter()
        n = epoch(a['boxes'], kept)
        dt = time.perf_counter() - t0
        if kept is not None:
            np.concatenate([c.ravel() for c, _ in kept]).astype('<u2').tofile(a['dump'])
        return {'seconds': dt, 'chips': n, 'maxRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                'warped': [w for _, w in kept] if kept is not None else None}


def torchgeo_loop(a):
    """TorchGeo's own path over the same files: RasterDataset + RandomGeoSampler + DataLoader with
    `workers` processes. Its sampler draws its own boxes (and it warps each file to the dataset CRS
    before merging), so its chips are not compared with ours; only the rate is.
    """
    import shutil
    import tempfile

    from rasterio.crs import CRS
    from torch.utils.data import DataLoader
    from torchgeo.datasets import RasterDataset, stack_samples
    from torchgeo.samplers import RandomGeoSampler

    class Mosaic(RasterDataset):
        filename_glob = '*.tif'
        is_image = True

    folder = tempfile.mkdtemp()  # exactly the benchmark's files, linked into a folder of their own
    try:
        for f in a['files']:
            os.symlink(f, os.path.join(folder, os.path.basename(f)))
        ds = Mosaic(paths=folder, crs=CRS.from_string(a['crs']), res=a['res'])
        sampler = RandomGeoSampler(ds, size=a['size'], length=a['length'])
        dl = DataLoader(ds, batch_size=a['batch'], sampler=sampler, collate_fn=stack_samples, num_workers=a['workers'])
        if a['warm']:
            for _ in dl:
                pass
        t0 = time.perf_counter()
        n = sum(b['image'].shape[0] for b in dl)
        dt = time.perf_counter() - t0
    finally:
        shutil.rmtree(folder)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {'seconds': dt, 'chips': n, 'maxRssMB': rss / 1024}


if __name__ == '__main__':
    job = json.load(sys.stdin)
    print(json.dumps({'make': make, 'rasterio': rasterio_loop, 'torchgeo': torchgeo_loop}[sys.argv[1]](job)))
