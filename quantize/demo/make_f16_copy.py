#!/usr/bin/python3
"""Writes an F16 copy of a Hugging Face checkpoint (safetensors F32 -> F16).

Used once to bundle the demo model:
  /usr/bin/python3 quantize/demo/make_f16_copy.py ../shared/models/resume-tiny \
      quantize/demo/resume-tiny
Copies config.json and vocab.txt, converts every F32 tensor of
model.safetensors to F16 (round to nearest even, numpy astype).
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import numpy as np


def main(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "vocab.txt"):
        shutil.copy(src / name, dst / name)
    raw = (src / "model.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out_header, blobs, offset = {}, [], 0
    for name, info in sorted(header.items()):
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        assert info["dtype"] == "F32", (name, info["dtype"])
        arr = np.frombuffer(data[b:e], dtype="<f4").astype("<f2")
        blob = arr.tobytes()
        out_header[name] = {"dtype": "F16", "shape": info["shape"],
                            "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    hb = json.dumps(out_header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(dst / "model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for blob in blobs:
            f.write(blob)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
