"""Plain SGD applies a SparseRows product's weight gradient without materializing it
(autograd.sparse.RowGradTensor, nn.optim.SGD.step): bit for bit the full update, and ``.grad``
reads the eager numbers whenever anyone looks."""

import random
import struct

import pytest

from autograd import Tensor, detect_anomaly, gradients
from autograd import kernels as K
from autograd.sparse import RowGradTensor, SparseRows
from nn.optim import SGD, Adam


def bits(xs):
    return struct.pack(f"{len(xs)}d", *xs)


def batches(seed, n_batches, n, ncols, density, scale=1.0):
    rng = random.Random(seed)
    out = []
    for _ in range(n_batches):
        rows = []
        for _ in range(n):
            idx = sorted(rng.sample(range(ncols), max(1, round(density * ncols))))
            rows.append((idx, [rng.choice((1 / scale, 1.0, scale)) * rng.random()
                               for _ in idx]))
        out.append((rows, [rng.randrange(4) for _ in range(n)]))
    return out


def net(seed, ncols, hidden):
    rng = random.Random(seed)
    w1 = [rng.uniform(-0.3, 0.3) for _ in range(ncols * hidden)]
    w1[:hidden] = [0.0, -0.0] * (hidden // 2)       # signed zeros in a (likely unused) row
    return [Tensor(w1, (ncols, hidden), requires_grad=True),
            Tensor([0.0] * hidden, (hidden,), requires_grad=True),
            Tensor([rng.uniform(-0.3, 0.3) for _ in range(hidden * 4)], (hidden, 4),
                   requires_grad=True),
            Tensor([0.0] * 4, (4,), requires_grad=True)]


def train(params, data, ncols, make_opt, materialize, lrs=None):
    W1, B1, W2, B2 = params
    opt = make_opt(params)
    for k, (rows, labels) in enumerate(data):
        if lrs is not None:
            opt.lr = lrs[k % len(lrs)]
        X = SparseRows(rows, ncols)
        loss = ((X @ W1 + B1).tanh() @ W2 + B2).cross_entropy(labels)
        opt.zero_grad()
        loss.backward()
        assert type(W1.grad) is RowGradTensor and not W1.grad.materialized
        if materialize:
            assert len(W1.grad.data) == len(W1.data)      # read: the full update runs
        opt.step()
    return [bits(p.data) for p in params]


# (batches, rows per batch, ncols, hidden, density, pixel scale): the dist-trick branch, the
# exact branch of small products, and pixels 1e8 apart in scale (the careful rows)
CASES = [(4, 16, 100, 32, 0.2, 1.0), (3, 3, 12, 4, 0.3, 1.0), (4, 16, 100, 32, 0.2, 1e4)]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("make_opt", [
    lambda p: SGD(p, lr=0.1),
    lambda p: SGD(p, lr=0.1, momentum=0.9),
    lambda p: SGD(p, lr=0.05, weight_decay=0.01),
    lambda p: SGD(p, lr=0.05, momentum=0.5, weight_decay=0.01),
    lambda p: Adam(p, lr=0.01),
], ids=["sgd", "momentum", "weight-decay", "both", "adam"])
def test_unmaterialized_update_is_bit_identical_to_the_full_one(case, make_opt):
    nb, n, ncols, hidden, density, scale = case
    data = batches(1, nb, n, ncols, density, scale)
    fused = train(net(2, ncols, hidden), data, ncols, make_opt, materialize=False)
    full = train(net(2, ncols, hidden), data, ncols, make_opt, materialize=True)
    assert fused == full


def test_the_fused_step_leaves_rows_of_absent_pixels_alone_and_matches_the_formula():
    data = batches(3, 1, 16, 100, 0.2)
    params = net(4, 100, 32)
    W1 = params[0]
    before = list(W1.data)
    X = SparseRows(data[0][0], 100)
    loss = ((X @ W1 + params[1]).tanh() @ params[2] + params[3]).cross_entropy(data[0][1])
    loss.backward()
    opt = SGD(params, lr=0.1)
    opt.step()
    assert not W1.grad.materialized                   # applied without building the list
    g = W1.grad.data                                   # read after the step: still the gradient
    assert bits(W1.data) == bits([w - gi * 0.1 for w, gi in zip(before, g)])
    used = {i for idx, _ in data[0][0] for i in idx}
    for i in set(range(100)) - used:
        assert bits(W1.data[i * 32:(i + 1) * 32]) == bits(before[i * 32:(i + 1) * 32])
        assert g[i * 32:(i + 1) * 32] == [0.0] * 32


def test_grad_reads_the_eager_numbers():
    rows, _ = batches(5, 1, 16, 100, 0.2)[0]
    X = SparseRows(rows, 100)
    W = Tensor([random.Random(6).uniform(-1, 1) for _ in range(3200)], (100, 32),
               requires_grad=True)
    Y = X @ W
    (Y.tanh()).sum().backward()
    assert isinstance(W.grad, Tensor) and W.grad.shape == (100, 32)
    eager = K.sparse_t_matmul(X.dense_rows(), Y.grad.data, 32)
    assert bits(W.grad.data) == bits(eager)
    assert W.grad.materialized
    (grad,) = gradients((X @ W).tanh().sum(), [W])
    assert bits(grad.data) == bits(eager)


def test_a_changed_gradient_is_the_one_applied():
    rows, labels = batches(7, 1, 16, 100, 0.2)[0]
    params = net(8, 100, 32)
    W1 = params[0]
    before = list(W1.data)
    X = SparseRows(rows, 100)
    ((X @ W1 + params[1]).tanh() @ params[2] + params[3]).cross_entropy(labels).backward()
    W1.grad.data = [2.0 * v for v in W1.grad.data]             # e.g. a clipping step
    SGD(params, lr=0.1).step()
    assert W1.data == [w - gi * 0.1 for w, gi in zip(before, W1.grad.data)]


def test_gradients_accumulate_and_sum_with_other_uses():
    rows, _ = batches(9, 1, 8, 60, 0.25)[0]
    X = SparseRows(rows, 60)
    W = Tensor([random.Random(10).uniform(-1, 1) for _ in range(60 * 16)], (60, 16),
               requires_grad=True)
    (X @ W).tanh().sum().backward()
    once = list(W.grad.data)
    (X @ W).tanh().sum().backward()                 # no zero_grad: accumulates, exactly doubled
    assert W.grad.data == [2.0 * v for v in once]
    W.grad = None
    ((X @ W).tanh().sum() + (W * W).sum()).backward()     # W used twice: the sum of both
    assert W.grad.data == pytest.approx([o + 2.0 * w for o, w in zip(once, W.data)], rel=1e-12)
    (ref,) = gradients((X @ W).tanh().sum() + (W * W).sum(), [W])
    assert W.grad.data == ref.data


def test_anomaly_mode_still_sees_the_gradient():
    rows, _ = batches(11, 1, 8, 60, 0.25)[0]
    X = SparseRows(rows, 60)
    W = Tensor([0.1] * (60 * 16), (60, 16), requires_grad=True)
    with detect_anomaly():
        (X @ W).sum().backward()
    assert W.grad.data == K.sparse_t_matmul(X.dense_rows(), [1.0] * (8 * 16), 16)


@pytest.mark.parametrize("lr", [-0.1, float("inf"), float("nan")])
def test_a_learning_rate_that_would_move_zero_rows_takes_the_full_path(lr):
    rows, labels = batches(12, 1, 16, 100, 0.2)[0]
    results = []
    for materialize in (False, True):
        params = net(13, 100, 32)
        W1 = params[0]
        X = SparseRows(rows, 100)
        ((X @ W1 + params[1]).tanh() @ params[2] + params[3]).cross_entropy(labels).backward()
        if materialize:
            assert W1.grad.materialized or len(W1.grad.data) == len(W1.data)
        opt = SGD(params, lr=0.1)
        opt.lr = lr                                   # set after construction: unchecked
        opt.step()
        results.append(bits(W1.data))
    assert results[0] == results[1]
