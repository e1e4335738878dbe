#!/usr/bin/python3
"""Reference safetensors files for src/io/safetensors.test.ts, written by a hand-made encoder that follows the
format spec (https://github.com/huggingface/safetensors#format): 8-byte little-endian unsigned header length N,
N bytes of UTF-8 JSON header {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}},
then the little-endian tensor bytes, offsets relative to the start of the data section. (The `safetensors` python
package is not installed here; torch supplies the tensors and their raw bytes.)

Usage (from the repository root):
  /usr/bin/python3 packages/runtime/scripts/make_safetensors_fixture.py            write the fixtures
  /usr/bin/python3 packages/runtime/scripts/make_safetensors_fixture.py --verify F read F with the reader below
      and check that every tensor equals (bit for bit) the torch tensor the fixtures were made from

Writes to packages/runtime/src/io/fixtures/:
  reference.safetensors       tensors in name order, compact JSON, header padded with spaces to 8 bytes
                              (the layout the TS writer promises, so TS must reproduce it byte for byte)
  official_order.safetensors  the same tensors laid out like the Rust library does (wider dtypes first),
                              with python's default JSON spacing and the header keys in another order
  reference.json              dtype, shape and values of each tensor and the metadata, for the TS test
"""
import json
import os
import struct
import sys

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'io', 'fixtures')
INT53 = 2**53

ST_DTYPE = {
    torch.float32: 'F32',
    torch.float64: 'F64',
    torch.float16: 'F16',
    torch.int32: 'I32',
    torch.int64: 'I64',
    torch.uint8: 'U8',
    torch.int8: 'I8',
    torch.bool: 'BOOL',
}
TORCH_DTYPE = {v: k for k, v in ST_DTYPE.items()}
METADATA = {'format': 'pt', 'note': 'tiny fixture'}


def make_tensors():
    g = torch.Generator().manual_seed(0)
    return {
        'a.f32': torch.randn(2, 3, generator=g, dtype=torch.float32),
        'b.f64': torch.randn(3, generator=g, dtype=torch.float64),
        # exact halves: max normal, smallest subnormal, negative zero
        'c.f16': torch.tensor([[1.0, -2.5], [65504.0, 2.0**-24], [-0.0, 0.333251953125]], dtype=torch.float16),
        'd.i32': torch.tensor([[-(2**31), 0, 2**31 - 1]], dtype=torch.int32),
        'e.i64': torch.tensor([-(2**63), 2**62 + 1, 0, 7], dtype=torch.int64),
        'f.u8': torch.tensor([0, 255, 7], dtype=torch.uint8),
        'g.i8': torch.tensor([-128, 127, 0], dtype=torch.int8),
        'h.bool': torch.tensor([[True, False], [False, True]]),
        'scalar': torch.tensor(3.5, dtype=torch.float32),
        'empty': torch.zeros(0, 3, dtype=torch.float32),
        # non-ASCII name: sorts after ASCII in UTF-8 byte order
        'wört.emb': torch.arange(4, dtype=torch.float32).reshape(2, 2) / 8,
    }


def raw_bytes(t):
    # numpy's tobytes() is C order in the host byte order (little-endian on every machine this runs on)
    assert sys.byteorder == 'little'
    return t.contiguous().numpy().tobytes()


def encode(tensors, metadata, order, compact=True, metadata_last=False):
    header = {}
    if metadata and not metadata_last:
        header['__metadata__'] = metadata
    offset = 0
    chunks = []
    for name in order:
        t = tensors[name]
        b = raw_bytes(t)
        header[name] = {'dtype': ST_DTYPE[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    if metadata and metadata_last:
        header['__metadata__'] = metadata
    seps = (',', ':') if compact else (', ', ': ')
    h = json.dumps(header, separators=seps, ensure_ascii=False).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(chunks)


def decode(data):
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        begin, end = e['data_offsets']
        dt = TORCH_DTYPE[e['dtype']]
        buf = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(buf, dtype=dt) if len(buf) else torch.zeros(0, dtype=dt)
        out[name] = t.reshape(e['shape'])
    return out, metadata


def jvalue(t, v):
    if t.dtype == torch.bool:
        return int(v)
    if t.dtype.is_floating_point:
        return float(v)
    v = int(v)
    return v if -INT53 <= v <= INT53 else str(v)


def summary(tensors):
    out = {}
    for name, t in tensors.items():
        flat = t.reshape(-1).tolist()
        out[name] = {'dtype': ST_DTYPE[t.dtype], 'shape': list(t.shape), 'values': [jvalue(t, v) for v in flat]}
    return out


def same(a, b):
    if a.dtype != b.dtype or list(a.shape) != list(b.shape):
        return False
    # bitwise: compares -0.0 and NaN payloads exactly
    return raw_bytes(a) == raw_bytes(b)


def verify(path):
    with open(path, 'rb') as f:
        got, metadata = decode(f.read())
    want = make_tensors()
    assert sorted(got) == sorted(want), f'names differ: {sorted(got)} vs {sorted(want)}'
    for name, t in want.items():
        assert same(got[name], t), f'{name}: {got[name]} != {t}'
    assert metadata == METADATA, metadata
    print(f'OK: {path} holds the {len(want)} reference tensors (bitwise equal to torch) and the metadata')


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--verify':
        verify(sys.argv[2])
        return
    os.makedirs(OUT, exist_ok=True)
    tensors = make_tensors()
    by_name = sorted(tensors, key=lambda s: s.encode('utf-8'))
    ref = encode(tensors, METADATA, by_name)
    # the Rust library puts wider dtypes first (alignment), names second
    official = sorted(tensors, key=lambda s: (-tensors[s].element_size(), s))
    off = encode(tensors, METADATA, official, compact=False, metadata_last=True)
    for fname, data in (('reference.safetensors', ref), ('official_order.safetensors', off)):
        back, meta = decode(data)
        assert meta == METADATA and all(same(back[k], tensors[k]) for k in tensors)
        with open(os.path.join(OUT, fname), 'wb') as f:
            f.write(data)
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump({'metadata': METADATA, 'order': by_name, 'tensors': summary(tensors)}, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print(f'wrote {len(ref)} + {len(off)} bytes of safetensors and reference.json to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
