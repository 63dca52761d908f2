"""autograd.kernels against naive reference implementations, and the fast elementwise paths
against the op table."""

import contextlib
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Tensor
from autograd import kernels as K


def naive_matmul(a, b):
    return [[math.fsum(a[i][p] * b[p][j] for p in range(len(b))) for j in range(len(b[0]))]
            for i in range(len(a))]


def flat(rows):
    return [v for r in rows for v in r]


finite = st.floats(-10, 10, allow_nan=False)


@settings(max_examples=50)
@given(st.data(), st.integers(1, 5), st.integers(1, 40), st.integers(1, 5))
def test_dot_rows_is_within_its_documented_error_bound(data, n, k, m):
    a = [data.draw(st.lists(finite, min_size=k, max_size=k)) for _ in range(n)]
    b = [data.draw(st.lists(finite, min_size=m, max_size=m)) for _ in range(k)]
    got = K.dot_rows([tuple(r) for r in a], list(zip(*b)))
    exact = flat(naive_matmul(a, b))
    cols = list(zip(*b))
    for i in range(n):
        for j in range(m):
            bound = K.DOT_ERROR * (math.fsum(x * x for x in a[i]) +
                                   math.fsum(x * x for x in cols[j])) / 2
            assert abs(got[i * m + j] - exact[i * m + j]) <= bound + 1e-300


def test_dot_rows_relative_error_on_mnist_sized_products():
    rng = random.Random(0)
    a = [tuple(rng.random() for _ in range(784)) for _ in range(4)]
    b = [tuple(rng.gauss(0, 0.05) for _ in range(784)) for _ in range(8)]
    got = K.dot_rows(a, b)
    ref = K.dot_rows_exact(a, b)
    assert max(abs(x - y) for x, y in zip(got, ref)) < 1e-12


@settings(max_examples=30)
@given(st.data(), st.integers(1, 6), st.integers(1, 30), st.integers(1, 4), st.floats(0, 1))
def test_sparse_kernels_match_dense_reference(data, n, ncols, m, density):
    rng = random.Random(data.draw(st.integers(0, 10 ** 6)))
    dense = [[rng.uniform(-1, 1) if rng.random() < density else 0.0 for _ in range(ncols)]
             for _ in range(n)]
    rows = [([i for i, v in enumerate(r) if v], [v for v in r if v]) for r in dense]
    w = [[rng.uniform(-1, 1) for _ in range(m)] for _ in range(ncols)]
    g = [[rng.uniform(-1, 1) for _ in range(m)] for _ in range(n)]
    xt = [list(c) for c in zip(*dense)]
    for exact_below in (0, 10 ** 9):       # the dist trick, then exact products
        for threshold in (0.0, 1.0):       # the dense path, then the sparse path
            with patched(K, SPARSE_DENSITY=threshold, EXACT_BELOW=exact_below):
                got = K.sparse_matmul(rows, ncols, flat(w), m)
                got_t = K.sparse_t_matmul(K.densify(rows, ncols), flat(g), m)
            assert got == pytest.approx(flat(naive_matmul(dense, w)), rel=1e-12, abs=1e-12)
            assert got_t == pytest.approx(flat(naive_matmul(xt, g)), rel=1e-12, abs=1e-12)


@contextlib.contextmanager
def patched(module, **values):
    old = {name: getattr(module, name) for name in values}
    for name, v in values.items():
        setattr(module, name, v)
    try:
        yield
    finally:
        for name, v in old.items():
            setattr(module, name, v)


def test_small_products_are_exact_and_large_ones_use_the_dist_trick():
    a = [(1.0, 2.0, 3.0)]
    b = [(0.1, 0.2, 0.3)]
    assert K.products(a, b) == [1.0 * 0.1 + 2.0 * 0.2 + 3.0 * 0.3]
    big = [tuple(float(i % 7) for i in range(200))] * 20
    assert K.products(big, big) == K.dot_rows(big, big)


def test_densify_and_layout_helpers():
    assert K.densify([([1, 3], [2.0, 4.0]), ([], [])], 4) == [(0.0, 2.0, 0.0, 4.0), (0.0,) * 4]
    m = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]          # 2 × 3
    assert K.transpose(m, 2, 3) == [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    assert K.columns(m, 3) == [(1.0, 4.0), (2.0, 5.0), (3.0, 6.0)]
    assert K.axpy([1.0, 2.0], -0.5, [2.0, 4.0]) == [0.0, 0.0]


xs = st.lists(st.floats(-5, 5), min_size=1, max_size=20)


# Ops whose forward and/or backward on tensors bypass OPS[name] for speed (autograd.tensor's
# _unary/_binary/_backward_*): each must give exactly what the op table gives.
FAST_UNARY = ("neg", "exp", "relu", "tanh")
FAST_BINARY = ("add", "sub", "mul")


def _table_unary(name, a, g):
    op = OPS[name]
    out = [op.forward(v, None) for v in a]
    return out, [gi * op.local(o, v, None)[0] for gi, o, v in zip(g, out, a)]


def _table_binary(name, a, b, g):
    op = OPS[name]
    out = [op.forward(x, y) for x, y in zip(a, b)]
    locs = [op.local(o, x, y) for o, x, y in zip(out, a, b)]
    return out, [gi * d[0] for gi, d in zip(g, locs)], [gi * d[1] for gi, d in zip(g, locs)]


@pytest.mark.parametrize("name", FAST_UNARY)
@given(a=xs, g=xs)
def test_fast_unary_paths_agree_with_the_op_table(name, a, g):
    g = (g * len(a))[:len(a)]
    out, grad = _table_unary(name, a, g)
    x = Tensor(a, requires_grad=True)
    y = -x if name == "neg" else getattr(x, name)()
    y.backward(Tensor(g))
    assert y.data == out and x.grad.data == grad
    if name in ("tanh", "relu"):           # the kernels themselves
        assert getattr(K, f"{name}_forward")(a) == out
        backward = K.tanh_backward(out, g) if name == "tanh" else K.relu_backward(a, g)
        assert backward == grad


@pytest.mark.parametrize("name", FAST_BINARY)
@given(a=xs, b=xs, g=xs)
def test_fast_binary_paths_agree_with_the_op_table(name, a, b, g):
    b, g = (b * len(a))[:len(a)], (g * len(a))[:len(a)]
    out, ga, gb = _table_binary(name, a, b, g)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    z = {"add": x + y, "sub": x - y, "mul": x * y}[name]
    z.backward(Tensor(g))
    assert z.data == out and x.grad.data == ga and y.grad.data == gb
    assert getattr(K, f"{name}_same")(a, b) == out


@given(st.lists(st.floats(-50, 50), min_size=1, max_size=6))
def test_softmax_kernels_match_the_definition(row):
    e = [math.exp(v) for v in row]
    s = math.fsum(e)
    assert K.softmax_rows(row, len(row)) == pytest.approx([v / s for v in e], rel=1e-12)
    assert K.log_softmax_rows(row, len(row)) == pytest.approx([v - math.log(s) for v in row],
                                                              rel=1e-12, abs=1e-12)


def test_tensor_ops_use_the_fast_paths_consistently():
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = x.tanh() + x.relu() + x.exp()
    y.sum().backward()
    expect = [OPS["tanh"].local(math.tanh(v), v, None)[0] + (1.0 if v > 0 else 0.0) + math.exp(v)
              for v in x.data]
    assert x.grad.data == pytest.approx(expect, rel=1e-15)
