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

from autograd.errors import ChainruleError
from autograd.fileio import atomic_write, read_bytes

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
# The most an IDX file may declare or hold, header included (EMNIST's largest file is 547 MB,
# the full MNIST's 47 MB): a header asking for more is refused before anything is allocated.
MAX_IDX_BYTES = 10 ** 9


class IDXError(ChainruleError, ValueError):
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


def _header(raw, name, ndim):
    """``(type code, shape, header length)`` from the first bytes of an IDX file; raises
    :class:`IDXError` for a bad magic number, type, dimension count or a short header."""
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
    return type_code, shape, header


def _gunzip(raw, want, name):
    """The first ``want + 1`` bytes (or fewer, if there are fewer) that the gzip data ``raw``
    inflates to, every gzip member in turn: inflation stops there, so a small file that
    would inflate to gigabytes costs at most ``want + 1`` bytes of memory."""
    out = bytearray()
    data = raw
    try:
        while data and len(out) <= want:
            if data[:2] != GZIP_MAGIC:
                if not data.strip(b"\x00"):          # zero padding after the last member
                    break
                raise zlib.error("trailing garbage after the gzip data")
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += d.decompress(data, want + 1 - len(out))
            if not d.eof:
                if d.unconsumed_tail or len(out) > want:          # stopped by the cap
                    break
                raise EOFError("the gzip stream ends early")
            data = d.unused_data
    except (EOFError, zlib.error) as e:
        raise IDXError(
            f"{name}: starts like a gzip file but cannot be decompressed ({e}); "
            "the file is probably truncated or corrupt - fetch it again"
        ) from None
    return bytes(out)


def parse_idx(raw, name="<bytes>", ndim=None, limit=None):
    """Parse the bytes of an IDX file (gzip-compressed or not) into an :class:`IDXArray`.

    ``name`` is used in error messages. ``ndim``, if given, is the number of dimensions
    the caller expects (3 for images, 1 for labels); another count is an error.
    Raises :class:`IDXError` on a bad magic number, an unsupported type, a short header,
    a wrong number of dimensions, a header that declares more than ``limit`` bytes (default
    :data:`MAX_IDX_BYTES`), or a payload that is shorter or longer than the header says.
    Gzip data is inflated header first; the payload is then inflated up to the size the header
    declares and no further (a gzip bomb stops there).
    """
    limit = MAX_IDX_BYTES if limit is None else limit
    raw = bytes(raw)
    gz = raw[:2] == GZIP_MAGIC
    head = _gunzip(raw, 4 + 4 * 255, name) if gz else raw
    type_code, shape, header = _header(head, name, ndim)
    expected = _prod(shape) * TYPE_NAMES[type_code][1]
    if header + expected > limit:
        raise IDXError(
            f"{name}: the header declares shape {shape}, {expected:,} bytes of data, more than "
            f"the {limit:,} bytes an IDX file may hold here (a damaged or hostile header?)"
        )
    if gz:
        raw = _gunzip(raw, header + expected, name)
    got = len(raw) - header
    if got != expected:
        kind = "truncated" if got < expected else "trailing data after the payload"
        got_text = f"more than {expected}" if gz and got > expected else got
        raise IDXError(
            f"{name}: {kind}: shape {shape} needs a payload of {expected} bytes, got {got_text}"
        )
    return IDXArray(shape, raw[header:], type_code)


def read_idx(path, ndim=None):
    """Read an IDX file, raw or gzip-compressed, and return an :class:`IDXArray`.

    ``ndim`` optionally pins the expected number of dimensions. Errors name the file. The file
    must be a regular file of at most :data:`MAX_IDX_BYTES` (checked before reading).
    """
    path = os.fspath(path)
    try:
        raw = read_bytes(path, MAX_IDX_BYTES, "IDX file")
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


