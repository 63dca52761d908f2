"""A small PNG reader (standard library only: ``zlib``) and the step from a photo to MNIST.

``read_png(path)`` decodes 8-bit, non-interlaced PNGs of colour type grey (0), RGB (2),
grey + alpha (4) or RGBA (6) into grey levels 0..255 (``0.299 R + 0.587 G + 0.114 B``;
transparent pixels are composited on white). Anything else (palettes, 16-bit, interlaced)
is refused with a :class:`PNGError` that says what the file is and how to convert it.

Each scanline starts with a filter byte; the filters (PNG spec §9) reconstruct a byte from
its left (a), upper (b) and upper-left (c) neighbours: 1 Sub ``x + a``, 2 Up ``x + b``,
3 Average ``x + (a + b)//2``, 4 Paeth ``x + paeth(a, b, c)``, all mod 256.

``to_mnist(grey, width, height)`` makes 28×28 bytes the way MNIST was made, approximately:
dark ink on a light background is inverted (MNIST is white ink on black; decided by the mean
of the border pixels); the bounding box of the ink is scaled, keeping its aspect ratio, so its
longer side is 20 pixels (box averaging: each output pixel is the mean of the input pixels it
covers, by nearest source rows/columns, no sub-pixel weights), then placed in a 28×28 frame with
its centre of mass at pixel (14, 14) as in MNIST (rounded to whole pixels). Ink is whatever is
brighter than 5% of the brightest pixel. An image already 28×28 is only inverted if needed.
A 2× enlarged, inverted MNIST digit comes back (almost) exactly (see the tests).
"""

import struct
import zlib

from autograd.errors import ChainruleError
from autograd.fileio import read_bytes

__all__ = ["PNGError", "read_png", "to_mnist", "MAX_PNG_BYTES", "MAX_PNG_PIXELS"]

