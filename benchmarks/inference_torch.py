"""The benchmark network in PyTorch, and the script a user would otherwise write: rasterio windows +
PyTorch (CPU) + numpy cosine blending. Used by benchmarks/inference.ts (Debian python3-torch, python3-rasterio).

  /usr/bin/python3 inference_torch.py build OUT_DIR
      OUT_DIR/unet.pt          the network's weights (seeded), for `run`
      OUT_DIR/unet.onnx        the same network exported with torch.onnx.export (input x [N, 4, H, W] uint16
                               reflectance as float32, output y [N, 3, H, W] class probabilities)
      OUT_DIR/unet-weights.bin float32 weights, layer by layer (PyTorch layouts), and
      OUT_DIR/unet-weights.json their names and shapes, for building the same network in tfjs
  /usr/bin/python3 inference_torch.py run COG WEIGHTS OUT.tif TILE OVERLAP BATCH THREADS
      predicts COG in TILE² tiles every TILE - OVERLAP pixels (the last row/column snapped inside),
      batches of BATCH, blends with raised-cosine weights (sin² of the pixel centre's position, as the
      geoslice stitcher) and writes the class probabilities as a tiled DEFLATE GeoTIFF; prints JSON
      with the seconds spent reading, in the model, blending and writing, and the process's CPU seconds.

Network (U-Net-like, 2 levels): x / 10000 -> conv3x3 4->8, relu, conv3x3 8->8, relu (skip) -> maxpool 2
-> conv3x3 8->16, relu, conv3x3 16->16, relu -> nearest upsample 2 -> concat skip (24) -> conv3x3 24->8,
relu -> conv1x1 8->3 -> softmax over channels.
"""
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn


class UNetSmall(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = nn.Conv2d(4, 8, 3, padding=1)
        self.e2 = nn.Conv2d(8, 8, 3, padding=1)
        self.m1 = nn.Conv2d(8, 16, 3, padding=1)
        self.m2 = nn.Conv2d(16, 16, 3, padding=1)
        self.d1 = nn.Conv2d(24, 8, 3, padding=1)
        self.head = nn.Conv2d(8, 3, 1)

    def forward(self, x):
        x = x * 1e-4
        s = torch.relu(self.e2(torch.relu(self.e1(x))))
        m = torch.max_pool2d(s, 2)
        m = torch.relu(self.m2(torch.relu(self.m1(m))))
        u = torch.nn.functional.interpolate(m, scale_factor=2.0, mode="nearest")
        d = torch.relu(self.d1(torch.cat([u, s], dim=1)))
        return torch.softmax(self.head(d), dim=1)


LAYERS = ["e1", "e2", "m1", "m2", "d1", "head"]


def build(out_dir):
    torch.manual_seed(11)
    net = UNetSmall().eval()
    torch.save(net.state_dict(), f"{out_dir}/unet.pt")
    x = torch.rand(1, 4, 64, 64) * 5000
    torch.onnx.export(
        net, x, f"{out_dir}/unet.onnx", input_names=["x"], output_names=["y"], opset_version=13,
        dynamic_axes={"x": {0: "N", 2: "H", 3: "W"}, "y": {0: "N", 2: "H", 3: "W"}},
    )
    specs = []
    with open(f"{out_dir}/unet-weights.bin", "wb") as f:
        for name in LAYERS:
            layer = getattr(net, name)
            for kind in ("weight", "bias"):
                t = getattr(layer, kind).detach().numpy().astype("<f4")
                specs.append({"name": f"{name}.{kind}", "shape": list(t.shape)})
                f.write(t.tobytes())
    with open(f"{out_dir}/unet-weights.json", "w") as f:
        json.dump(specs, f)


def starts(n, size, stride):
    out, s = [], 0
    while True:
        if s + size >= n:
            out.append(max(0, n - size))
            return out
        out.append(s)
        s += stride


def run(cog, weights, out, tile, overlap, batch, threads):
    import rasterio
    from rasterio.windows import Window

    t_start = time.perf_counter()
    torch.set_num_threads(threads)
    net = UNetSmall().eval()
    net.load_state_dict(torch.load(weights))
    prof = np.sin(np.pi * (np.arange(tile) + 0.5) / tile) ** 2
    win2d = np.maximum(np.outer(prof, prof), 1e-12)
    t = {"read": 0.0, "model": 0.0, "stitch": 0.0, "write": 0.0}
    with rasterio.open(cog) as ds:
        h, w = ds.height, ds.width
        acc = np.zeros((3, h, w), dtype=np.float64)
        wsum = np.zeros((h, w), dtype=np.float64)
        tiles = [(x, y) for y in starts(h, tile, tile - overlap) for x in starts(w, tile, tile - overlap)]
        for b in range(0, len(tiles), batch):
            group = tiles[b : b + batch]
            t0 = time.perf_counter()
            x = np.stack([ds.read(window=Window(tx, ty, tile, tile)) for tx, ty in group]).astype(np.float32)
            t1 = time.perf_counter()
            with torch.no_grad():
                y = net(torch.from_numpy(x)).numpy()
            t2 = time.perf_counter()
            for (tx, ty), p in zip(group, y):
                acc[:, ty : ty + tile, tx : tx + tile] += p * win2d
                wsum[ty : ty + tile, tx : tx + tile] += win2d
            t3 = time.perf_counter()
            t["read"] += t1 - t0
            t["model"] += t2 - t1
            t["stitch"] += t3 - t2
        t0 = time.perf_counter()
        pred = (acc / wsum).astype(np.float32)
        profile = ds.profile.copy()
        profile.update(driver="GTiff", dtype="float32", count=3, tiled=True, blockxsize=256, blockysize=256,
                       compress="deflate", nodata=None)
        with rasterio.open(out, "w", **profile) as dst:
            dst.write(pred)
        t["write"] = time.perf_counter() - t0
    total = time.perf_counter() - t_start
    cpu = time.process_time()  # all threads of the process (torch's included)
    print(json.dumps({"chips": len(tiles), "seconds": {**t, "total": total}, "cpuSeconds": cpu, "chipsPerSecond": len(tiles) / total}))


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2])
    elif sys.argv[1] == "run":
        a = sys.argv
        run(a[2], a[3], a[4], int(a[5]), int(a[6]), int(a[7]), int(a[8]))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
