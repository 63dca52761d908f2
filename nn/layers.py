"""Neurons, layers and multi-layer perceptrons on scalar ``Value``\\ s.

A neuron computes ``act(w · x + b) = act(w₀x₀ + w₁x₁ + … + b)``; a layer is ``nout`` neurons
reading the same inputs; an MLP chains layers. Every weight is a ``Value`` with a readable label
(``"L1.n3.w0"``: layer 1, neuron 3, weight 0), so ``explain`` and ``draw`` show where a
gradient goes.

Initialisation: each weight is drawn from ``uniform(-1, 1) / sqrt(nin)``, each bias starts at
0. Dividing by ``sqrt(nin)`` keeps ``w · x`` of order 1 whatever the fan-in, so ``tanh`` and
``sigmoid`` start in their steep middle part instead of saturating. The draws come from ``rng=``,
else ``random.Random(seed)``, else nn's shared generator (:mod:`nn.rng`: ``nn.manual_seed(n)``
restarts it): ``MLP(..., seed=0)`` is the same model on every run, and neurons or layers built
one after another without a seed all differ.

Coming from micrograd: the same three classes, with these differences.

- Activations: micrograd's neurons are ReLU (``nonlin=True``) or linear (``nonlin=False``),
  and its MLP is ReLU hidden, linear out; the "building micrograd" lecture uses tanh
  everywhere; chainrule's default is tanh hidden, linear out, and the keyword is
  ``activation="tanh" | "relu" | "sigmoid" | "linear"`` (``nonlin=`` is refused with a message
  naming it: one name for one setting, where ``nonlin=True`` would mean ReLU beside a tanh
  default).
- ``Layer(nin, 1)(x)`` is a list of one Value (micrograd returns the Value itself); ``MLP``
  returns the Value when its last layer has one neuron, as micrograd's does.
- Initial weights are ``uniform(-1, 1) / sqrt(nin)`` (micrograd: ``uniform(-1, 1)``) and come
  from nn's own generator, not from Python's ``random`` module (see :mod:`nn.rng`).
"""

import math

from autograd import Value, dot

from .errors import ModelFileError
from .module import Module
from .registry import check_total, config_count
from .rng import generator

ACTIVATIONS = {
    "tanh": Value.tanh,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "linear": None,
}


def check_choice(what, name, choices):
    """``name`` if it is one of ``choices`` (a table or a tuple), else the one ValueError
    every module raises for an unknown activation, init or loss."""
    if isinstance(name, str) and name in choices:
        return name
    raise ValueError(f"unknown {what} {name!r}; choose one of {', '.join(choices)}")


