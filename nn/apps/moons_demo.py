"""Two moons, one training step at a time: what the browser playground's training panel drives.

>>> demo = MoonsDemo()                  # MLP(2, [16, 16, 1]) on make_moons(100, seed=0)
>>> first = demo.step()["loss"]
>>> for _ in range(19):
...     last = demo.step()["loss"]
>>> last < first
True

Each :meth:`MoonsDemo.step` is one full-batch step of the README's moons loop: scores, the SVM
hinge loss ``mean(max(0, 1 - y·score)) + alpha·Σw²``, ``backward()``, SGD with momentum. It
returns the loss *before* its update (the number the loss curve shows), so that a caller can
run steps one by one, redraw between them and stop whenever the learner presses Stop.
:meth:`MoonsDemo.boundary` is the model's score on a grid over the points (no graph built), for
the decision-boundary picture. The ``*_json`` forms are the same calls for the page's script.
"""

import json
import math
from operator import mul

from ..data.moons import make_moons
from ..layers import MLP
from ..losses import hinge, l2, sign_accuracy
from ..optim import SGD

# the hidden and output activations on plain floats, for the boundary grid
_FLOAT_ACTIVATIONS = {"tanh": math.tanh, "linear": None, "relu": lambda z: max(z, 0.0),
                      "sigmoid": lambda z: 0.5 * (1.0 + math.tanh(0.5 * z))}


class MoonsDemo:
    """``MLP(2, sizes + [1])`` (tanh hidden layers, linear score) trained on two moons with
    labels ±1: ``make_moons(n, noise, seed, labels="pm1")``; SGD(lr, momentum)."""

    def __init__(self, n=100, noise=0.1, seed=0, sizes=(16, 16), lr=0.5, momentum=0.9,
                 alpha=1e-4):
        self.X, self.y = make_moons(n, noise=noise, seed=seed, labels="pm1")
        self.model = MLP(2, list(sizes) + [1], activation="tanh", seed=seed)
        self.optimizer = SGD(self.model.parameters(), lr=lr, momentum=momentum)
        self.alpha = alpha
        self.history = []               # (step, loss, accuracy), one per step run

    def step(self):
        """One training step: ``{"step": k, "loss": L, "accuracy": a}`` for the model as it
        was before the step's update (k counts from 1)."""
        params = self.model.parameters()
        scores = [self.model(x) for x in self.X]
        loss = hinge(scores, self.y) + self.alpha * l2(params)
        accuracy = sign_accuracy(scores, self.y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.history.append((len(self.history) + 1, loss.data, accuracy))
        return {"step": len(self.history), "loss": loss.data, "accuracy": accuracy}

    def bounds(self, margin=0.25):
        """``(x0, x1, y0, y1)``: the box around the points, ``margin`` wider on each side."""
        xs = [p[0] for p in self.X]
        ys = [p[1] for p in self.X]
        return min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin

    def boundary(self, size=32):
        """The model's score at ``size × size`` points spread evenly over :meth:`bounds`, rows
        from the top (largest x2) down: ``{"bounds": [x0, x1, y0, y1], "size": size,
        "scores": [...]}``, row-major. The decision boundary is where the score is 0.

        The grid is computed on plain floats read from the weights (``act(b + Σ wᵢ·xᵢ)`` per
        neuron, as the model computes it), builds no graph and is ~10× faster than calling
        the model on Values: the picture is redrawn while training runs."""
        x0, x1, y0, y1 = self.bounds()
        layers = [([[w.data for w in n.w] for n in layer.neurons],
                   [n.b.data for n in layer.neurons], _FLOAT_ACTIVATIONS[layer.activation])
                  for layer in self.model.layers]
        scores = []
        for r in range(size):
            yy = y1 - (y1 - y0) * r / (size - 1)
            for c in range(size):
                x = [x0 + (x1 - x0) * c / (size - 1), yy]
                for weights, biases, act in layers:
                    z = [b + sum(map(mul, w, x)) for w, b in zip(weights, biases)]
                    x = z if act is None else [act(v) for v in z]
                scores.append(x[0])
        return {"bounds": [x0, x1, y0, y1], "size": size, "scores": scores}

    def points(self):
        """``{"X": [[x1, x2], ...], "y": [±1, ...]}``: the training points."""
        return {"X": self.X, "y": self.y}

    def step_json(self):
        return json.dumps(self.step())

    def boundary_json(self, size=32):
        return json.dumps(self.boundary(size))

    def points_json(self):
        return json.dumps(self.points())
