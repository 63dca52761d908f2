"""A tiny PNG encoder for the tests (zlib + the five scanline filters), to feed nn.apps.png."""

import struct
import zlib

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _filter(line, prev, bpp, ftype):
    out = bytearray()
    for i, x in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[ftype]
        out.append((x - pred) & 255)
    return bytes(out)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels, width, height, ctype=0, depth=8, interlace=0, filters=(0, 1, 2, 3, 4)):
    """PNG bytes of ``pixels`` (bytes, row-major, channels interleaved); row y uses filter
    ``filters[y % len(filters)]`` so every filter type is exercised."""
    bpp = CHANNELS.get(ctype, 1)
    stride = width * bpp
    raw = bytearray()
    prev = bytes(stride)
    for y in range(height):
        line = bytes(pixels[y * stride:(y + 1) * stride])
        f = filters[y % len(filters)]
        raw.append(f)
        raw += _filter(line, prev, bpp, f)
        prev = line
    ihdr = struct.pack(">IIBBBBB", width, height, depth, ctype, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw)))
            + chunk(b"IEND", b""))