def _activation(name):
    if isinstance(name, bool):            # micrograd's positional nonlin: Neuron(3, False)
        raise ValueError(f"unknown activation {name!r} (micrograd's nonlin={name} is "
                         f"activation={'relu' if name else 'linear'!r} here); choose one of "
                         f"{', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]


def _no_other_keywords(who, keywords):
    """micrograd's ``nonlin=`` gets a message naming ``activation=``; anything else the
    TypeError Python gives for an unknown keyword."""
    if "nonlin" in keywords:
        nonlin = keywords["nonlin"]
        raise TypeError(f"{who}: chainrule has no nonlin= (micrograd's keyword): write "
                        f"activation={'relu' if nonlin else 'linear'!r} for micrograd's "
                        f"nonlin={nonlin!r} (chainrule's default is activation='tanh')")
    if keywords:
        raise TypeError(f"{who}() got an unexpected keyword argument {next(iter(keywords))!r}")


def check_sizes(sizes, what, example):
    """``sizes`` as a list, or a clear TypeError for a bare number (``MLP(2, 3)``)."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"{what} must be a list such as {example}, got {sizes!r}")
    return list(sizes)


def check_count(n, what):
    """``n`` if it is a positive int, else a ValueError naming ``what``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


class Neuron(Module):
    """``act(w · x + b)`` with ``nin`` weights.

    ``activation``: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"linear"`` (none).
    ``seed`` seeds a fresh ``random.Random``, or pass a shared ``rng``; with neither, the
    weights come from nn's shared generator (:mod:`nn.rng`), so every new neuron differs.
    ``name`` prefixes the labels of the weights (``name + "w0"``, ``name + "b"``).
    """

    def __init__(self, nin, activation="tanh", seed=None, rng=None, name="", **keywords):
        _no_other_keywords("Neuron", keywords)
        check_count(nin, "Neuron: nin")
        self._act = _activation(activation)
        self.activation = activation
        rng = generator(seed, rng, "Neuron")
        root = math.sqrt(nin)
        self.w = [Value(rng.uniform(-1.0, 1.0) / root, label=f"{name}w{i}") for i in range(nin)]
        self.b = Value(0.0, label=f"{name}b")

    def config(self):
        return {"nin": len(self.w), "activation": self.activation}

    @classmethod
    def from_config(cls, config):
        return super().from_config(dict(config, seed=0))   # never draws from nn's generator

    @classmethod
    def shapes_from_config(cls, config, prefix=""):
        nin = config_count(config, "nin", "Neuron")
        check_total("Neuron", nin + 1)
        return {**{f"{prefix}w.{i}": [] for i in range(nin)}, f"{prefix}b": []}

    def __call__(self, x):
        """``act(w · x + b)`` for a list of ``nin`` numbers or Values."""
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        # b + w₀·x₀ + w₁·x₁ + … as ONE dot node, not 2·nin binary mul and add nodes
        z = dot(self.w, x, self.b)
        return z if self._act is None else self._act(z)


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; returns a list of ``nout`` Values
    (a list of one for ``nout=1``). ``seed``/``rng``: as for :class:`Neuron`."""

    def __init__(self, nin, nout, activation="tanh", seed=None, rng=None, name="", **keywords):
        _no_other_keywords("Layer", keywords)
        check_count(nout, "Layer: nout")
        rng = generator(seed, rng, "Layer")
        self.neurons = [Neuron(nin, activation, rng=rng, name=f"{name}n{j}.")
                        for j in range(nout)]

    @property
    def activation(self):
        return self.neurons[0].activation

    def config(self):
        return {"nin": len(self.neurons[0].w), "nout": len(self.neurons),
                "activation": self.activation}

    @classmethod
    def from_config(cls, config):
        return super().from_config(dict(config, seed=0))

    @classmethod
    def shapes_from_config(cls, config, prefix=""):
        nin, nout = (config_count(config, k, "Layer") for k in ("nin", "nout"))
        check_total("Layer", (nin + 1) * nout)
        shapes = {}
        for j in range(nout):
            shapes.update(Neuron.shapes_from_config({"nin": nin}, f"{prefix}neurons.{j}."))
        return shapes

    def _repr_children(self):
        return []                      # 16 identical neurons say nothing config does not

    def __call__(self, x):
        if len(x) != len(self.neurons[0].w):
            raise ValueError(f"Layer expects {len(self.neurons[0].w)} inputs, got {len(x)}")
        return [n(x) for n in self.neurons]


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` is 2 inputs → 16 → 16 → 1 output.

    ``activation`` names the hidden layers' activation, ``out_activation`` the last layer's
    (linear by default, i.e. raw scores); or pass a list with one activation per layer.
    Calling it on one input point returns a single Value when the last layer has one neuron,
    otherwise a list of Values. ``seed`` (default 0) makes the model the same on every run;
    ``seed=None`` draws from nn's shared generator (:mod:`nn.rng`).
    """

    def __init__(self, nin, sizes, activation="tanh", out_activation="linear", seed=0):
        check_count(nin, "MLP: nin")
        sizes = check_sizes(sizes, "MLP: sizes", "[16, 1]")
        if not sizes:
            raise ValueError("MLP needs at least one layer size, e.g. MLP(2, [16, 16, 1])")
        for s in sizes:
            check_count(s, "MLP: every layer size")
        if isinstance(activation, (list, tuple)):
            if len(activation) != len(sizes):
                raise ValueError(f"MLP: {len(activation)} activations for {len(sizes)} layers; "
                                 "give one per layer, or a single name")
            acts = list(activation)
        else:
            _activation(activation)            # checked even when no hidden layer uses it
            acts = [activation] * (len(sizes) - 1) + [out_activation]
        for a in acts:
            _activation(a)
        rng = generator(seed, None, "MLP")
        dims = [nin] + sizes
        self.layers = [Layer(dims[i], dims[i + 1], acts[i], rng=rng, name=f"L{i}.")
                       for i in range(len(sizes))]

    def config(self):
        return {"nin": len(self.layers[0].neurons[0].w),
                "sizes": [len(layer.neurons) for layer in self.layers],
                "activations": [layer.activation for layer in self.layers]}

    @classmethod
    def from_config(cls, config):
        try:
            return cls(config["nin"], config["sizes"], activation=config["activations"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelFileError(f"bad MLP config {config!r}: {e}") from None

    @classmethod
    def shapes_from_config(cls, config, prefix=""):
        sizes = config.get("sizes")
        if not isinstance(sizes, list) or not sizes:
            raise ModelFileError(f"bad MLP config {config!r}: sizes must be a non-empty list")
        dims = [config_count(config, "nin", "MLP")]
        dims += [config_count({"size": n}, "size", "MLP") for n in sizes]
        check_total("MLP", sum((a + 1) * b for a, b in zip(dims, dims[1:])))
        shapes = {}
        for i in range(len(sizes)):
            shapes.update(Layer.shapes_from_config({"nin": dims[i], "nout": dims[i + 1]},
                                                   f"{prefix}layers.{i}."))
        return shapes

    def extra_repr(self):
        c = self.config()
        return f"nin={c['nin']}, sizes={c['sizes']}, parameters={self.num_parameters()}"

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x
