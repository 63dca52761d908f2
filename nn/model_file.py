"""Model files that rebuild themselves: architecture + weights + what the inputs mean.

``save_model(model, path, meta)`` writes the same JSON envelope as ``Module.save``
(``format``, ``version``, ``architecture``, ``state``) plus a ``meta`` object, e.g.
``{"dataset": ["bundled"], "classes": ["0", ..., "9"], "image_shape": [28, 28]}``.
``load_model(path)`` reads it back *without knowing the model in advance*: the architecture
names the module types (:func:`nn.linear.build_module`), the weights are then loaded with the
usual validation. Any file that is not such a model raises :class:`ModelFileError`.
"""

from .linear import build_module
from .module import ModelFileError, read_model_file, write_json

__all__ = ["save_model", "load_model", "write_json"]


def save_model(model, path, meta=None):
    """Write ``model`` (architecture and weights) and ``meta`` (JSON data) atomically: the one
    save path, :meth:`Module.save`, with a ``meta`` object."""
    model.save(path, meta=meta or {})


def load_model(path):
    """``(model, meta)`` rebuilt from a file written by :func:`save_model`."""
    doc = read_model_file(path)
    arch = doc["architecture"]
    model = build_module(arch)
    if model.architecture() != arch:
        raise ModelFileError(f"{path}: the architecture does not describe its parameters "
                             "consistently; the file is damaged")
    model.load_state_dict(doc["state"], strict=True)
    meta = doc.get("meta", {})
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: 'meta' must be an object")
    return model, meta
