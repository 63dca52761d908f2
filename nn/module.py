"""``Module``: the base class of every network: its parameters, their gradients, saving.

A module is an object whose attributes hold its parameters and its sub-modules::

    class Affine(Module):
        def __init__(self):
            self.w = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
            self.b = Value(0.0, label="b")

``parameters()`` finds them by walking the attributes in the order they were assigned (a
sub-module, a list or tuple of them, or a parameter), depth first, so the order is
deterministic, and each parameter is listed once even if it is shared. A *parameter* is any
object with ``.data`` and ``.grad``: a scalar ``Value`` (``data`` is a float) or a ``Tensor``
(``data`` is a flat row-major list of floats, with a ``shape``). Attributes whose name starts
with ``_`` are private and never searched.

Saving writes JSON (never pickle: loading a model file cannot run code)::

    {"format": "chainrule.nn", "version": 1,
     "architecture": {"type": "MLP", "config": {...},
                      "parameters": {"layers.0.neurons.0.w.0": [], ...}},
     "state": {"layers.0.neurons.0.w.0": 0.123..., ...}}

Floats are written with ``repr``, which round-trips every double exactly. A tensor parameter is
stored as ``{"shape": [rows, cols], "data": [...]}``. A path ending in ``.safetensors`` (or
``format="safetensors"``) writes the safetensors file PyTorch reads instead, the weights named
as the equivalent ``torch.nn.Sequential`` names them (:mod:`nn.torch_layout`). Loading
validates the whole file before it assigns anything, so a wrong, corrupted or mismatched file
raises :class:`ModelFileError` and leaves the model as it was.
"""

import json
import math
import numbers
import os

from autograd.fileio import atomic_write

from .errors import ModelFileError, read_json
from .registry import register_module
from .torch_layout import read_model_safetensors, save_safetensors, state_from_torch

FORMAT = "chainrule.nn"
VERSION = 1


# ---- parameters: scalars (Value) and tensors (duck-typed on ``shape``) ------------------------

def is_parameter(obj):
    """True for objects ``Module`` treats as parameters: they have ``.data`` and ``.grad``."""
    return not isinstance(obj, Module) and hasattr(obj, "data") and hasattr(obj, "grad")


def param_shape(p):
    """``[]`` for a scalar parameter, ``list(p.shape)`` for a tensor."""
    shape = getattr(p, "shape", None)
    return [] if shape is None else [int(n) for n in shape]


def param_state(p):
    """The JSON-ready state of one parameter: a float, or ``{"shape": [...], "data": [...]}``."""
    if getattr(p, "shape", None) is None:
        return float(p.data)
    return {"shape": param_shape(p), "data": [float(x) for x in p.data]}


def zero_grad_of(p):
    """Reset one parameter's gradient: its own ``zero_grad()`` if it has one (a Tensor),
    else ``grad = 0.0`` for a scalar and ``grad = None`` for a tensor."""
    zero = getattr(p, "zero_grad", None)
    if zero is not None:
        zero()
    elif getattr(p, "shape", None) is None:
        p.grad = 0.0
    else:
        p.grad = None


