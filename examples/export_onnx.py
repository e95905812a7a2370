"""Converts the examples' tfjs segmentation model (examples/model.ts, saved as model.json + weights.bin)
into an ONNX file with the input and output a PyTorch export has: x [N, 4, H, W] float32 band values,
y [N, 3, H, W] class probabilities. Stands in for `torch.onnx.export` of a PyTorch model in examples/infer.ts.

Usage: /usr/bin/python3 examples/export_onnx.py MODEL_DIR OUT.onnx   (Debian python3-onnx, python3-numpy)

The graph: LogReflectance ((ln(max(v, 1)) - 7) / 0.6 where v > 0, else 0) -> 3x3 and 7x7 average pools
(stride 1, 'same' padding that does not count the padding, as tfjs) -> concat [x, box3, box7] -> the three
dense layers as 1x1 convolutions (relu, relu, softmax over channels).
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(model_dir, out):
    manifest = json.load(open(f"{model_dir}/model.json"))
    group = manifest["weightsManifest"][0]
    raw = b"".join(open(f"{model_dir}/{p}", "rb").read() for p in group["paths"])
    weights, at = {}, 0
    for spec in group["weights"]:
        n = int(np.prod(spec["shape"]))
        weights[spec["name"]] = np.frombuffer(raw, dtype="<f4", count=n, offset=at).reshape(spec["shape"])
        at += 4 * n
    dense = sorted({k.split("/")[0] for k in weights})  # dense_Dense1, dense_Dense2, dense_Dense3
    inits = [
        numpy_helper.from_array(np.array(v, dtype=np.float32), k)
        for k, v in {"zero": 0.0, "one": 1.0, "seven": 7.0, "scale": 0.6}.items()
    ]
    nodes = [
        helper.make_node("Greater", ["x", "zero"], ["valid"]),
        helper.make_node("Max", ["x", "one"], ["x1"]),
        helper.make_node("Log", ["x1"], ["lx"]),
        helper.make_node("Sub", ["lx", "seven"], ["lc"]),
        helper.make_node("Div", ["lc", "scale"], ["ls"]),
        helper.make_node("Where", ["valid", "ls", "zero"], ["l"]),
        helper.make_node("AveragePool", ["l"], ["p3"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0),
        helper.make_node("AveragePool", ["l"], ["p7"], kernel_shape=[7, 7], pads=[3, 3, 3, 3], count_include_pad=0),
        helper.make_node("Concat", ["l", "p3", "p7"], ["h0"], axis=1),
    ]
    prev = "h0"
    for i, name in enumerate(dense):
        kernel = weights[f"{name}/kernel"]  # [in, out]
        inits.append(numpy_helper.from_array(kernel.T.reshape(kernel.shape[1], kernel.shape[0], 1, 1).copy(), f"{name}_w"))
        inits.append(numpy_helper.from_array(weights[f"{name}/bias"].copy(), f"{name}_b"))
        nodes.append(helper.make_node("Conv", [prev, f"{name}_w", f"{name}_b"], [f"c{i}"], kernel_shape=[1, 1]))
        last = i == len(dense) - 1
        nodes.append(helper.make_node("Softmax" if last else "Relu", [f"c{i}"], ["y" if last else f"r{i}"], **({"axis": 1} if last else {})))
        prev = f"r{i}"
    graph = helper.make_graph(
        nodes,
        "geoslice_sample_segmenter",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="geoslice-examples")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
