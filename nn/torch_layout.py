"""chainrule models as PyTorch sees them: safetensors files of the equivalent ``nn.Sequential``.

A chainrule network of linear layers and activations *is* a ``torch.nn.Sequential`` of
``nn.Linear`` and ``nn.Tanh``/``nn.ReLU``/``nn.Sigmoid``. A ``.safetensors`` file written by
``model.save("model.safetensors")`` holds that Sequential's ``state_dict``, under the names
PyTorch gives it, so ``torch_net.load_state_dict(safetensors.torch.load_file(path))`` works
as it is. The names and layouts::

    chainrule                                   the equivalent PyTorch model
    TensorMLP(784, [128], 10, "tanh")           nn.Sequential(nn.Linear(784, 128), nn.Tanh(),
                                                              nn.Linear(128, 10))
      layers.0.weight  (784, 128)  Y = X·W + b    0.weight  (128, 784)  y = x·Wᵀ + b
      layers.0.bias    (128,)                     0.bias    (128,)
      layers.2.weight  (128, 10)                  2.weight  (10, 128)
      layers.2.bias    (10,)                      2.bias    (10,)
    Sequential(...)                             the same indices (a nested one: 1.0.weight)
    Linear(nin, nout)                           nn.Linear(nin, nout): weight (nout, nin), bias
    MLP(2, [16, 16, 1]) of scalar Values        nn.Sequential(nn.Linear(2, 16), nn.Tanh(),
                                                  nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
      layers.l.neurons.j.w.i                      k.weight[j][i]
      layers.l.neurons.j.b                        k.bias[j]

PyTorch stores a Linear's weight as (out, in), chainrule as (in, out): the file holds the
transpose. ``k`` counts the Sequential's modules: layer ``l`` of a scalar ``MLP`` is followed by
its activation module unless that activation is ``"linear"`` (none), so ``k`` is 0, 2, 4 for
tanh hidden layers and a linear output.

The file's ``__metadata__`` (strings only) holds chainrule's own description, so
:func:`nn.load_model` rebuilds the model from the file alone: ``format`` ``"chainrule.nn"``,
``version`` ``"1"``, ``architecture`` (the JSON of ``model.architecture()``), ``meta`` (the JSON
of the model file's meta data) and ``layout`` ``"torch.nn.Sequential"``. A file written by
PyTorch has none of it: load it into a model you build (``TensorMLP(...).load(path)``).
"""

import json

from .errors import ModelFileError, loads_strict
from .safetensors import StoredTensor, read_safetensors, write_safetensors

__all__ = ["DTYPES", "torch_tensors", "state_from_torch", "save_safetensors",
           "read_model_safetensors"]

FORMAT, VERSION, LAYOUT = "chainrule.nn", "1", "torch.nn.Sequential"
DTYPES = {"float64": "F64", "float32": "F32"}
_ACTIVATIONS = ("Tanh", "ReLU", "Sigmoid")


def _linears(desc, cr="", pt=""):
    """``(kind, chainrule prefix, torch prefix, nin, nout)`` for each linear map in a module
    description; ``kind`` is ``"tensor"`` (a Linear) or ``"scalar"`` (a Layer of Neurons)."""
    kind, config = desc.get("type"), desc.get("config") or {}
    if kind == "Linear":
        yield "tensor", cr, pt, config["nin"], config["nout"]
    elif kind == "Sequential":
        for i, item in enumerate(config["layers"]):
            yield from _linears(item, f"{cr}layers.{i}.", f"{pt}{i}.")
    elif kind == "TensorMLP":
        dims = [config["nin"], *config["hidden"], config["nout"]]
        for i in range(len(dims) - 1):
            yield "tensor", f"{cr}layers.{2 * i}.", f"{pt}{2 * i}.", dims[i], dims[i + 1]
    elif kind == "MLP":
        dims, k = [config["nin"], *config["sizes"]], 0
        for i, activation in enumerate(config["activations"]):
            yield "scalar", f"{cr}layers.{i}.", f"{pt}{k}.", dims[i], dims[i + 1]
            k += 1 if activation == "linear" else 2
    elif kind not in _ACTIVATIONS:
        raise ModelFileError(f"a {kind} module has no PyTorch equivalent chainrule knows "
                             "(Linear, Sequential, TensorMLP, MLP); save it as .json")


def _dtype(dtype):
    if dtype is None:
        return "F64"
    if dtype in DTYPES:
        return DTYPES[dtype]
    raise ValueError(f"unknown dtype {dtype!r}; choose float64 (exact) or float32 (half the "
                     "size, each weight rounded to the nearest float32)")


