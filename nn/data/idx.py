"""IDX files: the plain binary format of the MNIST and Fashion-MNIST databases.

An IDX file is a header followed by the raw values, row-major, big-endian::

    bytes 0-1   0x00 0x00             (magic, part 1)
    byte  2     type code             0x08 = unsigned byte (the only one MNIST uses)
    byte  3     ndim                  number of dimensions, e.g. 3 for images, 1 for labels
    4*ndim      dimensions            each a 32-bit big-endian unsigned integer
    ...         payload               prod(shape) * itemsize bytes, nothing after it

So the MNIST training images are ``00 00 08 03 | 60000 | 28 | 28 | 47,040,000 bytes``.
Files are often gzip-compressed (``.gz``); :func:`read_idx` detects gzip by its magic
bytes ``1f 8b``, not by the file name.

A whole dataset stays one ``bytes`` object (one byte per pixel): 60,000 x 784 pixels as
Python floats would take about 1.5 GB, as bytes they take 47 MB.
"""

import gzip as _gzip
import os
import zlib

from autograd.fileio import atomic_write

__all__ = ["IDXError", "IDXArray", "read_idx", "parse_idx", "write_idx"]

GZIP_MAGIC = b"\x1f\x8b"

# type code -> (name, bytes per value). Only unsigned bytes are read and written;
# the others are listed so an error can name what the file holds.
TYPE_NAMES = {
    0x08: ("unsigned byte", 1),
    0x09: ("signed byte", 1),
    0x0B: ("short (int16)", 2),
    0x0C: ("int (int32)", 4),
    0x0D: ("float (float32)", 4),
    0x0E: ("double (float64)", 8),
}
SUPPORTED_TYPES = (0x08,)
MAX_DIM = 2**32 - 1


class IDXError(ValueError):
    """An IDX file (or the data given to write one) is malformed: says which file and what."""


class IDXArray:
    """The contents of an IDX file: ``shape`` (tuple of ints) and ``data`` (bytes, row-major).

    ``data[k]`` is the value at flat position ``k``; for images of shape (n, rows, cols),
    image ``i`` is ``data[i*rows*cols:(i+1)*rows*cols]``.
    """

    __slots__ = ("shape", "data", "type_code")

    def __init__(self, shape, data, type_code=0x08):
        self.shape = tuple(shape)
        self.data = data
        self.type_code = type_code

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return f"IDXArray(shape={self.shape}, type={TYPE_NAMES[self.type_code][0]!r})"


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def parse_idx(raw, name="<bytes>", ndim=None):
    """Parse the bytes of an IDX file (gzip-compressed or not) into an :class:`IDXArray`.

    ``name`` is used in error messages. ``ndim``, if given, is the number of dimensions
    the caller expects (3 for images, 1 for labels); another count is an error.
    Raises :class:`IDXError` on a bad magic number, an unsupported type, a short header,
    a wrong number of dimensions, or a payload that is shorter or longer than the header says.
    """
    raw = bytes(raw)
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = _gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise IDXError(
                f"{name}: starts like a gzip file but cannot be decompressed ({e}); "
                "the file is probably truncated or corrupt - fetch it again"
            ) from None
    if len(raw) < 4:
        raise IDXError(
            f"{name}: too short for an IDX header: expected at least 4 bytes, got {len(raw)}"
        )
    if raw[0] != 0 or raw[1] != 0:
        raise IDXError(
            f"{name}: bad IDX magic number: expected bytes 00 00 <type> <ndim>, "
            f"got {raw[:4].hex(' ')}; this is not an IDX file"
        )
    type_code, nd = raw[2], raw[3]
    if type_code not in SUPPORTED_TYPES:
        what = TYPE_NAMES.get(type_code, ("unknown",))[0]
        raise IDXError(
            f"{name}: unsupported IDX type code 0x{type_code:02x} ({what}); "
            "only 0x08 (unsigned byte) is supported"
        )
    if nd == 0:
        raise IDXError(f"{name}: IDX header says 0 dimensions; expected at least 1")
    if ndim is not None and nd != ndim:
        raise IDXError(
            f"{name}: wrong number of dimensions: expected {ndim}, got {nd} "
            f"(is this the right file? images have 3, labels 1)"
        )
    header = 4 + 4 * nd
    if len(raw) < header:
        raise IDXError(
            f"{name}: truncated IDX header: {nd} dimensions need {header} bytes, got {len(raw)}"
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(nd))
    expected = _prod(shape) * TYPE_NAMES[type_code][1]
    got = len(raw) - header
    if got != expected:
        kind = "truncated" if got < expected else "trailing data after the payload"
        raise IDXError(
            f"{name}: {kind}: shape {shape} needs a payload of {expected} bytes, got {got}"
        )
    return IDXArray(shape, raw[header:], type_code)


def read_idx(path, ndim=None):
    """Read an IDX file, raw or gzip-compressed, and return an :class:`IDXArray`.

    ``ndim`` optionally pins the expected number of dimensions. Errors name the file.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise IDXError(f"{path}: cannot read IDX file: {e.strerror or e}") from None
    return parse_idx(raw, name=path, ndim=ndim)


def encode_idx(shape, data, name="<idx>"):
    """Return the uncompressed IDX bytes (header + payload) for unsigned-byte ``data``."""
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise IDXError(f"{name}: shape must be a sequence of ints, got {shape!r}") from None
    if not 1 <= len(shape) <= 255:
        raise IDXError(f"{name}: an IDX file has 1 to 255 dimensions, got shape {shape}")
    for d in shape:
        if not 0 <= d <= MAX_DIM:
            raise IDXError(f"{name}: each dimension must be in 0..{MAX_DIM}, got shape {shape}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise IDXError(
            f"{name}: data must be bytes (one unsigned byte per value), got {type(data).__name__}"
        )
    data = bytes(data)
    expected = _prod(shape)
    if len(data) != expected:
        raise IDXError(
            f"{name}: shape {shape} needs {expected} bytes of data, got {len(data)}"
        )
    header = bytes((0, 0, 0x08, len(shape))) + b"".join(d.to_bytes(4, "big") for d in shape)
    return header + data


def write_idx(path, shape, data, gzip=True):
    """Write unsigned-byte ``data`` of the given ``shape`` as an IDX file at ``path``.

    With ``gzip=True`` the file is gzip-compressed (level 9, mtime 0, so equal data gives
    equal bytes). The file is written atomically: to a temporary file in the same
    directory, then moved over ``path`` with ``os.replace``, so a reader never sees half a file.
    """
    path = os.fspath(path)
    raw = encode_idx(shape, data, name=path)
    if gzip:
        raw = _gzip.compress(raw, compresslevel=9, mtime=0)
    atomic_write(path, raw)
    return path


