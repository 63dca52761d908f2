"""autograd.kernels against naive reference implementations, and the fast elementwise paths
against the op table."""

import contextlib
import math
import random
from fractions import Fraction
from operator import mul

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


def exact_products(a_rows, b_rows):
    """a · b for every pair, exactly (Fractions), then rounded once."""
    return [float(sum(Fraction(x) * Fraction(y) for x, y in zip(a, b)))
            for a in a_rows for b in b_rows]


def norms(rows):
    return [math.hypot(*r) for r in rows]


def assert_within_guarantee(got, a_rows, b_rows, exact=None):
    """Every entry within DOT_TOL·|a|·|b| of the exact product (plus k·2⁻¹⁰⁷⁴ where the terms
    underflow into subnormals); exactly 0 if a or b is 0."""
    exact = exact_products(a_rows, b_rows) if exact is None else exact
    na, nb, m = norms(a_rows), norms(b_rows), len(b_rows)
    for i, x in enumerate(na):
        for j, y in enumerate(nb):
            c, e = got[i * m + j], exact[i * m + j]
            if x == 0.0 or y == 0.0:
                assert c == 0.0, (i, j, c)
            else:
                slack = len(a_rows[i]) * 5e-324
                assert abs(c - e) <= K.DOT_TOL * x * y + slack, (i, j, c, e, abs(c - e) / (x * y))


@settings(max_examples=60)
@given(st.data(), st.integers(1, 4), st.integers(1, 30), st.integers(1, 5),
       st.sampled_from([(0, 0), (-30, 30), (-200, 200), (-480, 480)]))
def test_dot_rows_keeps_its_guarantee_at_any_scale(data, n, k, m, spread):
    def row():
        e = data.draw(st.integers(*spread))
        if data.draw(st.integers(0, 9)) == 0:
            return (0.0,) * k
        xs = data.draw(st.lists(st.floats(-1, 1), min_size=k, max_size=k))
        return tuple(x * 2.0 ** e for x in xs)

    a = [row() for _ in range(n)]
    b = [row() for _ in range(m)]
    exact = exact_products(a, b)
    assert_within_guarantee(K.dot_rows(a, b), a, b, exact)
    assert_within_guarantee(K.products(a, b), a, b, exact)
    sparse = [([i for i, v in enumerate(r) if v], [v for v in r if v]) for r in a]
    with patched(K, SPARSE_DENSITY=1.0, EXACT_BELOW=0):          # the gather path
        assert_within_guarantee(K.sparse_matmul(sparse, k, flat(zip(*b)), m), a, b, exact)
        g = flat(list(zip(*b))[:n]) if k >= n else None       # G: n × m from b's entries
        if g is not None:
            xt, gc = list(zip(*a)), K.columns(g, m)
            assert_within_guarantee(K.sparse_t_matmul(a, g, m), xt, gc)


def test_the_dist_trick_alone_stays_within_its_error_bound():
    """The bound the window is built on: rows of similar norm stay on the fast path, and each
    entry is within DOT_ERROR·(|a|² + |b|²)/2 of the exact product."""
    rng = random.Random(1)
    for _ in range(30):
        a = [tuple(rng.uniform(-10, 10) for _ in range(40)) for _ in range(5)]
        b = [tuple(rng.uniform(-10, 10) for _ in range(40)) for _ in range(5)]
        got, exact = K.dot_rows(a, b), exact_products(a, b)
        for i, x in enumerate(norms(a)):
            for j, y in enumerate(norms(b)):
                bound = K.DOT_ERROR * (x * x + y * y) / 2
                assert abs(got[i * 5 + j] - exact[i * 5 + j]) <= bound


def test_the_window_is_where_the_trick_keeps_the_tolerance():
    t = K.DOT_RATIO                 # |b|²/|a|² at the edge: (1 + t)/2 · DOT_ERROR = DOT_TOL·√t
    assert (1 + t) / 2 * K.DOT_ERROR <= K.DOT_TOL * math.sqrt(t) < (1 + 1.02 * t) / 2 * K.DOT_ERROR
    assert 5e5 < t < 6e5


