#!/usr/bin/env python3
"""golden_extract.py - flatten the single-operator golden suite for the kernel
harness (golden_kernels.c), so the kernels can be checked bit-exact against
TFLM without tmc's own reader.

usage: golden_extract.py GOLDEN_OPS_DIR OUT_DIR

For each case in GOLDEN_OPS_DIR/manifest.json it writes OUT_DIR/<case>.txt:

  case <name>
  tensor <idx> <type> <rank> <dims...> <nscale> <scales...> <nzp> <zps...> <qdim> <data>
  op <NAME> <nin> <in idx...> <nout> <out idx...> <nopt> <key> <value> ...
  input <k> <tensor idx> <file>
  output <k> <tensor idx> <file>

<data> is a file (OUT_DIR/<case>.t<idx>.bin) for constant tensors, '-'
otherwise. Scales are printed with repr() of the float32 value so that
strtod + (float) gives the stored value. Option values are integers except
beta/alpha (floats); padding SAME=1 VALID=0, activations use TFLite's codes.
Only the standard library is used.
"""
import json
import os
import struct
import sys

TYPES = {0: "float32", 2: "int32", 3: "uint8", 4: "int64", 9: "int8",
         7: "int16"}
ACT = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4,
       "SIGN_BIT": 5}


class FB:
    """Minimal read-only flatbuffer table access."""

    def __init__(self, buf):
        self.b = buf

    def u32(self, o):
        return struct.unpack_from("<I", self.b, o)[0]

    def i32(self, o):
        return struct.unpack_from("<i", self.b, o)[0]

    def root(self):
        return self.u32(0)

    def field(self, t, i):
        vt = t - self.i32(t)
        vlen = struct.unpack_from("<H", self.b, vt)[0]
        if 4 + 2 * i >= vlen:
            return None
        off = struct.unpack_from("<H", self.b, vt + 4 + 2 * i)[0]
        return t + off if off else None

    def scalar(self, t, i, fmt, default=0):
        p = self.field(t, i)
        return struct.unpack_from("<" + fmt, self.b, p)[0] if p else default

    def table(self, t, i):
        p = self.field(t, i)
        return p + self.u32(p) if p else None

    def vector(self, t, i):
        p = self.field(t, i)
        if not p:
            return None, 0
        v = p + self.u32(p)
        return v + 4, self.u32(v)

    def vec_tables(self, t, i):
        s, n = self.vector(t, i)
        return [s + 4 * k + self.u32(s + 4 * k) for k in range(n)] if s else []

    def vec_scalars(self, t, i, fmt):
        s, n = self.vector(t, i)
        if not s:
            return []
        size = struct.calcsize("<" + fmt)
        return [struct.unpack_from("<" + fmt, self.b, s + size * k)[0]
                for k in range(n)]

    def vec_bytes(self, t, i):
        s, n = self.vector(t, i)
        return bytes(self.b[s:s + n]) if s else b""


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def opt_value(k, v):
    if k == "padding":
        return [1 if v == "SAME" else 0]
    if k == "fused_activation_function":
        return [ACT[v]]
    if isinstance(v, bool):
        return [int(v)]
    if isinstance(v, list):
        return [len(v)] + [int(x) for x in v]
    if isinstance(v, float):
        return [repr(f32(v))]
    return [v]


def extract(ops_dir, out_dir, case):
    model = open(os.path.join(ops_dir, case["file"]), "rb").read()
    fb = FB(model)
    root = fb.root()
    opcodes = fb.vec_tables(root, 1)
    buffers = fb.vec_tables(root, 4)
    sg = fb.vec_tables(root, 2)[0]
    tensors = fb.vec_tables(sg, 0)
    operators = fb.vec_tables(sg, 3)
    lines = ["case " + case["name"]]
    for idx, t in enumerate(tensors):
        shape = fb.vec_scalars(t, 0, "i")
        ttype = TYPES.get(fb.scalar(t, 1, "b"), "other")
        buf = fb.scalar(t, 2, "I")
        q = fb.table(t, 4)
        scales, zps, qdim = [], [], 0
        if q is not None:
            scales = [repr(x) for x in fb.vec_scalars(q, 2, "f")]
            zps = [str(x) for x in fb.vec_scalars(q, 3, "q")]
            qdim = fb.scalar(q, 6, "i")
        data = "-"
        if buf < len(buffers):
            raw = fb.vec_bytes(buffers[buf], 0)
            if raw:
                data = os.path.join(out_dir, "%s.t%d.bin" % (case["name"], idx))
                open(data, "wb").write(raw)
        lines.append(" ".join(
            ["tensor", str(idx), ttype, str(len(shape))] +
            [str(d) for d in shape] + [str(len(scales))] + scales +
            [str(len(zps))] + zps + [str(qdim), data]))
    for k, op in enumerate(operators):
        code = opcodes[fb.scalar(op, 0, "I")]
        ins = fb.vec_scalars(op, 1, "i")
        outs = fb.vec_scalars(op, 2, "i")
        # Operator names: the op under test is the last operator; helper ops
        # (DEQUANTIZE before QUANTIZE) come first.
        if k == len(operators) - 1:
            name = case["op"]
            opts = case.get("options", {})
        else:
            name = case.get("helper_ops", ["?"])[k]
            opts = {}
        flat = []
        for key, val in opts.items():
            flat += [key] + [str(x) for x in opt_value(key, val)]
        nopt = len(opts)
        lines.append(" ".join(["op", name, str(len(ins))] +
                              [str(x) for x in ins] + [str(len(outs))] +
                              [str(x) for x in outs] + [str(nopt)] + flat))
        del code
    sg_in = fb.vec_scalars(sg, 1, "i")
    sg_out = fb.vec_scalars(sg, 2, "i")
    case_dir = os.path.join(ops_dir, case["name"])
    for k, t in enumerate(sg_in):
        name = "seed1.input.bin" if k == 0 else "seed1.input%d.bin" % k
        lines.append("input %d %d %s" % (k, t, os.path.join(case_dir, name)))
    for k, t in enumerate(sg_out):
        lines.append("output %d %d %s" % (
            k, t, os.path.join(case_dir, "seed1.output%d.bin" % k)))
    open(os.path.join(out_dir, case["name"] + ".txt"), "w").write(
        "\n".join(lines) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    ops_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    manifest = json.load(open(os.path.join(ops_dir, "manifest.json")))
    names = []
    for case in manifest["cases"]:
        extract(ops_dir, out_dir, case)
        names.append(case["name"])
    open(os.path.join(out_dir, "cases.txt"), "w").write("\n".join(names) + "\n")
    print("extracted %d cases" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
