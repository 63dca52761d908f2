"""A hand-tuned pure-Python training step of 784-H-10 tanh + softmax cross-entropy, plain SGD.

The yardstick for chainrule's Tensor engine (``bench_tensor.py``): the same math with every
trick known to work in CPython 3.11 and nothing else: no Tensor objects, no graph, no checks,
no error-bound fallbacks, the SGD update fused into the gradient loops.

* Dot products as ``a·b = (|a|² + |b|² − dist(a, b)²) / 2``: ``math.dist`` and ``math.hypot``
  loop over raw doubles in C (no float object per element).
* A batch row is its nonzero pixels ``(indices, values)``; the first layer gathers only those
  weight rows (``zip(*map(W1.__getitem__, idx))``), and its update touches only the rows of
  pixels that occur in the batch.
* Weights are lists of row lists (W1: 784 rows of H, W2: H rows of 10), updated row by row.

Its accuracy is the dist trick's (fine for MNIST's scales, not guaranteed in general: chainrule's
kernels check the bound and fall back; this does not).
"""

import math
from itertools import repeat, starmap
from operator import mul, sub

_dist, _hypot, _tanh, _exp, _log = math.dist, math.hypot, math.tanh, math.exp, math.log


def _sq(rows):
    return [h * h for h in starmap(_hypot, rows)]


class HandTuned:
    """Weights as the flat lists ``bench_tensor.init_weights`` gives (w1 784·H, b1, w2 H·10,
    b2), kept as row lists; :meth:`step` trains on one batch and returns its mean loss."""

    def __init__(self, weights, hidden):
        w1, b1, w2, b2 = weights
        self.h = hidden
        self.W1 = [w1[i:i + hidden] for i in range(0, 784 * hidden, hidden)]
        self.b1 = list(b1)
        self.W2 = [w2[i:i + 10] for i in range(0, hidden * 10, 10)]
        self.b2 = list(b2)

    def step(self, rows, labels, lr):
        W1, W2, b1, b2 = self.W1, self.W2, self.b1, self.b2
        n = len(rows)
        # forward, layer 1: gathered columns of W1 against the row's nonzero values
        getrow = W1.__getitem__
        hs = []
        for idx, vals in rows:
            cols = list(zip(*map(getrow, idx)))
            vals = tuple(vals)
            na = _hypot(*vals)
            na *= na
            hs.append(tuple([_tanh(b + (na + nb - d * d) * 0.5) for b, nb, d in
                             zip(b1, _sq(cols), map(_dist, repeat(vals), cols))]))
        # layer 2 and softmax cross-entropy; dz = (softmax - onehot) / n
        w2c = list(zip(*W2))
        w2n = _sq(w2c)
        loss = 0.0
        dzs = []
        inv = 1.0 / n
        for h, y in zip(hs, labels):
            nh = _hypot(*h)
            nh *= nh
            dists = map(_dist, repeat(h), w2c)
            z = [b + (nh + nb - d * d) * 0.5 for b, nb, d in zip(b2, w2n, dists)]
            m = max(z)
            e = [_exp(v - m) for v in z]
            s = sum(e)
            loss -= z[y] - m - _log(s)
            p = [v / s * inv for v in e]
            p[y] -= inv
            dzs.append(p)
        # backward: dh = (dz · W2ᵀ) ⊙ (1 - h²), with the old W2
        dhs = [tuple([(1.0 - v * v) * sum(map(mul, dz, w)) for v, w in zip(h, W2)])
               for h, dz in zip(hs, dzs)]
        # W2 -= lr · hᵀ·dz, b2 -= lr · Σ dz (rows of W2 are the hidden units)
        dzc = list(zip(*dzs))
        dzn = _sq(dzc)
        for j, col in enumerate(zip(*hs)):
            nc = _hypot(*col)
            nc *= nc
            W2[j] = [w - lr * (nc + nb - d * d) * 0.5
                     for w, nb, d in zip(W2[j], dzn, map(_dist, repeat(col), dzc))]
        self.b2 = [b - lr * sum(c) for b, c in zip(b2, dzc)]
        # W1 -= lr · Xᵀ·dh on the pixels that occur in the batch only; b1 -= lr · Σ dh
        dhc = list(zip(*dhs))
        dhn = _sq(dhc)
        cols = {}
        for s, (idx, vals) in enumerate(rows):
            for i, v in zip(idx, vals):
                c = cols.get(i)
                if c is None:
                    c = cols[i] = [0.0] * n
                c[s] = v
        for i, col in cols.items():
            col = tuple(col)
            nc = _hypot(*col)
            nc *= nc
            W1[i] = list(map(sub, W1[i], [lr * (nc + nb - d * d) * 0.5 for nb, d in
                                          zip(dhn, map(_dist, repeat(col), dhc))]))
        self.b1 = [b - lr * sum(c) for b, c in zip(b1, dhc)]
        return loss / n
