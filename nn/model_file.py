"""Model files that rebuild themselves: architecture + weights + what the inputs mean.

``save_model(model, path, meta)`` writes the same JSON envelope as ``Module.save``
(``format``, ``version``, ``architecture``, ``state``) plus a ``meta`` object, e.g.
``{"dataset": ["bundled"], "classes": ["0", ..., "9"], "image_shape": [28, 28]}``; to a path
ending in ``.safetensors`` it writes the safetensors file of the equivalent
``torch.nn.Sequential``, the architecture and meta in its ``__metadata__``
(:mod:`nn.torch_layout`). ``load_model(path)`` reads either back *without knowing the model in
advance*: the architecture names the module types (:func:`nn.registry.build_module`), the
weights are then loaded with the usual validation. Any file that is not such a model raises
:class:`ModelFileError`.
"""

from __future__ import annotations

import math
import os
from typing import Any

from .registry import build_module, parameter_shapes
from .module import (Module, ModelFileError, file_format, load_file_state, read_model_file,
                     write_json)
from .torch_layout import read_model_safetensors, state_from_torch

__all__ = ["save_model", "load_model", "write_json"]


def save_model(model: Module, path: str | os.PathLike, meta: dict | None = None,
               format: str | None = None, dtype: str | None = None) -> None:
    """Write ``model`` (architecture and weights) and ``meta`` (JSON data) atomically: the one
    save path, :meth:`Module.save`, with a ``meta`` object (``format``, ``dtype`` as there)."""
    model.save(path, meta=meta or {}, format=format, dtype=dtype)


def load_model(path: str | os.PathLike,
               format: str | None = None) -> tuple[Module, dict[str, Any]]:
    """``(model, meta)`` rebuilt from a file written by :func:`save_model` (the format chosen
    by ``format`` or the extension, as in :meth:`Module.save`)."""
    if file_format(path, format) == "safetensors":
        arch, meta, tensors = read_model_safetensors(path)
        if arch is None:
            raise ModelFileError(
                f"{path}: a safetensors file without chainrule's architecture (written by "
                "safetensors.torch.save_file?); build the model and load the weights into it, "
                "e.g. TensorMLP(784, [128], 10, activation='tanh').load(path)")
        if arch.get("parameters") != parameter_shapes(arch):
            raise ModelFileError(f"{path}: the architecture's config and parameters disagree; "
                                 "the file is damaged")
        doc = {"architecture": arch, "meta": {} if meta is None else meta,
               "state": state_from_torch(arch, tensors, path)}
    else:
        doc = read_model_file(path)
    meta = _check_meta(path, doc.get("meta", {}))
    arch = doc["architecture"]
    _check_sizes(path, arch, doc["state"])      # before building: a huge config fails fast
    model = build_module(arch)
    if model.architecture() != arch:
        raise ModelFileError(f"{path}: the architecture does not describe its parameters "
                             "consistently; the file is damaged")
    load_file_state(model, doc["state"], path)
    return model, meta


def _check_meta(path, meta):
    """``meta`` if its known keys have the right types, else ModelFileError naming the key."""
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: 'meta' must be an object")
    shape = meta.get("image_shape")
    if shape is not None and not (
            isinstance(shape, list) and len(shape) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)):
        raise ModelFileError(f"{path}: meta 'image_shape' must be 2 positive ints [rows, cols], "
                             f"got {shape!r}")
    for key in ("dataset", "classes"):
        value = meta.get(key)
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raise ModelFileError(f"{path}: meta {key!r} must be a list of strings, got "
                                 f"{value!r}")
    return meta


def _check_sizes(path, arch, state):
    """The parameter shapes the config implies must be the file's ``parameters`` and the
    sizes of its ``state``: checked without allocating the model."""
    shapes = parameter_shapes(arch)
    if arch.get("parameters") != shapes:
        raise ModelFileError(f"{path}: the architecture's config and parameters disagree; the "
                             "file is damaged")
    if set(state) != set(shapes):
        raise ModelFileError(f"{path}: the state does not hold the architecture's parameters "
                             f"({len(state)} saved, {len(shapes)} expected)")
    for name, shape in shapes.items():
        value = state[name]
        if shape == []:                          # a scalar Value: one number
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ModelFileError(f"{path}: parameter {name!r} is a scalar; the state holds "
                                     f"{type(value).__name__}")
            continue
        data = value.get("data") if isinstance(value, dict) else None
        if (not isinstance(value, dict) or value.get("shape") != shape
                or not isinstance(data, list) or len(data) != math.prod(shape)):
            got = len(data) if isinstance(data, list) else type(data).__name__
            raise ModelFileError(f"{path}: parameter {name!r} of shape {shape} needs "
                                 f"{math.prod(shape)} numbers, the state holds {got}")
