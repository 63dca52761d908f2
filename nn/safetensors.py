"""The safetensors file format, read and written with the standard library.

safetensors (Hugging Face's format for weights, read by PyTorch, JAX, NumPy and tinygrad) is
three parts, nothing in it is code::

    8 bytes    N: the header's length, an unsigned 64-bit little-endian integer
    N bytes    the header: one JSON object (UTF-8, padded with spaces), one entry per tensor
               {"0.weight": {"dtype": "F64", "shape": [128, 784], "data_offsets": [0, 802816]},
                ...,
                "__metadata__": {"key": "text", ...}}          (optional: str -> str only)
    the rest   the data: each tensor's numbers, row-major, little-endian, at bytes
               [begin, end) of ``data_offsets``, counted from the end of the header

:func:`write_safetensors` writes F64 (double, exact) or F32 (float, rounded to nearest)
tensors, atomically (:func:`autograd.fileio.atomic_write`). :func:`read_safetensors` reads F64,
F32, F16 and BF16 into Python floats (each exactly: a float64 holds them all). It checks the
whole file before it returns a number, the way the reference implementation does, and a
file that breaks any rule raises one :class:`~nn.errors.ModelFileError`, one line saying
``{path}: not a valid safetensors file (...)``:

* a regular file (never a FIFO or a device) of at most ``limit`` bytes, checked first
  (:func:`autograd.fileio.read_bytes`, whose own errors say so);
* ``N`` at most 100,000,000 (the reference's cap) and inside the file;
* the header is UTF-8 JSON, an object, no ``NaN``, no duplicate names;
* every entry has exactly ``dtype``, ``shape`` (ints >= 0) and ``data_offsets`` (two ints);
* the dtype is one of the above (others are named in the error);
* ``prod(shape) × bytes per number = end − begin`` (a declared 10 GB shape fails here, before
  anything is allocated);
* sorted by offset, the tensors tile the data exactly: the first begins at 0, each begins
  where the previous ends (no overlap, no gap) and the last ends at the end of the file.
"""

import json
import math
import struct
from collections import namedtuple

from autograd.fileio import atomic_write, read_bytes

from .errors import ModelFileError, loads_strict

__all__ = ["StoredTensor", "write_safetensors", "read_safetensors", "WRITE_DTYPES",
           "READ_DTYPES", "MAX_HEADER_BYTES", "MAX_FILE_BYTES"]

MAX_HEADER_BYTES = 100_000_000          # the reference implementation's cap
MAX_FILE_BYTES = 256 * 2 ** 20          # 32 million doubles: ~1 GB as Python floats
# dtype -> (bytes per number, struct code); BF16 has no struct code (see _decode)
READ_DTYPES = {"F64": (8, "d"), "F32": (4, "f"), "F16": (2, "e"), "BF16": (2, None)}
WRITE_DTYPES = ("F64", "F32")
_OTHER_DTYPES = ("BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F8_E5M2",
                 "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64")
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}


class StoredTensor(namedtuple("StoredTensor", "dtype shape data")):
    """``(dtype, shape, data)``: a dtype name (``"F64"``), the shape (a tuple of ints) and the
    numbers as a flat row-major list of floats."""

    __slots__ = ()

    def __repr__(self):
        return f"StoredTensor({self.dtype!r}, {self.shape!r}, <{len(self.data)} numbers>)"


# ---- writing ------------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata=None):
    """Write ``tensors`` (``{name: StoredTensor or (dtype, shape, data)}``, in that order) and
    ``metadata`` (``{str: str}``) to ``path`` atomically. The header is padded with spaces to
    a multiple of 8 bytes, as the reference implementation does, so the data is aligned.

    Raises ``ValueError`` for a malformed argument and :class:`ModelFileError` for a number
    F32 cannot hold (beyond ±3.4e38): nothing is written then."""
    header = {}
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError(f"write_safetensors: metadata must be a dict of str -> str, got "
                             f"{metadata!r:.80}")
        header["__metadata__"] = dict(metadata)
    chunks, offset = [], 0
    for name, tensor in tensors.items():
        dtype, shape, data = tensor
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ValueError(f"write_safetensors: a tensor name must be a non-empty str other "
                             f"than '__metadata__', got {name!r}")
        if dtype not in WRITE_DTYPES:
            raise ValueError(f"write_safetensors: tensor {name!r} has dtype {dtype!r}; "
                             f"chainrule writes {' or '.join(WRITE_DTYPES)}")
        shape = [int(n) for n in shape]
        if any(n < 0 for n in shape) or math.prod(shape) != len(data):
            raise ValueError(f"write_safetensors: tensor {name!r} has shape {shape} but "
                             f"{len(data)} numbers")
        size, code = READ_DTYPES[dtype]
        try:
            chunk = struct.pack(f"<{len(data)}{code}", *data)
        except OverflowError:
            big = max(data, key=abs)
            raise ModelFileError(f"cannot save {path}: tensor {name!r} holds {big!r}, beyond "
                                 f"float32's range (±3.4e38); save it as float64") from None
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(chunk)]}
        chunks.append(chunk)
        offset += len(chunk)
    text = _dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    atomic_write(path, struct.pack("<Q", len(text)) + text + b"".join(chunks))
    return path