# What read_png accepts: a file of at most 64 MB declaring at most 2**21 pixels (a 1920x1080
# screenshot; checked before anything is inflated, and the image data is inflated to the size
# the header declares and no further). Decoding is pure Python, ~4 us per RGBA pixel with the
# Paeth filter: this bounds a hostile file to ~10 s. A 28x28 model needs far less: shrink a
# larger photo first.
MAX_PNG_BYTES = 64 * 10 ** 6
MAX_PNG_PIXELS = 2 ** 21

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}
_KINDS = {0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale+alpha", 6: "RGBA"}
_CONVERT = "convert it to an 8-bit greyscale or RGB(A) PNG without interlacing"


class PNGError(ChainruleError, ValueError):
    """A file that is not a PNG this reader supports."""


def _chunks(raw, path):
    pos = len(SIGNATURE)
    while pos + 8 <= len(raw):
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        data = raw[pos + 8:pos + 8 + length]
        if len(data) != length or pos + 12 + length > len(raw):
            raise PNGError(f"{path}: truncated PNG (chunk {kind!r} is cut off)")
        crc = struct.unpack(">I", raw[pos + 8 + length:pos + 12 + length])[0]
        if zlib.crc32(kind + data) != crc:
            raise PNGError(f"{path}: corrupted PNG (bad CRC in chunk {kind!r})")
        yield kind, data
        pos += 12 + length


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(data, width, height, bpp, path):
    """Undo the per-scanline filters; returns the raw pixel bytes, row after row."""
    stride = width * bpp
    if len(data) < height * (stride + 1):
        raise PNGError(f"{path}: truncated PNG image data ({len(data)} bytes for "
                       f"{height} rows of {stride + 1})")
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype = data[start]
        line = bytearray(data[start + 1:start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ftype == 2:
            line = bytearray((x + b) & 255 for x, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                c = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(a, prev[i], c)) & 255
        elif ftype != 0:
            raise PNGError(f"{path}: corrupted PNG (unknown filter type {ftype} in row {y})")
        out += line
        prev = line
    return bytes(out)


def read_png(path):
    """``(grey bytes, width, height)``: one byte 0..255 per pixel, row-major."""
    try:
        raw = read_bytes(path, MAX_PNG_BYTES, "PNG file")
    except OSError as e:
        raise PNGError(f"cannot read {path}: {e.strerror or e}") from None
    if not raw.startswith(SIGNATURE):
        raise PNGError(f"{path}: not a PNG file (the 8-byte PNG signature is missing)")
    header, idat, end = None, [], False
    for kind, data in _chunks(raw, path):
        if kind == b"IHDR":
            if len(data) != 13:
                raise PNGError(f"{path}: corrupted PNG (IHDR has {len(data)} bytes, not 13)")
            header = struct.unpack(">IIBBBBB", data[:13])
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"IEND":
            end = True
            break
    if header is None:
        raise PNGError(f"{path}: corrupted PNG (no IHDR header chunk)")
    if not end:
        raise PNGError(f"{path}: truncated PNG (the file ends before its IEND chunk)")
    width, height, depth, ctype, _, _, interlace = header
    if ctype not in _CHANNELS or depth != 8 or interlace:
        what = f"{depth}-bit {_KINDS.get(ctype, f'colour type {ctype}')}"
        if interlace:
            what += ", interlaced"
        raise PNGError(f"{path}: unsupported PNG ({what}); {_CONVERT}")
    if width == 0 or height == 0:
        raise PNGError(f"{path}: empty PNG ({width}x{height})")
    if width * height > MAX_PNG_PIXELS:
        raise PNGError(f"{path}: the PNG declares {width}x{height} pixels, more than the "
                       f"{MAX_PNG_PIXELS:,} read_png accepts; shrink it first (the model sees "
                       "28x28 pixels)")
    ch = _CHANNELS[ctype]
    try:          # inflate what the rows need, no more: a small file cannot fill the memory
        data = zlib.decompressobj().decompress(b"".join(idat), height * (width * ch + 1))
    except zlib.error as e:
        raise PNGError(f"{path}: corrupted PNG image data ({e})") from None
    px = _unfilter(data, width, height, ch, path)
    if ch == 1:
        return px, width, height
    grey = bytearray(width * height)
    for i in range(width * height):
        p = px[i * ch:(i + 1) * ch]
        v = p[0] if ch <= 2 else 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
        if ch in (2, 4):                      # alpha: composite on white
            alpha = p[-1] / 255
            v = v * alpha + 255 * (1 - alpha)
        grey[i] = min(255, max(0, int(v + 0.5)))
    return bytes(grey), width, height


def _border_mean(grey, w, h):
    border = [grey[x] for x in range(w)] + [grey[(h - 1) * w + x] for x in range(w)]
    border += [grey[y * w] for y in range(h)] + [grey[y * w + w - 1] for y in range(h)]
    return sum(border) / len(border)


def to_mnist(grey, width, height, size=28, box=20):
    """``size × size`` bytes, white ink on black, digit scaled into ``box`` and centred by mass."""
    grey = bytes(grey)
    if len(grey) != width * height:
        raise ValueError(f"to_mnist: {len(grey)} pixels for a {width}x{height} image")
    if _border_mean(grey, width, height) > 127:
        grey = bytes(255 - v for v in grey)
    if (width, height) == (size, size):
        return grey
    floor = max(grey) // 20          # ignore faint noise below 5% of the brightest ink
    ink = [i for i, v in enumerate(grey) if v > floor]
    if not ink:
        return bytes(size * size)
    ys = [i // width for i in ink]
    xs = [i % width for i in ink]
    x0, x1, y0, y1 = min(xs), max(xs) + 1, min(ys), max(ys) + 1
    bw, bh = x1 - x0, y1 - y0
    scale = box / max(bw, bh)
    ow, oh = max(1, round(bw * scale)), max(1, round(bh * scale))
    small = []
    for oy in range(oh):
        sy0 = y0 + int(oy / scale)
        sy1 = max(sy0 + 1, y0 + int((oy + 1) / scale))
        for ox in range(ow):
            sx0 = x0 + int(ox / scale)
            sx1 = max(sx0 + 1, x0 + int((ox + 1) / scale))
            vals = [grey[y * width + x] for y in range(sy0, min(sy1, y1))
                    for x in range(sx0, min(sx1, x1))]
            small.append(sum(vals) / len(vals) if vals else 0.0)
    mass = sum(small) or 1.0
    cy = sum(v * (i // ow) for i, v in enumerate(small)) / mass
    cx = sum(v * (i % ow) for i, v in enumerate(small)) / mass
    top, left = round(size / 2 - cy), round(size / 2 - cx)     # MNIST: mass at (14, 14)
    out = bytearray(size * size)
    for i, v in enumerate(small):
        y, x = top + i // ow, left + i % ow
        if 0 <= y < size and 0 <= x < size:
            out[y * size + x] = min(255, int(v + 0.5))
    return bytes(out)