def torch_tensors(arch, state, dtype=None):
    """``{PyTorch name: StoredTensor}`` for a chainrule model's ``architecture()`` and
    ``state_dict()``: weights transposed to (out, in), in the order of the Sequential."""
    code = _dtype(dtype)
    out = {}
    for kind, cr, pt, nin, nout in _linears(arch):
        if kind == "tensor":
            w = state[f"{cr}weight"]["data"]              # (nin, nout): row i, column j
            weight = [x for j in range(nout) for x in w[j::nout]]    # column j = torch row j
            bias = state[f"{cr}bias"]["data"]
        else:
            weight = [state[f"{cr}neurons.{j}.w.{i}"] for j in range(nout) for i in range(nin)]
            bias = [state[f"{cr}neurons.{j}.b"] for j in range(nout)]
        out[f"{pt}weight"] = StoredTensor(code, (nout, nin), weight)
        out[f"{pt}bias"] = StoredTensor(code, (nout,), list(bias))
    return out


def state_from_torch(arch, tensors, where):
    """The chainrule state dict of a model with ``arch`` from ``{PyTorch name: (dtype, shape,
    data)}``: every name the equivalent Sequential has, with its (out, in) shape, and no
    other; else :class:`ModelFileError` naming ``where`` (the file) and the tensor."""
    expected = {}
    for _kind, _cr, pt, nin, nout in _linears(arch):
        expected[f"{pt}weight"] = (nout, nin)
        expected[f"{pt}bias"] = (nout,)
    missing = [n for n in expected if n not in tensors]
    unexpected = [n for n in tensors if n not in expected]
    if missing or unexpected:
        parts = ([f"missing {_names(missing)}"] if missing else []) + \
                ([f"unexpected {_names(unexpected)}"] if unexpected else [])
        raise ModelFileError(f"{where}: the tensors are not those of this {arch.get('type')} "
                             f"as a torch.nn.Sequential ({'; '.join(parts)}; expected "
                             f"{_names(list(expected))})")
    for name, shape in expected.items():
        found = tuple(tensors[name][1])
        if found != shape:
            raise ModelFileError(f"{where}: tensor {name!r} has shape {list(found)}, this "
                                 f"{arch.get('type')} needs {list(shape)} (PyTorch's layout: "
                                 "a weight is (out, in))")
    state = {}
    for kind, cr, pt, nin, nout in _linears(arch):
        weight, bias = tensors[f"{pt}weight"][2], tensors[f"{pt}bias"][2]
        if kind == "tensor":                      # torch row j = chainrule column j
            state[f"{cr}weight"] = {"shape": [nin, nout],
                                    "data": [x for i in range(nin) for x in weight[i::nin]]}
            state[f"{cr}bias"] = {"shape": [nout], "data": list(bias)}
        else:
            for j in range(nout):
                for i in range(nin):
                    state[f"{cr}neurons.{j}.w.{i}"] = weight[j * nin + i]
                state[f"{cr}neurons.{j}.b"] = bias[j]
    return state


def save_safetensors(path, arch, state, meta=None, dtype=None):
    """Write a model (its ``architecture()`` and ``state_dict()``) and ``meta`` (JSON data)
    as the safetensors file of the equivalent ``torch.nn.Sequential``, atomically."""
    tensors = torch_tensors(arch, state, dtype)
    metadata = {"format": FORMAT, "version": VERSION, "layout": LAYOUT,
                "architecture": json.dumps(arch, separators=(",", ":"))}
    if meta is not None:
        try:
            metadata["meta"] = json.dumps(meta, allow_nan=False, separators=(",", ":"))
        except ValueError:
            raise ModelFileError(f"cannot save {path}: NaN or infinite numbers in the meta "
                                 "data") from None
    return write_safetensors(path, tensors, metadata)


def read_model_safetensors(path):
    """``(architecture or None, meta or None, tensors)`` from a safetensors file: the
    architecture and meta of a file chainrule wrote, ``None`` for a file from elsewhere
    (``safetensors.torch.save_file``); ``tensors`` is ``{name: StoredTensor}``."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT:
        return None, None, tensors
    if metadata.get("version") != VERSION:
        raise ModelFileError(f"{path}: chainrule safetensors version "
                             f"{metadata.get('version')!r} is not supported (this chainrule "
                             f"reads version {VERSION}); save it again with this version")
    parsed = []
    for key in ("architecture", "meta"):
        text = metadata.get(key)
        if text is None and key == "meta":
            parsed.append(None)
            continue
        try:
            value = loads_strict(text) if isinstance(text, str) else None
        except ValueError as e:
            raise ModelFileError(f"{path}: its chainrule {key} is not valid JSON ({e})") from None
        if not isinstance(value, dict):
            raise ModelFileError(f"{path}: its chainrule metadata has no {key!r} object; the "
                                 "file is damaged")
        parsed.append(value)
    return parsed[0], parsed[1], tensors


def _names(names, limit=5):
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