def _finite_float(x, where):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ModelFileError(f"{where}: expected a number, got {x!r} of type {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x):
        raise ModelFileError(f"{where}: expected a finite number, got {x!r}")
    return x


def _check_state(p, value, name):
    """Validate ``value`` for parameter ``p``; return what ``_assign`` will store (no side
    effects)."""
    shape = param_shape(p)
    if not shape:
        if isinstance(value, dict):
            raise ModelFileError(f"parameter {name!r} is a scalar, but the state holds a tensor "
                                 f"of shape {value.get('shape')!r}")
        return _finite_float(value, f"parameter {name!r}")
    if not isinstance(value, dict) or set(value) != {"shape", "data"}:
        raise ModelFileError(f"parameter {name!r} is a tensor of shape {shape}; its state must be "
                             f'{{"shape": [...], "data": [...]}}, got {_short(value)}')
    if value["shape"] != shape:
        raise ModelFileError(f"parameter {name!r} has shape {shape}, the state has shape "
                             f"{value['shape']!r}")
    data = value["data"]
    size = math.prod(shape)
    if not isinstance(data, (list, tuple)) or len(data) != size:
        raise ModelFileError(f"parameter {name!r} of shape {shape} needs {size} numbers, got "
                             f"{len(data) if isinstance(data, (list, tuple)) else _short(data)}")
    return [_finite_float(x, f"parameter {name!r}[{i}]") for i, x in enumerate(data)]


def _assign(p, checked):
    """Store a value validated by ``_check_state`` (a tensor's list is updated in place)."""
    if isinstance(checked, list):
        if isinstance(p.data, list):
            p.data[:] = checked
        else:
            p.data = checked
    else:
        p.data = checked


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---- Module ---------------------------------------------------------------------------------

class Module:
    """Base class: subclasses set parameters and sub-modules as attributes in ``__init__``
    and define ``__call__``. Override ``config()`` to describe the constructor arguments, which
    are saved with the weights and checked when loading."""

    training = True

    def __init_subclass__(cls, **keywords):
        super().__init_subclass__(**keywords)
        if cls.__module__.split(".")[0] == "nn" and not cls.__name__.startswith("_"):
            register_module(cls)               # nn's own types load from files by name

    @classmethod
    def from_config(cls, config):
        """The module ``config()`` describes, freshly initialised: ``cls(**config)``."""
        try:
            return cls(**config)
        except (TypeError, ValueError) as e:
            raise ModelFileError(f"bad {cls.__name__} config {config!r}: {e}") from None

    @classmethod
    def shapes_from_config(cls, config, prefix=""):
        """``{dotted name: shape}`` of the parameters ``from_config(config)`` creates. This
        default builds the module to find out; a type that can say from its config alone
        overrides it, so a file asking for a huge model is refused before allocating."""
        built = cls.from_config(config)
        return {prefix + n: param_shape(p) for n, p in built.named_parameters()}

    # -- walking the attributes --

    def _children(self):
        """(name, object) for every public attribute holding modules or parameters."""
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(value, Module) or is_parameter(value):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module) or is_parameter(item):
                        yield f"{name}.{i}", item

    def named_modules(self, prefix=""):
        """``(dotted name, module)`` for this module (name ``""``) and every sub-module."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            subs = [(f"{name}.{n}" if name else n, m) for n, m in module._children()
                    if isinstance(m, Module)]
            stack.extend(reversed(subs))

    def modules(self):
        """Every module in the tree, this one first (depth first, attribute order)."""
        return [m for _, m in self.named_modules()]

    def named_parameters(self):
        """``(dotted name, parameter)`` pairs, e.g. ``("layers.0.neurons.3.w.1", Value)``.

        Depth first in attribute order; a parameter (or module) reachable from two places is
        listed once, under the first name.
        """
        seen = set()
        out = []

        def walk(module, prefix):
            for name, obj in module._children():
                if id(obj) in seen:
                    continue
                seen.add(id(obj))
                full = f"{prefix}{name}"
                if isinstance(obj, Module):
                    walk(obj, full + ".")
                else:
                    out.append((full, obj))

        seen.add(id(self))
        walk(self, "")
        return out

    def parameters(self):
        """Every parameter once, in a deterministic order (see ``named_parameters``)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self):
        """The number of trainable numbers (a tensor counts its elements)."""
        return sum(math.prod(param_shape(p)) for p in self.parameters())

    def zero_grad(self):
        """Reset every parameter's gradient (``backward()`` adds into ``.grad``)."""
        for p in self.parameters():
            zero_grad_of(p)

    # -- modes --

    def train(self, mode=True):
        """Set ``training`` on this module and every sub-module; returns ``self``."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        """``train(False)``: evaluation mode. Returns ``self``."""
        return self.train(False)

    # -- description --

    def config(self):
        """The constructor arguments as a JSON-ready dict (saved, and checked on load)."""
        return {}

    def architecture(self):
        """The model's type, config and parameter shapes: what a file must match to load."""
        return {"type": type(self).__name__, "config": self.config(),
                "parameters": {n: param_shape(p) for n, p in self.named_parameters()}}

    def extra_repr(self):
        """The text inside ``Name(...)`` in ``repr``."""
        return ", ".join(f"{k}={v!r}" for k, v in self.config().items())

    def _repr_children(self):
        """Sub-modules shown in ``repr``; a module with many identical children hides them."""
        return [(n, m) for n, m in self._children() if isinstance(m, Module)]

    def __repr__(self):
        head = f"{type(self).__name__}({self.extra_repr()})"
        lines = [head]
        for name, child in self._repr_children():
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {text}")
        return "\n".join(lines)

    # -- state --

    def state_dict(self):
        """``{dotted name: state}``: a float per scalar parameter, ``{"shape", "data"}`` per
        tensor. Plain JSON-ready data, a copy (later training does not change it)."""
        return {name: param_state(p) for name, p in self.named_parameters()}

    def load_state_dict(self, state, strict=True):
        """Copy the values in ``state`` into the parameters.

        Everything is validated first (names, shapes, finite numbers); on any problem
        :class:`ModelFileError` is raised and no parameter has changed. With ``strict=False``
        missing and unexpected names are allowed (only matching names are loaded).
        """
        if not isinstance(state, dict):
            raise ModelFileError(f"a state dict must be a dict of parameter name -> value, "
                                 f"got {type(state).__name__}")
        params = dict(self.named_parameters())
        if strict:
            missing = [n for n in params if n not in state]
            unexpected = [n for n in state if n not in params]
            if missing or unexpected:
                parts = []
                if missing:
                    parts.append(f"missing {_names(missing)}")
                if unexpected:
                    parts.append(f"unexpected {_names(unexpected)}")
                raise ModelFileError(f"state dict does not match {type(self).__name__}: "
                                     + "; ".join(parts)
                                     + " (load_state_dict(..., strict=False) loads the rest)")
        checked = [(params[n], _check_state(params[n], v, n)) for n, v in state.items()
                   if n in params]
        for p, value in checked:
            _assign(p, value)
        return self

    def save(self, path, meta=None, format=None, dtype=None):
        """Write the architecture and the weights to ``path``, atomically (a temporary file in
        the same directory, then ``os.replace``): a crash never leaves half a file. ``meta``
        (JSON data, e.g. what the inputs mean) is stored with them if given.

        The format is ``format`` (``"json"`` or ``"safetensors"``), else chosen by the
        extension: ``.safetensors`` writes the weights as the equivalent ``torch.nn.Sequential``
        names them (:mod:`nn.torch_layout`), as ``dtype`` ``"float64"`` (the default: exact) or
        ``"float32"`` (each weight rounded to the nearest float32); anything else writes JSON,
        where every double is exact. NaN or infinite weights are refused in both."""
        if file_format(path, format) == "safetensors":
            diverged = _diverged(self)
            if diverged:
                raise ModelFileError(diverged)
            save_safetensors(path, self.architecture(), self.state_dict(), meta, dtype)
            return
        if dtype is not None:
            raise ValueError(f"save({path!r}): dtype= is for .safetensors files; JSON keeps "
                             "every double exactly")
        document = {"format": FORMAT, "version": VERSION, "architecture": self.architecture(),
                    "state": self.state_dict()}
        if meta is not None:
            document["meta"] = meta
        write_json(path, document, lambda: _diverged(self) or
                   f"cannot save {path}: NaN or infinite numbers in the meta data")

    def load(self, path, format=None):
        """Load weights saved by ``save`` (the format chosen as there). A JSON file, or a
        safetensors file chainrule wrote, must hold the same architecture; a safetensors file
        from elsewhere (``safetensors.torch.save_file`` of the equivalent ``nn.Sequential``)
        must hold exactly its tensor names and shapes. Otherwise :class:`ModelFileError` is
        raised and the model is unchanged. Returns ``self``."""
        expected = self.architecture()
        if file_format(path, format) == "safetensors":
            found, _, tensors = read_model_safetensors(path)
            if found is not None and found != expected:
                raise ModelFileError(f"{path}: the file holds a different model: "
                                     f"{_arch_diff(found, expected)}")
            return load_file_state(self, state_from_torch(expected, tensors, path), path)
        document = read_model_file(path)
        found = document["architecture"]
        if found != expected:
            raise ModelFileError(f"{path}: the file holds a different model: "
                                 f"{_arch_diff(found, expected)}")
        return load_file_state(self, document["state"], path)