def _dumps(header):
    return json.dumps(header, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# ---- reading ------------------------------------------------------------------------------

def read_safetensors(path, limit=MAX_FILE_BYTES):
    """``(tensors, metadata)`` from the safetensors file at ``path``: ``tensors`` is
    ``{name: StoredTensor}`` in the order of the data, ``metadata`` the header's
    ``__metadata__`` dict (``{}`` if absent).

    Every rule in the module docstring is checked before anything is decoded; a broken one
    raises :class:`ModelFileError`. A directory, FIFO or device raises
    :class:`autograd.fileio.NotRegularFileError` and a file over ``limit`` bytes
    :class:`autograd.fileio.FileTooLargeError`, both before reading (both are OSErrors);
    a missing file raises the usual ``FileNotFoundError``."""
    raw = read_bytes(path, limit, "safetensors file")

    def bad(reason):
        return ModelFileError(f"{path}: not a valid safetensors file ({reason})")

    if len(raw) < 8:
        raise bad(f"{len(raw)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack_from("<Q", raw)
    if n > MAX_HEADER_BYTES or 8 + n > len(raw):
        where = (f"more than the {MAX_HEADER_BYTES:,} bytes allowed" if n > MAX_HEADER_BYTES
                 else f"beyond the end of the {len(raw):,}-byte file")
        hint = "; it looks like JSON: a .json model file?" if raw[:1] == b"{" else ""
        raise bad(f"the header length {n:,} is {where}{hint}")
    try:
        text = raw[8:8 + n].decode("utf-8")
        if not text.startswith("{"):
            raise ValueError("the header does not start with '{'")
        header = loads_strict(text)       # starts with '{': a dict (or an error)
    except ValueError as e:           # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise bad(f"header: {e}") from None
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise bad("__metadata__ must be an object of strings")
    data = memoryview(raw)[8 + n:]
    entries = [_check_entry(name, entry, len(data), bad) for name, entry in header.items()]
    entries.sort(key=lambda e: (e[3], e[4]))
    end = 0
    for name, _, _, begin, stop in entries:
        if begin < end:
            raise bad(f"tensor {name!r} at bytes [{begin}, {stop}) overlaps the one before "
                      f"it, which ends at {end}")
        if begin > end:
            raise bad(f"tensor {name!r} at bytes [{begin}, {stop}) leaves bytes [{end}, "
                      f"{begin}) unused")
        end = stop
    if end != len(data):
        raise bad(f"{len(data) - end:,} bytes after the last tensor's data")
    tensors = {name: StoredTensor(dtype, tuple(shape), _decode(dtype, data[begin:stop]))
               for name, dtype, shape, begin, stop in entries}
    return tensors, metadata


def _check_entry(name, entry, data_size, bad):
    """``(name, dtype, shape, begin, end)`` of one header entry, or ``bad(reason)`` raised."""
    if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise bad(f"tensor {name!r} must have exactly dtype, shape and data_offsets, got {keys}")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in READ_DTYPES:
        kind = ("a dtype chainrule does not read: weights must be floating point"
                if dtype in _OTHER_DTYPES else "not a safetensors dtype")
        raise bad(f"tensor {name!r} has dtype {dtype!r}, {kind} "
                  f"({', '.join(READ_DTYPES)})")
    if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
        raise bad(f"tensor {name!r} has shape {shape!r}; a shape is a list of ints >= 0")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_int, offsets))
            or not 0 <= offsets[0] <= offsets[1]):
        raise bad(f"tensor {name!r} has data_offsets {offsets!r}; they must be two ints "
                  "0 <= begin <= end")
    begin, end = offsets
    if end > data_size:
        raise bad(f"tensor {name!r}: data_offsets [{begin}, {end}) reach beyond the "
                  f"{data_size:,} bytes of data (a truncated file?)")
    need = math.prod(shape) * READ_DTYPES[dtype][0]
    if need != end - begin:
        raise bad(f"tensor {name!r}: shape {shape} of {dtype} needs {need:,} bytes, its "
                  f"data_offsets hold {end - begin:,}")
    return name, dtype, shape, begin, end


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _decode(dtype, chunk):
    """The little-endian numbers in ``chunk`` as a list of Python floats (exact)."""
    size, code = READ_DTYPES[dtype]
    count = len(chunk) // size
    if code is None:
        # bfloat16 is the top half of a float32: put each 2-byte number above two zero bytes
        wide = bytearray(4 * count)
        wide[2::4], wide[3::4] = chunk[0::2], chunk[1::2]
        chunk, code = wide, "f"
    return list(struct.unpack(f"<{count}{code}", chunk))
