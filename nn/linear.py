"""Layers on :class:`autograd.Tensor`: ``Linear``, activations, ``Sequential``, ``TensorMLP``.

A batch is a Tensor of shape (N, nin) (or, for the first layer, a constant
:class:`autograd.sparse.SparseRows` batch of images: only the weight rows of nonzero pixels are
touched). ``Linear`` computes ``Y = X·W + b`` with ``W`` of shape (nin, nout) and ``b`` of
shape (nout,) broadcast over the rows; the gradients are ``∂L/∂W = Xᵀ·G``,
``∂L/∂b = Σ_rows G`` and ``∂L/∂X = G·Wᵀ`` (the Tensor engine does it).

Initial weights come from ``rng=``, else ``random.Random(seed)``, else nn's shared generator
(:mod:`nn.rng`, restarted by ``nn.manual_seed(n)``): ``Linear(3, 4, seed=1)`` is the same
layer on every run, and layers built one after another without a seed all differ (as in
PyTorch). ``TensorMLP`` defaults to ``seed=0``. Biases start at 0, and ``init`` picks the
scale of the weights:

``"uniform"``  ``W ~ U(-1/√nin, 1/√nin)`` (PyTorch's default; keeps ``x·w`` of order 1)
``"xavier"``   ``W ~ U(-a, a)``, ``a = √(6/(nin + nout))`` (Glorot & Bengio 2010; tanh, sigmoid)
``"he"``       ``W ~ N(0, 2/nin)`` (He et al. 2015, for relu)

Every module here describes itself with ``config()`` so a saved model can be rebuilt from its
file alone: :func:`build_module` turns ``{"type": ..., "config": ...}`` back into a module.
"""

import math
import random

from autograd.tensor import Tensor

from .layers import check_choice, check_count, check_sizes
from .module import Module, ModelFileError
from .registry import build_module, config_count, parameter_shapes
from .rng import generator

__all__ = ["Linear", "Tanh", "ReLU", "Sigmoid", "Sequential", "TensorMLP", "INITS",
           "ACTIVATION_MODULES", "build_module", "parameter_shapes"]

INITS = ("uniform", "xavier", "he")


def init_weights(nin, nout, init, rng):
    """``nin * nout`` weights drawn by ``rng`` with the scale named by ``init`` (see above)."""
    if init == "uniform":
        a = 1.0 / math.sqrt(nin)
        return [rng.uniform(-a, a) for _ in range(nin * nout)]
    if init == "xavier":
        a = math.sqrt(6.0 / (nin + nout))
        return [rng.uniform(-a, a) for _ in range(nin * nout)]
    if init == "he":
        std = math.sqrt(2.0 / nin)
        return [rng.gauss(0.0, std) for _ in range(nin * nout)]
    check_choice("init", init, INITS)
    raise AssertionError(f"init {init!r} is in INITS but has no formula")


class Linear(Module):
    """``Y = X·W + b``: ``nin`` inputs to ``nout`` outputs for a batch of rows.

    ``X`` is a Tensor (N, nin) or a constant ``SparseRows`` batch (the sparse kernel is used).
    ``seed`` seeds a fresh ``random.Random``, or pass a shared ``rng``; with neither, the
    weights come from nn's shared generator (:mod:`nn.rng`), so every new layer differs.
    ``init`` is one of ``INITS`` (see the module docstring for the formulas).
    """

    def __init__(self, nin, nout, seed=None, init="uniform", rng=None):
        check_count(nin, "Linear: nin")
        check_count(nout, "Linear: nout")
        rng = generator(seed, rng, "Linear")
        self.weight = Tensor(init_weights(nin, nout, init, rng), (nin, nout),
                             requires_grad=True, label="weight")
        self.bias = Tensor([0.0] * nout, (nout,), requires_grad=True, label="bias")

    @property
    def nin(self):
        return self.weight.shape[0]

    @property
    def nout(self):
        return self.weight.shape[1]

    def config(self):
        return {"nin": self.nin, "nout": self.nout}

    @classmethod
    def from_config(cls, config):
        return super().from_config(dict(config, seed=0))   # never draws from nn's generator

    @classmethod
    def shapes_from_config(cls, config, prefix=""):
        nin, nout = (config_count(config, k, "Linear") for k in ("nin", "nout"))
        return {f"{prefix}weight": [nin, nout], f"{prefix}bias": [nout]}

    def __call__(self, x):
        shape = getattr(x, "shape", None)
        if shape is None or len(shape) != 2 or shape[1] != self.nin:
            got = shape if shape is not None else type(x).__name__
            raise ValueError(f"Linear({self.nin}, {self.nout}) expects a batch of shape "
                             f"(N, {self.nin}), got {got}")
        return x @ self.weight + self.bias


