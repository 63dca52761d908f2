"""Optimizers: ``SGD`` (momentum, weight decay) and ``Adam``.

An optimizer holds a list of parameters and, after ``loss.backward()``, moves each one
against its gradient with ``step()``. A parameter is a scalar ``Value`` (``data`` and ``grad``
are floats) or a tensor (``data`` a flat list of floats, ``grad`` a tensor with a flat ``data``
list, or ``None`` when nothing flowed into it, which ``step()`` skips). The update rules are
written once, on flat lists; ``_Slot`` adapts both kinds of parameter to them.

Typical loop::

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(100):
        loss = hinge([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

import math
import numbers
from itertools import repeat
from operator import add, mul, sub, truediv

from .module import ModelFileError, zero_grad_of

__all__ = ["Optimizer", "SGD", "Adam"]


class _Slot:
    """A parameter seen as flat lists: ``values()``, ``grads()`` (or None), ``set(values)``."""

    __slots__ = ("p", "scalar")

    def __init__(self, p):
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise TypeError(f"optimizer: {p!r} is not a parameter (it needs .data and .grad)")
        self.p = p
        self.scalar = getattr(p, "shape", None) is None

    def values(self):
        return [self.p.data] if self.scalar else self.p.data

    def grads(self):
        g = self.p.grad
        if self.scalar:
            return [g]
        if g is None:
            return None
        return g.data if hasattr(g, "data") else list(g)

    def set(self, values):
        if self.scalar:
            self.p.data = values[0]
        else:
            self.p.data[:] = values


class Optimizer:
    """Base class: keeps the parameters (deduplicated, in order) and the step count."""

    def __init__(self, params, lr):
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"{type(self).__name__}: pass model.parameters(), not the model")
        if not hasattr(params, "__iter__"):
            raise TypeError(f"{type(self).__name__}: params must be a list of parameters "
                            f"(model.parameters()), got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: no parameters to optimize "
                             "(pass model.parameters())")
        _check_hyper(type(self).__name__, "lr", lr, low=0.0)
        seen = set()
        self.slots = []
        for p in params:
            if id(p) not in seen:
                seen.add(id(p))
                self.slots.append(_Slot(p))
        self.lr = lr
        self.steps = 0

    @property
    def params(self):
        return [s.p for s in self.slots]

    def zero_grad(self):
        """Reset every parameter's gradient (before the next ``backward()``)."""
        for s in self.slots:
            zero_grad_of(s.p)

    def step(self):
        """Update every parameter from its current gradient."""
        self.steps += 1
        for i, s in enumerate(self.slots):
            g = s.grads()
            if g is not None:
                s.set(self._update(i, s.values(), g))

    def _update(self, i, x, g):
        raise NotImplementedError

    # -- checkpointing --

    def hyperparameters(self):
        return {"lr": self.lr}

    def _check_hyperparameters(self, hyper):
        """Raise ValueError unless every value of ``hyper`` is allowed (as the constructor
        checks it); used by ``load_state_dict`` before anything is assigned."""
        _check_hyper(type(self).__name__, "lr", hyper["lr"], low=0.0)

    def _buffers(self):
        """Names of the per-parameter lists of floats kept between steps."""
        return ()

    def state_dict(self):
        """JSON-ready: type, hyper-parameters, step count and per-parameter buffers."""
        return {"type": type(self).__name__, "hyperparameters": self.hyperparameters(),
                "steps": self.steps,
                "buffers": {name: [None if b is None else list(b) for b in getattr(self, name)]
                            for name in self._buffers()}}

    def load_state_dict(self, state):
        """Restore a ``state_dict()`` (validated first; on error nothing changes)."""
        name = type(self).__name__
        if not isinstance(state, dict) or state.get("type") != name:
            found = state.get("type") if isinstance(state, dict) else type(state).__name__
            raise ModelFileError(f"{name}.load_state_dict: not a {name} state (type {found!r})")
        hyper = state.get("hyperparameters")
        if not isinstance(hyper, dict) or set(hyper) != set(self.hyperparameters()):
            raise ModelFileError(f"{name}.load_state_dict: hyperparameters {hyper!r} do not "
                                 f"match {sorted(self.hyperparameters())}")
        steps = state.get("steps")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ModelFileError(f"{name}.load_state_dict: bad step count {steps!r}")
        buffers = state.get("buffers")
        if not isinstance(buffers, dict) or set(buffers) != set(self._buffers()):
            raise ModelFileError(f"{name}.load_state_dict: buffers {sorted(buffers or {})} do "
                                 f"not match {sorted(self._buffers())}")
        try:
            self._check_hyperparameters(hyper)
        except ValueError as e:
            raise ModelFileError(f"{name}.load_state_dict: {e}") from None
        restored = {}
        for key, lists in buffers.items():
            if not isinstance(lists, list) or len(lists) != len(self.slots):
                raise ModelFileError(f"{name}.load_state_dict: buffer {key!r} needs one entry per "
                                     f"parameter ({len(self.slots)})")
            out = []
            for s, b in zip(self.slots, lists):
                if b is not None:
                    if (not isinstance(b, list) or len(b) != len(s.values())
                            or not all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                                       and math.isfinite(v) for v in b)):
                        raise ModelFileError(f"{name}.load_state_dict: buffer {key!r} does not "
                                             "fit the parameters (different model?)")
                    b = [float(v) for v in b]
                out.append(b)
            restored[key] = out
        for key, value in hyper.items():
            setattr(self, key, tuple(value) if isinstance(value, list) else value)
        self.steps = steps
        for key, value in restored.items():
            setattr(self, key, value)


