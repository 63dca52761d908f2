"""The Tensor engine against PyTorch (skipped when torch is not installed)."""

import random

import pytest

from autograd import Tensor
from autograd.sparse import SparseRows

torch = pytest.importorskip("torch")


def _pair(shape, seed, lo=-1.0, hi=1.0):
    rng = random.Random(seed)
    vals = [rng.uniform(lo, hi) for _ in range(int(torch.Size(shape).numel()))]
    return (Tensor(vals, shape=shape, requires_grad=True),
            torch.tensor(vals, dtype=torch.float64).reshape(shape).requires_grad_())


def _close(ours, theirs, tol=1e-12):
    assert ours.shape == tuple(theirs.shape)
    for a, b in zip(ours.data, theirs.detach().reshape(-1).tolist()):
        assert a == pytest.approx(b, rel=tol, abs=tol)


def test_mnist_network_matches_torch():
    rng = random.Random(0)
    dense = [[rng.random() if rng.random() < 0.2 else 0.0 for _ in range(20)] for _ in range(8)]
    labels = [rng.randrange(4) for _ in dense]
    w1, tw1 = _pair((20, 6), 1)
    b1, tb1 = _pair((6,), 2)
    w2, tw2 = _pair((6, 4), 3)
    b2, tb2 = _pair((4,), 4)
    loss = ((SparseRows.from_dense(dense) @ w1 + b1).tanh() @ w2 + b2).cross_entropy(labels)
    loss.backward()
    x = torch.tensor(dense, dtype=torch.float64)
    tloss = torch.nn.functional.cross_entropy(torch.tanh(x @ tw1 + tb1) @ tw2 + tb2,
                                              torch.tensor(labels))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for ours, theirs in [(w1, tw1), (b1, tb1), (w2, tw2), (b2, tb2)]:
        _close(ours.grad, theirs.grad)


@pytest.mark.parametrize("sa,sb", [((2, 3), (3,)), ((2, 1, 3), (4, 1)), ((), (2, 2)),
                                   ((3, 1), (1, 3))])
def test_broadcast_arithmetic_matches_torch(sa, sb):
    a, ta = _pair(sa, 5)
    b, tb = _pair(sb, 6, 0.5, 2.0)
    out = ((a * b - a / b + b) ** 2).log_softmax(axis=-1).sum(axis=0).max()
    tout = ((ta * tb - ta / tb + tb) ** 2).log_softmax(dim=-1).sum(dim=0).max()
    out.backward()
    tout.backward()
    assert out.item() == pytest.approx(tout.item(), rel=1e-12)
    _close(a.grad, ta.grad)
    _close(b.grad, tb.grad)


def test_softmax_transpose_reshape_mean_match_torch():
    a, ta = _pair((2, 3, 4), 7)
    out = (a.transpose(2, 0, 1).softmax(axis=1).reshape(4, 6).mean(axis=1) * 3.0).sum()
    tout = (ta.permute(2, 0, 1).softmax(dim=1).reshape(4, 6).mean(dim=1) * 3.0).sum()
    out.backward()
    tout.backward()
    assert out.item() == pytest.approx(tout.item(), rel=1e-12)
    _close(a.grad, ta.grad)