class _Activation(Module):
    """An elementwise activation with no parameters; ``fn`` names the Tensor method."""

    fn = None

    @classmethod
    def shapes_from_config(cls, config, prefix=""):
        return {}

    def __call__(self, x):
        return getattr(x, self.fn)()


class Tanh(_Activation):
    """tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ); ∂ = 1 − tanh²."""
    fn = "tanh"


class ReLU(_Activation):
    """max(0, x); ∂ = 1 for x > 0, else 0."""
    fn = "relu"


class Sigmoid(_Activation):
    """σ(x) = 1/(1 + e⁻ˣ); ∂ = σ(1 − σ)."""
    fn = "sigmoid"


ACTIVATION_MODULES = {"tanh": Tanh, "relu": ReLU, "sigmoid": Sigmoid}


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(784, 128), Tanh(), Linear(128, 10))``."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: item {i} is {type(layer).__name__}, not a Module")
        self.layers = list(layers)

    def config(self):
        return {"layers": [{"type": type(m).__name__, "config": m.config()}
                           for m in self.layers]}

    @classmethod
    def from_config(cls, config):
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise ModelFileError("Sequential config needs a list 'layers'")
        return cls(*[build_module(item) for item in layers])

    @classmethod
    def shapes_from_config(cls, config, prefix=""):
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise ModelFileError("Sequential config needs a list 'layers'")
        shapes = {}
        for i, item in enumerate(layers):
            shapes.update(parameter_shapes(item, f"{prefix}layers.{i}."))
        return shapes

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TensorMLP(Sequential):
    """``TensorMLP(784, [128], 10, activation="tanh")``: Linear → activation → … → Linear.

    The last layer is linear (it gives logits for a softmax loss). ``init`` defaults to
    ``"xavier"`` for tanh/sigmoid and ``"he"`` for relu; one ``random.Random(seed)`` draws
    all layers in order.
    """

    def __init__(self, nin, hidden, nout, activation="tanh", seed=0, init=None):
        check_count(nin, "TensorMLP: nin")
        check_count(nout, "TensorMLP: nout")
        hidden = [check_count(h, "TensorMLP: every hidden size")
                  for h in check_sizes(hidden, "TensorMLP: hidden", "[128]")]
        check_choice("activation", activation, ACTIVATION_MODULES)
        if init is None:
            init = "he" if activation == "relu" else "xavier"
        rng = random.Random(seed)
        dims = [nin] + hidden + [nout]
        layers = []
        for i in range(len(dims) - 1):
            layers.append(Linear(dims[i], dims[i + 1], init=init, rng=rng))
            if i < len(dims) - 2:
                layers.append(ACTIVATION_MODULES[activation]())
        super().__init__(*layers)
        self.activation = activation

    def config(self):
        linears = [m for m in self.layers if isinstance(m, Linear)]
        return {"nin": linears[0].nin, "hidden": [m.nout for m in linears[:-1]],
                "nout": linears[-1].nout, "activation": self.activation}

    @classmethod
    def from_config(cls, config):
        try:
            return cls(config["nin"], list(config["hidden"]), config["nout"],
                       config["activation"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelFileError(f"bad TensorMLP config {config!r}: {e}") from None

    @classmethod
    def shapes_from_config(cls, config, prefix=""):
        hidden = config.get("hidden")
        if not isinstance(hidden, list):
            raise ModelFileError(f"bad TensorMLP config {config!r}: hidden must be a list")
        dims = [config_count(config, "nin", "TensorMLP")]
        dims += [config_count({"hidden size": h}, "hidden size", "TensorMLP") for h in hidden]
        dims.append(config_count(config, "nout", "TensorMLP"))
        shapes = {}
        for i in range(len(dims) - 1):
            shapes[f"{prefix}layers.{2 * i}.weight"] = [dims[i], dims[i + 1]]
            shapes[f"{prefix}layers.{2 * i}.bias"] = [dims[i + 1]]
        return shapes

    def extra_repr(self):
        c = self.config()
        sizes = "-".join(str(s) for s in [c["nin"], *c["hidden"], c["nout"]])
        return f"{sizes} {c['activation']}, parameters={self.num_parameters()}"
