"""What a damaged or mismatched file raises, and the strict JSON parse that finds the damage.

Shared by everything in ``nn`` that reads a file: model files (JSON and safetensors),
checkpoints and the JSON inside a safetensors header.
"""

import json

from autograd.errors import ChainruleError

__all__ = ["ModelFileError", "loads_strict"]


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
