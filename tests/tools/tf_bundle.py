"""TensorBundle V2 checkpoints (PREFIX.index + PREFIX.data-0000k-of-0000n), as
tf.train.Saver writes them, in plain Python (numpy, python3-snappy): a
writer for test fixtures and a reader to check it against TF's own files.

Index: a LevelDB-format table (data blocks of prefix-compressed entries with
a restart point every 16 keys, one flushed at 256 KiB as TF's table options
do, an empty metaindex block, an index block with restart interval 1 and
shortened separator keys, a 48-byte footer ending in the table magic); each
block has a 5-byte trailer: compression type (0 raw, 1 snappy) + masked
crc32c of block + type. Key "" holds the BundleHeaderProto, every other key
a BundleEntryProto; tensors are stored back to back in name order.
"""
import struct

import numpy as np

TABLE_MAGIC = 0xDB4775248B80FB57
BLOCK_SIZE = 262144  # tensorflow/core/lib/io/table_options.h
RESTART_INTERVAL = 16

# tensorflow DataType enum <-> numpy.
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8,
          5: np.int16, 6: np.int8, 9: np.int64, 10: np.bool_,
          17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64}
BFLOAT16 = 14  # stored as uint16 bit patterns


def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC = _crc_table()


def crc32c(data, crc=0):
    c = crc ^ 0xFFFFFFFF
    for b in data:
        c = _CRC[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


try:  # Debian python3-crcmod's C extension: ~1000x the loop above.
    import crcmod.predefined as _crcmod
    _fast_crc32c = _crcmod.mkCrcFun("crc-32c")
except ImportError:
    _fast_crc32c = None


def masked_crc(data):
    c = crc32c(data) if _fast_crc32c is None else _fast_crc32c(bytes(data))
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


# --- protobuf messages -------------------------------------------------------

def _field(num, wire, payload):
    return varint(num << 3 | wire) + payload


def _bytes_field(num, data):
    return _field(num, 2, varint(len(data)) + data)


def header_proto(num_shards):
    # num_shards = 1, endianness = 2 (LITTLE = 0, omitted), version = 3.
    return _field(1, 0, varint(num_shards)) + _bytes_field(3, _field(1, 0, b"\x01"))


def entry_proto(dtype, shape, shard_id, offset, size, crc, slices=None):
    dims = b"".join(_bytes_field(2, _field(1, 0, varint(d)) if d else b"")
                    for d in shape)
    out = _field(1, 0, varint(dtype)) + _bytes_field(2, dims)
    if shard_id:
        out += _field(3, 0, varint(shard_id))
    if offset:
        out += _field(4, 0, varint(offset))
    if size:
        out += _field(5, 0, varint(size))
    if crc is not None:
        out += _field(6, 5, struct.pack("<I", crc))
    for extent in slices or []:  # TensorSliceProto: extent {start, length}
        ext = b"".join(_bytes_field(1, (_field(1, 0, varint(s)) if s else b"") +
                                    _field(2, 0, varint(n)))
                       for s, n in extent)
        out += _bytes_field(7, ext)
    return out


def parse_fields(buf):
    pos, out = 0, []
    while pos < len(buf):
        tag, pos = read_varint(buf, pos)
        num, wire = tag >> 3, tag & 7
        if wire == 0:
            v, pos = read_varint(buf, pos)
        elif wire == 2:
            n, pos = read_varint(buf, pos)
            v, pos = bytes(buf[pos:pos + n]), pos + n
        elif wire == 5:
            v, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        elif wire == 1:
            v, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        else:
            raise ValueError("wire type %d" % wire)
        out.append((num, v))
    return out


def parse_entry(buf):
    e = {"dtype": 0, "shape": [], "shard_id": 0, "offset": 0, "size": 0,
         "crc32c": 0, "slices": 0}
    for num, v in parse_fields(buf):
        if num == 1:
            e["dtype"] = v
        elif num == 2:
            for n2, dim in parse_fields(v):
                if n2 == 2:
                    e["shape"].append(dict(parse_fields(dim)).get(1, 0))
        elif num in (3, 4, 5):
            e[{3: "shard_id", 4: "offset", 5: "size"}[num]] = v
        elif num == 6:
            e["crc32c"] = v
        elif num == 7:
            e["slices"] += 1
    return e


# --- LevelDB table ------------------------------------------------------------

class _Block:
    def __init__(self, restart_interval):
        self.interval = restart_interval
        self.buf = bytearray()
        self.restarts = [0]
        self.count = 0
        self.last = b""

    def add(self, key, value):
        shared = 0
        if self.count < self.interval:
            n = min(len(key), len(self.last))
            while shared < n and key[shared] == self.last[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.count = 0
        self.buf += varint(shared) + varint(len(key) - shared) + varint(len(value))
        self.buf += key[shared:] + value
        self.last = key
        self.count += 1

    def size_estimate(self):
        return len(self.buf) + 4 * len(self.restarts) + 4

    def finish(self):
        return bytes(self.buf) + b"".join(struct.pack("<I", r) for r in
                                          self.restarts) + struct.pack(
                                              "<I", len(self.restarts))


def _shortest_separator(start, limit):
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n and start[i] < 0xFF and start[i] + 1 < limit[i]:
        return start[:i] + bytes([start[i] + 1])
    return start


def _short_successor(key):
    for i, b in enumerate(key):
        if b != 0xFF:
            return key[:i] + bytes([b + 1])
    return key


def write_table(items, snappy_blocks=False):
    """items: sorted (key bytes, value bytes). Returns the table bytes."""
    out = bytearray()

    def write_block(contents):
        ctype = 0
        if snappy_blocks:
            import snappy
            packed = snappy.compress(contents)
            if len(packed) < len(contents) - len(contents) // 8:
                contents, ctype = packed, 1
        handle = varint(len(out)) + varint(len(contents))
        out.extend(contents)
        out.append(ctype)
        out.extend(struct.pack("<I", masked_crc(contents + bytes([ctype]))))
        return handle

    index = _Block(1)
    block = _Block(RESTART_INTERVAL)
    pending = None  # (last key, handle) of the flushed block
    for key, value in items:
        if pending:
            index.add(_shortest_separator(pending[0], key), pending[1])
            pending = None
        block.add(key, value)
        if block.size_estimate() >= BLOCK_SIZE:
            pending = (key, write_block(block.finish()))
            block = _Block(RESTART_INTERVAL)
    if block.count or block.buf:
        pending = (block.last, write_block(block.finish()))
    if pending:
        index.add(_short_successor(pending[0]), pending[1])
    meta = write_block(_Block(RESTART_INTERVAL).finish())
    idx = write_block(index.finish())
    footer = (meta + idx).ljust(40, b"\x00") + struct.pack("<Q", TABLE_MAGIC)
    return bytes(out + footer)


def _read_block(buf, handle_bytes):
    off, p = read_varint(handle_bytes, 0)
    size, _ = read_varint(handle_bytes, p)
    contents, ctype = buf[off:off + size], buf[off + size]
    crc = struct.unpack_from("<I", buf, off + size + 1)[0]
    if masked_crc(bytes(contents) + bytes([ctype])) != crc:
        raise ValueError("block at %d fails its crc32c" % off)
    if ctype == 1:
        import snappy
        contents = snappy.uncompress(bytes(contents))
    return bytes(contents)


def _block_items(block):
    nrest = struct.unpack_from("<I", block, len(block) - 4)[0]
    end, pos, key = len(block) - 4 - 4 * nrest, 0, b""
    while pos < end:
        shared, pos = read_varint(block, pos)
        nonshared, pos = read_varint(block, pos)
        vlen, pos = read_varint(block, pos)
        key = key[:shared] + block[pos:pos + nonshared]
        pos += nonshared
        yield key, block[pos:pos + vlen]
        pos += vlen


def read_table(buf):
    if struct.unpack_from("<Q", buf, len(buf) - 8)[0] != TABLE_MAGIC:
        raise ValueError("bad table magic")
    footer = buf[len(buf) - 48:]
    _, p = read_varint(footer, 0)
    _, p = read_varint(footer, p)
    index = _read_block(buf, footer[p:])
    items = []
    for _, handle in _block_items(index):
        items.extend(_block_items(_read_block(buf, handle)))
    return items


# --- bundle -------------------------------------------------------------------

def shard_name(prefix, k, n):
    return "%s.data-%05d-of-%05d" % (prefix, k, n)


def tensor_bytes(array, dtype=None):
    """(tf dtype, shape, little-endian bytes) of a numpy array; bfloat16 is
    passed as dtype=14 with a uint16 array of bit patterns."""
    a = np.array(array, order="C")  # (ascontiguousarray makes 0-d 1-d)
    if dtype is None:
        dtype = next(k for k, v in DTYPES.items() if np.dtype(v) == a.dtype)
    return dtype, list(a.shape), a.astype(a.dtype.newbyteorder("<")).tobytes()


def write_bundle(prefix, tensors, num_shards=1, snappy_index=False,
                 sliced=()):
    """tensors: {name: numpy array or (tf dtype, array)}; stored in name
    order, shard = position % num_shards. Names in `sliced` are written as
    a partitioned variable: a full entry with one slice, the data under a
    slice key (which starts with \\x00)."""
    shards = [bytearray() for _ in range(num_shards)]
    items = [(b"", header_proto(num_shards))]
    for i, name in enumerate(sorted(tensors)):
        t = tensors[name]
        dtype, shape, data = (tensor_bytes(t[1], t[0]) if isinstance(t, tuple)
                              else tensor_bytes(t))
        k = i % num_shards
        entry = entry_proto(dtype, shape, k, len(shards[k]), len(data),
                            masked_crc(data))
        key = name.encode("utf-8")
        if name in sliced:
            items.append((key, entry_proto(dtype, shape, 0, 0, 0, None,
                                           [[(0, d) for d in shape]])))
            key = b"\x00" + key + b"\x00\x01"
        items.append((key, entry))
        shards[k] += data
    items.sort(key=lambda kv: kv[0])
    with open(prefix + ".index", "wb") as f:
        f.write(write_table(items, snappy_index))
    for k, data in enumerate(shards):
        with open(shard_name(prefix, k, num_shards), "wb") as f:
            f.write(bytes(data))


def read_bundle(prefix):
    """{name: (tf dtype, shape, raw bytes)} of a bundle, crc32c checked."""
    with open(prefix + ".index", "rb") as f:
        items = read_table(f.read())
    header = dict(parse_fields(items[0][1]))
    n = header.get(1, 0)
    shards = []
    for k in range(n):
        with open(shard_name(prefix, k, n), "rb") as f:
            shards.append(f.read())
    out = {}
    for key, value in items[1:]:
        e = parse_entry(value)
        data = shards[e["shard_id"]][e["offset"]:e["offset"] + e["size"]]
        if masked_crc(data) != e["crc32c"]:
            raise ValueError("tensor %r fails its crc32c" % key)
        out[key.decode("utf-8")] = (e["dtype"], e["shape"], data)
    return out
