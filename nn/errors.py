"""What a damaged or mismatched file raises, and the strict JSON reading that finds the damage.

Shared by everything in ``nn`` that reads a file: model files (JSON and safetensors),
checkpoints and the JSON inside a safetensors header.
"""

import json

from autograd.errors import ChainruleError
from autograd.fileio import read_bytes

__all__ = ["ModelFileError", "loads_strict", "read_json", "MAX_JSON_BYTES", "MAX_JSON_DEPTH"]


class ModelFileError(ChainruleError, ValueError):
    """A model file or state dict that does not fit the model: wrong format or version,
    corrupted JSON, a different architecture, missing or extra parameters, wrong shapes."""


def loads_strict(text):
    """``json.loads`` minus what a careful reader refuses: ``NaN``/``Infinity`` (not JSON),
    duplicate keys (which ``json.loads`` silently resolves to the last one) and nesting too deep
    for the parser (a ``RecursionError`` past ~1,000 levels). Raises ``ValueError``
    (``json.JSONDecodeError`` for broken syntax) saying what was wrong."""
    try:
        return json.loads(text, parse_constant=_reject_constant,
                          object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed in JSON")


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError(f"duplicate key {k!r}")
        d[k] = v
    return d


# The largest JSON file read (a 10-million-parameter checkpoint with Adam's two moments is
# ~720 MB) and the deepest nesting accepted (chainrule's own files nest 6 levels).
MAX_JSON_BYTES = 10 ** 9
MAX_JSON_DEPTH = 32


def read_json(path, what):
    """Parse a JSON file strictly: a regular file of at most :data:`MAX_JSON_BYTES`, UTF-8, no
    NaN/Infinity, no duplicate keys, nested at most :data:`MAX_JSON_DEPTH` levels; any problem
    with the content is a :class:`ModelFileError` saying ``{path}: not a valid {what} (...)``.
    A missing file raises the usual ``OSError``; a FIFO, device or directory raises
    :class:`autograd.fileio.NotRegularFileError` and a larger file
    :class:`autograd.fileio.FileTooLargeError` (both ``OSError``), before anything is read."""
    raw = read_bytes(path, MAX_JSON_BYTES, what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ModelFileError(f"{path}: not a valid {what} (not UTF-8 text: {e})") from None
    try:
        document = loads_strict(text)
    except ValueError as e:
        if not isinstance(e.__context__, RecursionError):     # loads_strict: too deep to parse
            raise ModelFileError(f"{path}: not a valid {what} (corrupted JSON: {e})") from None
        depth = MAX_JSON_DEPTH + 1
    else:
        depth = _depth(document, MAX_JSON_DEPTH)
    if depth > MAX_JSON_DEPTH:
        raise ModelFileError(f"{path}: not a valid {what} (JSON nested more than "
                             f"{MAX_JSON_DEPTH} levels deep)")
    return document


_SCALARS = frozenset((str, int, float, bool, type(None)))


def _depth(document, limit):
    """How many levels of lists/objects ``document`` nests (iteratively; stops past ``limit``).
    A list of plain numbers is checked by one C-level pass over its item types."""
    depth, level = 0, [document]
    while level and depth <= limit:
        depth += 1
        below = []
        for obj in level:
            items = obj.values() if isinstance(obj, dict) else obj
            if isinstance(obj, (dict, list)) and not _SCALARS.issuperset(map(type, items)):
                below.extend(x for x in items if isinstance(x, (dict, list)))
        level = below
    return depth if not level else depth + 1