def load_file_state(model, state, path):
    """``model.load_state_dict(state, strict=True)`` for a state read from the file ``path``:
    an error names the file (``{path}: parameter 'weight'[1]: expected a finite number``)."""
    try:
        return model.load_state_dict(state, strict=True)
    except ModelFileError as e:
        raise ModelFileError(f"{path}: {e}") from None


def _diverged(model):
    """The error message if some parameters are NaN or infinite, else ``None``."""
    bad = [n for n, p in model.named_parameters() if not all(map(math.isfinite, _flat(p)))]
    if bad:
        return (f"cannot save {type(model).__name__}: parameters {_names(bad)} are NaN or "
                "infinite (training diverged?)")
    return None


# ---- files ----------------------------------------------------------------------------------

FORMATS = ("json", "safetensors")


def file_format(path, format=None):
    """``format`` if given (``"json"`` or ``"safetensors"``), else ``"safetensors"`` for a
    path ending in ``.safetensors`` (any case) and ``"json"`` for any other."""
    if format is None:
        return "safetensors" if os.fspath(path).lower().endswith(".safetensors") else "json"
    if format not in FORMATS:
        raise ValueError(f"unknown model file format {format!r}; choose json or safetensors")
    return format


def write_json(path, document, nan_message=None):
    """Write ``document`` as JSON atomically (a temporary file in the same directory, then
    ``os.replace``). NaN or infinity (a diverged run) is refused with :class:`ModelFileError`
    (``nan_message()`` says where), since JSON has no such numbers and the file could not be
    read back."""
    try:
        text = json.dumps(document, allow_nan=False)
    except ValueError:
        raise ModelFileError(nan_message() if nan_message is not None else
                             f"cannot save {path}: NaN or infinite numbers in the weights "
                             "(training diverged?)") from None
    atomic_write(path, text)


