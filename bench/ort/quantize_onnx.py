#!/usr/bin/python3
"""Dynamic int8 quantization of an ONNX BERT, as onnxruntime's quantize_dynamic.

Usage: /usr/bin/python3 bench/ort/quantize_onnx.py IN.onnx OUT.onnx
(needs python3-onnx; the onnxruntime Python quantizer is not installable here.)

Rewrites the graph the way onnxruntime.quantization.quantize_dynamic does with
its defaults (QOperator format, activations uint8 asymmetric, weights int8
symmetric per tensor, MatMulConstBOnly, no reduce_range):
  * MatMul(A, W) with W a float initializer ->
      DynamicQuantizeLinear(A) -> (A_q uint8, A_scale, A_zp)   [shared per A]
      W_q = round(W / W_scale) int8, W_scale = max|W| / 127, W_zp = 0
      MatMulInteger(A_q, W_q, A_zp, W_zp) -> Cast(float)
      -> Mul(., Mul(A_scale, W_scale)) -> original output
    ORT's graph optimizer fuses this chain into DynamicQuantizeMatMul
    (MatMulIntegerToFloatFusion + DynamicQuantizeMatMulFusion), the kernel a
    quantize_dynamic'ed model runs.
  * Gather(E, ids) with E a float initializer (the word embeddings) ->
      E_q uint8 asymmetric per tensor, Gather(E_q, ids) ->
      DequantizeLinear(., E_scale, E_zp) -> original output.
MatMuls of two activations (attention scores, context) stay float, as with
MatMulConstBOnly. Everything else is unchanged.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model = onnx.load(sys.argv[1])
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers[i] = consumers.get(i, 0) + 1

    new_nodes, new_inits, drop = [], [], set()
    dq_cache = {}  # activation name -> (q, scale, zp)
    counts = {"MatMul": 0, "Gather": 0}

    def const(name, value, dtype):
        new_inits.append(numpy_helper.from_array(np.array(value, dtype=dtype),
                                                 name))
        return name

    for n in g.node:
        w = inits.get(n.input[1]) if len(n.input) > 1 else None
        if (n.op_type == "MatMul" and w is not None and
                w.data_type == TensorProto.FLOAT and len(w.dims) == 2):
            a = n.input[0]
            if a not in dq_cache:
                q = (a + "_quantized", a + "_scale", a + "_zero_point")
                new_nodes.append(helper.make_node(
                    "DynamicQuantizeLinear", [a], list(q),
                    a + "_QuantizeLinear"))
                dq_cache[a] = q
            a_q, a_s, a_zp = dq_cache[a]
            wf = numpy_helper.to_array(w).astype(np.float32)
            absmax = float(np.abs(wf).max())
            scale = absmax / 127.0 if absmax > 0 else 1.0
            wq = np.clip(np.rint(wf / scale), -127, 127).astype(np.int8)
            new_inits.append(numpy_helper.from_array(wq, w.name + "_quantized"))
            w_s = const(w.name + "_scale", scale, np.float32)
            w_zp = const(w.name + "_zero_point", 0, np.int8)
            if consumers[w.name] == 1:
                drop.add(w.name)
            out = n.output[0]
            base = n.name or out
            new_nodes.append(helper.make_node(
                "MatMulInteger", [a_q, w.name + "_quantized", a_zp, w_zp],
                [out + "_output_quantized"], base + "_quant"))
            new_nodes.append(helper.make_node(
                "Cast", [out + "_output_quantized"],
                [out + "_output_quantized_cast_output"],
                out + "_output_quantized_cast", to=TensorProto.FLOAT))
            new_nodes.append(helper.make_node(
                "Mul", [a_s, w_s], [base + "_scales_mul:0"],
                base + "_scales_mul"))
            new_nodes.append(helper.make_node(
                "Mul", [out + "_output_quantized_cast_output",
                        base + "_scales_mul:0"], [out],
                base + "_output_scale_mul"))
            counts["MatMul"] += 1
            continue
        e = inits.get(n.input[0]) if n.input else None
        if (n.op_type == "Gather" and e is not None and
                e.data_type == TensorProto.FLOAT):
            ef = numpy_helper.to_array(e).astype(np.float32)
            lo, hi = min(float(ef.min()), 0.0), max(float(ef.max()), 0.0)
            scale = (hi - lo) / 255.0 if hi > lo else 1.0
            zp = int(np.clip(np.rint(-lo / scale), 0, 255))
            eq = np.clip(np.rint(ef / scale) + zp, 0, 255).astype(np.uint8)
            new_inits.append(numpy_helper.from_array(eq, e.name + "_quantized"))
            e_s = const(e.name + "_scale", scale, np.float32)
            e_zp = const(e.name + "_zero_point", zp, np.uint8)
            if consumers[e.name] == 1:
                drop.add(e.name)
            out = n.output[0]
            node = helper.make_node("Gather", [e.name + "_quantized"] +
                                    list(n.input[1:]), [out + "_quantized"],
                                    (n.name or out) + "_quant")
            node.attribute.extend(n.attribute)
            new_nodes.append(node)
            new_nodes.append(helper.make_node(
                "DequantizeLinear", [out + "_quantized", e_s, e_zp], [out],
                out + "_DequantizeLinear"))
            counts["Gather"] += 1
            continue
        new_nodes.append(n)

    kept = [t for t in g.initializer if t.name not in drop]
    del g.initializer[:]
    g.initializer.extend(kept + new_inits)
    del g.node[:]
    g.node.extend(new_nodes)
    # DynamicQuantizeLinear / MatMulInteger need opset >= 11 (default domain).
    for op in model.opset_import:
        if op.domain in ("", "ai.onnx") and op.version < 11:
            op.version = 11
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[2])
    print("quantized %d MatMul and %d Gather -> %s" %
          (counts["MatMul"], counts["Gather"], sys.argv[2]))


if __name__ == "__main__":
    main()
