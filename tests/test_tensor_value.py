"""The Tensor engine against the scalar Value engine: the same small MLPs with the same
weights give the same loss and the same gradients to 1e-12."""

import math
import random

import pytest

from autograd import Tensor, Value
from autograd.sparse import SparseRows


def _mlp_values(x, ws, bs, labels, act):
    """Forward with Values: rows of x through layers (W: in × out), softmax cross-entropy."""
    h = [[Value(v) for v in row] for row in x]
    for li, (w, b) in enumerate(zip(ws, bs)):
        out = []
        for row in h:
            z = []
            for j in range(len(b)):
                s = b[j]
                for i, xi in enumerate(row):
                    s = s + xi * w[i][j]
                z.append(s)
            if li < len(ws) - 1:
                z = [getattr(v, act)() for v in z]
            out.append(z)
        h = out
    loss = Value(0.0)
    for z, y in zip(h, labels):
        m = max(v.data for v in z)
        lse = sum(((v - m).exp() for v in z), Value(0.0)).log() + m
        loss = loss + (lse - z[y])
    return loss / len(labels)


@pytest.mark.parametrize("act", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("sparse_input", [False, True])
def test_mlp_gradients_match_the_value_engine(act, sparse_input):
    rng = random.Random(3)
    sizes = [5, 4, 3]
    x = [[rng.choice([0.0, rng.uniform(-1, 1)]) for _ in range(sizes[0])] for _ in range(6)]
    labels = [rng.randrange(sizes[-1]) for _ in x]
    w_lists = [[[rng.gauss(0, 0.7) for _ in range(o)] for _ in range(i)]
               for i, o in zip(sizes, sizes[1:])]
    b_lists = [[rng.gauss(0, 0.3) for _ in range(o)] for o in sizes[1:]]

    vw = [[[Value(v) for v in row] for row in w] for w in w_lists]
    vb = [[Value(v) for v in b] for b in b_lists]
    vloss = _mlp_values(x, vw, vb, labels, act)
    vloss.backward()

    tw = [Tensor(w, requires_grad=True) for w in w_lists]
    tb = [Tensor(b, requires_grad=True) for b in b_lists]
    h = SparseRows.from_dense(x) if sparse_input else Tensor(x)
    for li, (w, b) in enumerate(zip(tw, tb)):
        h = h @ w + b
        if li < len(tw) - 1:
            h = getattr(h, act)()
    tloss = h.cross_entropy(labels)
    tloss.backward()

    assert math.isclose(tloss.item(), vloss.data, rel_tol=1e-12)
    for t, v in zip(tw + tb, vw + vb):
        flat = [p.grad for row in v for p in (row if isinstance(row, list) else [row])]
        for a, b in zip(t.grad.data, flat):
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (a, b)


def test_elementwise_chain_matches_value():
    xs = [0.3, -1.2, 2.0]
    vx = [Value(v) for v in xs]
    vout = [((v * v + 1.0).log() * v.sigmoid() - v.tanh() / 2.0) ** 2 for v in vx]
    for v in vout:
        v.backward()
    tx = Tensor(xs, requires_grad=True)
    tout = ((tx * tx + 1.0).log() * tx.sigmoid() - tx.tanh() / 2.0) ** 2
    tout.sum().backward()
    assert tout.data == [v.data for v in vout]
    # fan-out contributions may be added in another order: equal to rounding
    for a, b in zip(tx.grad.data, [v.grad for v in vx]):
        assert math.isclose(a, b, rel_tol=1e-14)