def read_model_file(path):
    """Parse and check the envelope of a model file: JSON, format name, version, fields."""
    document = read_json(path, "model file")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ModelFileError(f"{path}: not a chainrule model file (format {found!r}, expected "
                             f"{FORMAT!r}); save one with model.save(path)")
    version = document.get("version")
    if version != VERSION:
        raise ModelFileError(f"{path}: model file version {version!r} is not supported (this "
                             f"chainrule reads version {VERSION}); save it again with this version")
    for key, kind in (("architecture", dict), ("state", dict)):
        if not isinstance(document.get(key), kind):
            raise ModelFileError(f"{path}: model file has no {key!r} object; the file is "
                                 "damaged or was not written by model.save()")
    return document


def _flat(p):
    return [p.data] if getattr(p, "shape", None) is None else list(p.data)


def _names(names, limit=5):
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return shown + more


def _arch_diff(found, expected):
    """A short sentence saying how two architecture descriptions differ."""
    if found.get("type") != expected.get("type"):
        return f"type {found.get('type')!r}, this model is {expected.get('type')!r}"
    if found.get("config") != expected.get("config"):
        return f"config {found.get('config')!r}, this model has {expected.get('config')!r}"
    fp, ep = found.get("parameters") or {}, expected.get("parameters") or {}
    missing = [n for n in ep if n not in fp]
    extra = [n for n in fp if n not in ep]
    if missing or extra:
        return f"parameters missing {_names(missing)}, unexpected {_names(extra)}"
    shapes = [n for n in ep if fp[n] != ep[n]]
    if shapes:
        n = shapes[0]
        return f"parameter {n!r} has shape {fp[n]} in the file, {ep[n]} in this model"
    return "the descriptions differ"