def _check_hyper(owner, name, value, low=None, below=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{owner}: {name} must be >= {low}, got {value!r}")
    if below is not None and not value < below:
        raise ValueError(f"{owner}: {name} must be < {below}, got {value!r}")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay (as PyTorch)::

        g ← ∂L/∂x + weight_decay·x
        v ← momentum·v + g          (v = g at the first step)
        x ← x - lr·v                (plain SGD, momentum = 0: x ← x - lr·g)
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self._check_hyperparameters({"lr": lr, "momentum": momentum,
                                     "weight_decay": weight_decay})
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = [None] * len(self.slots)

    def hyperparameters(self):
        return {"lr": self.lr, "momentum": self.momentum, "weight_decay": self.weight_decay}

    def _check_hyperparameters(self, hyper):
        super()._check_hyperparameters(hyper)
        _check_hyper("SGD", "momentum", hyper["momentum"], low=0.0)
        _check_hyper("SGD", "weight_decay", hyper["weight_decay"], low=0.0)

    def _buffers(self):
        return ("velocity",)

    def step(self):
        """Update every parameter. Plain SGD (no momentum, no weight decay) applies a first
        layer's gradient that a ``SparseRows`` batch left unmaterialized
        (:class:`autograd.sparse.RowGradTensor`) in one pass over the rows of pixels that occur
        in the batch; the weights come out bit for bit as the full update gives them."""
        if self.momentum or self.weight_decay:
            return super().step()
        self.steps += 1
        for i, s in enumerate(self.slots):
            fused = None if s.scalar else getattr(s.p.grad, "sgd_step", None)
            if fused is not None and fused(s.p.data, self.lr):
                continue
            g = s.grads()
            if g is not None:
                s.set(self._update(i, s.values(), g))
        return None

    def _update(self, i, x, g):
        # map() over C functions instead of comprehensions: the same arithmetic, term for
        # term (x·y = y·x exactly in floats), without a Python frame step per weight
        lr, wd, mu = self.lr, self.weight_decay, self.momentum
        if wd:
            g = list(map(add, g, map(mul, x, repeat(wd))))              # g + wd·x
        if mu:
            v = self.velocity[i]
            v = list(g) if v is None else list(map(add, map(mul, v, repeat(mu)), g))
            self.velocity[i] = g = v                                    # mu·v + g
        return list(map(sub, x, map(mul, g, repeat(lr))))               # x - lr·g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with bias correction; weight decay added to the gradient
    (L2, as ``torch.optim.Adam``)::

        g ← ∂L/∂x + weight_decay·x
        m ← β₁·m + (1 - β₁)·g            v ← β₂·v + (1 - β₂)·g²
        m̂ = m / (1 - β₁ᵗ)                 v̂ = v / (1 - β₂ᵗ)
        x ← x - lr·m̂ / (√v̂ + eps)

    ``t`` counts ``step()`` calls (one counter for all parameters; PyTorch counts per
    parameter, which only differs for a parameter that had no gradient at some step).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        self._check_hyperparameters({"lr": lr, "betas": betas, "eps": eps,
                                     "weight_decay": weight_decay})
        self.betas = tuple(betas)
        self.eps = eps
        self.weight_decay = weight_decay
        self.m = [None] * len(self.slots)
        self.v = [None] * len(self.slots)

    def hyperparameters(self):
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps,
                "weight_decay": self.weight_decay}

    def _check_hyperparameters(self, hyper):
        super()._check_hyperparameters(hyper)
        betas = hyper["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (β₁, β₂), got {betas!r}")
        for k, b in zip(("betas[0]", "betas[1]"), betas):
            _check_hyper("Adam", k, b, low=0.0, below=1.0)
        _check_hyper("Adam", "eps", hyper["eps"], low=0.0)
        _check_hyper("Adam", "weight_decay", hyper["weight_decay"], low=0.0)

    def _buffers(self):
        return ("m", "v")

    def _update(self, i, x, g):
        b1, b2 = self.betas
        wd = self.weight_decay
        if wd:
            g = list(map(add, g, map(mul, x, repeat(wd))))              # g + wd·x
        m = self.m[i] or [0.0] * len(g)
        v = self.v[i] or [0.0] * len(g)
        # the same arithmetic as the formulas, term for term, as map() over C functions
        self.m[i] = m = list(map(add, map(mul, m, repeat(b1)),
                                 map(mul, g, repeat(1.0 - b1))))       # b1·m + (1-b1)·g
        self.v[i] = v = list(map(add, map(mul, v, repeat(b2)),
                                 map(mul, map(mul, g, repeat(1.0 - b2)), g)))  # + (1-b2)·g·g
        # x - lr·m̂/(√v̂ + eps) with m̂ = m/c1, v̂ = v/c2
        c1 = 1.0 - b1 ** self.steps
        c2 = 1.0 - b2 ** self.steps
        step = map(truediv, map(mul, repeat(self.lr), map(truediv, m, repeat(c1))),
                   map(add, map(math.sqrt, map(truediv, v, repeat(c2))), repeat(self.eps)))
        return list(map(sub, x, step))
