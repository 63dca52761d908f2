"""Where initial weights come from: one random generator for all of ``nn``, and its seed.

A module that draws initial weights (:class:`~nn.layers.Neuron`, :class:`~nn.layers.Layer`,
:class:`~nn.layers.MLP`) takes the generator to draw from in this order: ``rng=`` (a
``random.Random`` you pass), else a fresh ``random.Random(seed)`` for ``seed=``, else nn's
shared generator. The shared generator starts from seed 0 when ``nn`` is imported and moves on
with every draw, so neurons built one after another (``[Neuron(3) for _ in range(4)]``, the way
the micrograd lecture builds a layer) all differ, and a script that builds the same modules in
the same order gets the same weights on every run. :func:`manual_seed` restarts it.

``random.seed(n)`` seeds Python's own global generator, which nn never draws from: it neither
reproduces nor changes chainrule's weights (and no other code's use of ``random`` can shift
them). Use ``nn.manual_seed(n)``, or ``seed=`` on the module. ``MLP`` defaults to ``seed=0``: a
whole model is the same every time unless you ask for another seed (``seed=None`` draws from
the shared generator).
"""

import random

_shared = random.Random(0)


def _check_seed(seed, who):
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{who}: seed must be an int, got {seed!r}")
    return seed


def manual_seed(seed):
    """Restart nn's shared generator from ``seed`` (an int): modules built after it without
    ``seed=`` or ``rng=`` get the same weights as after any other ``manual_seed(seed)``."""
    _shared.seed(_check_seed(seed, "manual_seed"))


def generator(seed=None, rng=None, who="nn"):
    """The ``random.Random`` to draw initial weights from: ``rng`` if given, else a fresh
    ``random.Random(seed)`` if ``seed`` is given, else nn's shared generator."""
    if rng is not None:
        return rng
    if seed is not None:
        return random.Random(_check_seed(seed, who))
    return _shared