@pytest.mark.parametrize("scale", [1e6, 1e8])
def test_issue_case_a_scaled_matrix_product_is_accurate(scale):
    """(30x40)·scale @ (40x30): the dist trick alone lost 3e-10 (1e6) and 2e-8 (1e8) of the
    result's scale; against math.fsum of the products it now keeps 1e-12 everywhere."""
    rng = random.Random(0)
    A = [[rng.uniform(-1, 1) * scale for _ in range(40)] for _ in range(30)]
    B = [[rng.uniform(-1, 1) for _ in range(30)] for _ in range(40)]
    got = K.matmul(flat(A), 30, 40, flat(B), 30)
    a_rows, b_cols = [tuple(r) for r in A], list(zip(*B))
    ref = [math.fsum(map(mul, a, b)) for a in a_rows for b in b_cols]
    assert max(abs(x - y) for x, y in zip(got, ref)) <= 1e-12 * max(map(abs, ref))
    assert_within_guarantee(got, a_rows, b_cols, exact=ref)
    with patched(K, DOT_RATIO=float("inf")):          # the trick without the window: the bug
        old = K.matmul(flat(A), 30, 40, flat(B), 30)
    assert max(abs(x - y) for x, y in zip(old, ref)) > 1e-11 * max(map(abs, ref))


def test_issue_case_raw_pixels_against_tiny_weights_through_sparse_rows():
    """SparseRows of raw 0..255 pixels @ weights of ±1e-4 (lost 4e-9 before), and the weight
    gradient of that product, both against math.fsum."""
    from nn.data import load_mnist

    rng = random.Random(2)
    rows = [(i, [v * 255 for v in vals]) for i, vals in load_mnist("train").sparse_rows(range(32))]
    w = [rng.uniform(-1e-4, 1e-4) for _ in range(784 * 16)]
    dense = K.densify(rows, 784)
    cols = K.columns(w, 16)
    ref = [math.fsum(map(mul, r, c)) for r in dense for c in cols]
    got = K.sparse_matmul(rows, 784, w, 16)
    assert max(abs(x - y) for x, y in zip(got, ref)) <= 1e-12 * max(map(abs, ref))
    assert_within_guarantee(got, dense, cols, exact=ref)
    g = [rng.gauss(0, 1e-6) for _ in range(32 * 16)]
    xt, gc = list(zip(*dense)), K.columns(g, 16)
    ref_t = [math.fsum(map(mul, x, c)) for x in xt for c in gc]
    assert_within_guarantee(K.sparse_t_matmul(dense, g, 16), xt, gc, exact=ref_t)


def test_zero_rows_and_columns_give_exact_zeros_on_every_path():
    a = [(0.0,) * 50, tuple(float(i) * 1e7 for i in range(50)), tuple(1.0 for _ in range(50))]
    b = [(0.0,) * 50, tuple(1e-9 for _ in range(50)), tuple(float(i) for i in range(50))]
    got = K.dot_rows(a, b)
    assert got[0:3] == [0.0, 0.0, 0.0] and got[3] == 0.0 and got[6] == 0.0
    assert_within_guarantee(got, a, b)


def test_infinite_and_nan_entries_give_what_plain_sums_give():
    inf, nan = float("inf"), float("nan")
    a = [(inf, 1.0, 2.0), (1.0, 2.0, 3.0), (nan, 0.0, 1.0)]
    b = [(1.0, 1.0, 1.0), (-1.0, 0.0, 0.0), (0.0, inf, 1.0)]
    plain = [sum(map(mul, x, y)) for x in a for y in b]
    got = K.dot_rows(a, b)
    assert [repr(v) for v in got if not math.isfinite(v)] == [
        repr(v) for v in plain if not math.isfinite(v)]
    assert [round(v, 12) for v in got if math.isfinite(v)] == [
        round(v, 12) for v in plain if math.isfinite(v)]


def test_long_rows_use_fsum_in_the_exact_reference():
    k = K.SUM_EXACT_K + 1
    a = [(1e16,) + (1.0,) * (k - 2) + (-1e16,)]
    b = [(1.0,) * k]
    assert K.dot_rows_exact(a, b) == [float(k - 2)]       # plain sums would lose the 1.0s
    assert sum(map(mul, a[0], b[0])) != float(k - 2)


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
