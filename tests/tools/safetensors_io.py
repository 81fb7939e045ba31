"""Minimal safetensors reader/writer (F32, F16, BF16) for the test tools.

Format: 8-byte little-endian header length, a JSON header (name ->
{dtype, shape, data_offsets}, optional "__metadata__") padded with spaces to a
multiple of 8, then the raw little-endian tensor bytes.
"""

import json
import struct

import numpy as np
import torch


def write_safetensors(path, tensors, dtype="F32"):
  """tensors: name -> float32 torch tensor, stored as dtype F32/F16/BF16."""
  header = {}
  blobs = []
  offset = 0
  for name, t in tensors.items():
    if dtype == "F32":
      raw = t.contiguous().numpy().astype("<f4").tobytes()
    elif dtype == "F16":
      raw = t.contiguous().numpy().astype("<f2").tobytes()
    elif dtype == "BF16":
      raw = (t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2")
             .tobytes())
    else:
      raise ValueError(dtype)
    header[name] = {"dtype": dtype, "shape": list(t.shape),
                    "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
  header["__metadata__"] = {"format": "pt"}
  text = json.dumps(header, separators=(",", ":")).encode("utf-8")
  text += b" " * ((8 - len(text) % 8) % 8)
  with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for raw in blobs:
      f.write(raw)


def read_safetensors(path):
  """Returns name -> float32 torch tensor (F32, F16 and BF16 are widened)."""
  with open(path, "rb") as f:
    data = f.read()
  (n,) = struct.unpack("<Q", data[:8])
  header = json.loads(data[8:8 + n].decode("utf-8"))
  base = 8 + n
  out = {}
  for name, info in header.items():
    if name == "__metadata__":
      continue
    begin, end = info["data_offsets"]
    raw = data[base + begin:base + end]
    if info["dtype"] == "F32":
      arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    elif info["dtype"] == "F16":
      arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    elif info["dtype"] == "BF16":
      bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
      arr = bits.view(np.float32)
    else:
      raise ValueError("%s: tensor %s has dtype %s; only F32, F16 and BF16 "
                       "are read" % (path, name, info["dtype"]))
    out[name] = torch.from_numpy(arr.copy()).reshape(info["shape"])
  return out
