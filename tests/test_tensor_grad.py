"""Tensor gradients against central differences, for every op (hypothesis: random shapes and
broadcasting pairs), plus the engine semantics: accumulation, no_grad, no reference cycles."""

import gc
import math
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensor_helpers import assert_grads_match, tensor_of

from autograd.testing import broadcastable_shapes, shapes

from autograd import OPS, ShapeError, Tensor, no_grad
from autograd.ops import BINARY, UNARY, call
from autograd.sparse import SparseRows

# Domains where each unary op is smooth, so central differences are meaningful.
UNARY_DOMAIN = {"log": (0.2, 3.0), "sqrt": (0.2, 3.0)}
KINKS = {"relu": [0.0], "abs": [0.0]}


# Every op of the table gets its own test case (a hypothesis sampled_from over the names with a
# few examples could skip some); hypothesis then draws the shapes and values.
BINARY_FN = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
             "div": lambda x, y: x / y, "pow": lambda x, y: x ** y,
             "max": lambda x, y: x.maximum(y), "min": lambda x, y: x.minimum(y)}
BINARY_DOMAIN = {"div": ((-2.0, 2.0), (0.5, 2.0)), "pow": ((0.5, 2.0), (-1.5, 1.5))}


def test_the_parametrized_op_lists_are_the_op_table():
    assert {o.name for o in UNARY} | {o.name for o in BINARY} | {"powc"} == set(OPS)
    assert set(BINARY_FN) == {o.name for o in BINARY}


@pytest.mark.parametrize("name", [o.name for o in BINARY])
@settings(max_examples=10)
@given(data=st.data(), pair=broadcastable_shapes(max_side=3))
def test_every_binary_op_with_broadcasting_matches_central_differences(name, data, pair):
    sa, sb = pair
    (alo, ahi), (blo, bhi) = BINARY_DOMAIN.get(name, ((-2.0, 2.0), (-2.0, 2.0)))
    a = tensor_of(data.draw, sa, alo, ahi)
    b = tensor_of(data.draw, sb, blo, bhi)
    if name in ("max", "min"):     # keep a and b apart: max/min have a kink where they meet
        b = Tensor([v + 5.0 * (-1) ** i for i, v in enumerate(b.data)], shape=b.shape,
                   requires_grad=True)
    assert_grads_match(BINARY_FN[name], [a, b])


@pytest.mark.parametrize("name", [o.name for o in UNARY])
@settings(max_examples=10)
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=2, max_side=3))
def test_every_unary_op_matches_central_differences(name, data, shape):
    lo, hi = UNARY_DOMAIN.get(name, (-2.0, 2.0))
    x = tensor_of(data.draw, shape, lo, hi, away_from=KINKS.get(name))
    assert_grads_match(lambda t: call(OPS[name], t), [x])


@pytest.mark.parametrize("k", [2, 3, 0.5, -1.0])
def test_power_by_a_number(k):
    x = Tensor([[0.5, 1.5], [2.0, 0.7]], requires_grad=True)
    assert_grads_match(lambda t: t ** k, [x])


def test_scalars_on_either_side():
    x = Tensor([[0.5, 1.5], [2.0, 0.7]], requires_grad=True)
    assert_grads_match(lambda t: 2.0 - t * 3 + 1 / t - t / 4 + 2 ** t, [x])


@settings(max_examples=20)
@given(st.data(), shapes(min_dims=1, max_dims=3, max_side=3), st.booleans(),
       st.sampled_from(["sum", "mean", "max"]))
def test_reductions_over_each_axis_and_all(data, shape, keepdims, name):
    x = tensor_of(data.draw, shape)
    x = Tensor([v + 0.37 * i for i, v in enumerate(x.data)], shape=shape,   # no ties for max
               requires_grad=True)
    axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))))
    assert_grads_match(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), [x])


@settings(max_examples=15)
@given(st.data(), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))
def test_matmul_matches_central_differences(data, n, k, m):
    a, b = tensor_of(data.draw, (n, k)), tensor_of(data.draw, (k, m))
    assert_grads_match(lambda x, y: x @ y, [a, b])


def test_batched_matmul_with_a_shared_matrix():
    a = Tensor.randn((2, 3, 4), seed=1, requires_grad=True)
    b = Tensor.randn((4, 2), seed=2, requires_grad=True)
    assert (a @ b).shape == (2, 3, 2)
    assert (a @ b)[1].tolist() == (a[1] @ b).tolist()
    assert_grads_match(lambda x, y: x @ y, [a, b])


@settings(max_examples=15)
@given(st.data(), shapes(min_dims=2, max_dims=3, max_side=3))
def test_reshape_and_transpose(data, shape):
    x = tensor_of(data.draw, shape)
    assert_grads_match(lambda t: t.reshape(-1) * 1.5, [x])
    assert_grads_match(lambda t: t.T, [x])
    axes = data.draw(st.permutations(range(len(shape))))
    assert_grads_match(lambda t: t.transpose(axes), [x])


def test_take_rows_with_repeats_adds_gradients():
    x = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    x[[2, 0, 2]].sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
    assert_grads_match(lambda t: t[[1, 1, 0]] * t[[0, 2, 2]], [x])
    assert_grads_match(lambda t: t[1] * 2.0 + t[0:2].sum(axis=0), [x])


@settings(max_examples=15)
@given(st.data(), shapes(min_dims=1, max_dims=3, max_side=3),
       st.sampled_from(["softmax", "log_softmax"]))
def test_softmax_and_log_softmax_along_each_axis(data, shape, name):
    x = tensor_of(data.draw, shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_grads_match(lambda t: getattr(t, name)(axis=axis), [x])


@settings(max_examples=15)
@given(st.data(), st.integers(1, 4), st.integers(2, 5))
def test_cross_entropy_matches_central_differences(data, n, c):
    x = tensor_of(data.draw, (n, c), -3.0, 3.0)
    labels = data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    assert_grads_match(lambda t: t.cross_entropy(labels), [x])


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    x = Tensor([[0.0, 0.0], [0.0, 0.0]], requires_grad=True)
    loss = x.cross_entropy([1, 0])
    assert loss.item() == pytest.approx(math.log(2.0), rel=1e-15)
    loss.backward()
    assert x.grad.tolist() == [[0.25, -0.25], [-0.25, 0.25]]


def test_cross_entropy_is_stable_for_huge_logits():
    x = Tensor([[1000.0, 0.0], [-1000.0, 1000.0]], requires_grad=True)
    loss = x.cross_entropy([0, 0])
    assert loss.item() == 1000.0
    loss.backward()
    assert x.grad.tolist() == [[0.0, 0.0], [-0.5, 0.5]]


@settings(max_examples=15)
@given(st.data(), st.integers(1, 4), st.integers(1, 9), st.integers(1, 3))
def test_sparse_rows_matmul_weight_gradient(data, n, ncols, m):
    mask = data.draw(st.lists(st.booleans(), min_size=n * ncols, max_size=n * ncols))
    vals = data.draw(st.lists(st.floats(-2, 2), min_size=n * ncols, max_size=n * ncols))
    dense = [[v if keep else 0.0 for v, keep in zip(vals[r * ncols:(r + 1) * ncols],
                                                     mask[r * ncols:(r + 1) * ncols])]
             for r in range(n)]
    X = SparseRows.from_dense(dense)
    w = tensor_of(data.draw, (ncols, m))
    assert_grads_match(lambda t: X @ t, [w])
    dense_out = (Tensor(dense) @ w).data
    for a, b in zip((X @ w).data, dense_out):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


def test_the_mnist_network_matches_central_differences():
    x = SparseRows([([0, 3], [0.5, 1.0]), ([1, 2, 3], [0.2, 0.9, 0.4]), ([], [])], 4)
    w1 = Tensor.randn((4, 3), seed=1, requires_grad=True)
    b1 = Tensor.randn((3,), seed=2, requires_grad=True)
    w2 = Tensor.randn((3, 2), seed=3, requires_grad=True)
    b2 = Tensor.randn((2,), seed=4, requires_grad=True)
    assert_grads_match(lambda a, b, c, d: ((x @ a + b).tanh() @ c + d).cross_entropy([1, 0, 1]),
                       [w1, b1, w2, b2])


# ---- engine semantics ----------------------------------------------------------------------------

def test_backward_twice_doubles_leaf_grads():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    first = list(x.grad.data)
    y.backward()
    assert x.grad.data == [2 * g for g in first]


def test_backward_with_an_explicit_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).backward(Tensor([1.0, -2.0]))
    assert x.grad.tolist() == [3.0, -6.0]


def test_fan_out_sums_gradients():
    x = Tensor([2.0], requires_grad=True)
    y = x * x + x * 3.0
    y.backward()
    assert x.grad.tolist() == [7.0]


def test_no_grad_builds_no_graph():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = (w * 2.0).sum()
    assert not y.requires_grad and y.op is None and y._prev == ()


def test_constants_get_no_gradient_and_no_edge():
    w = Tensor([[1.0], [2.0]], requires_grad=True)
    x = Tensor([[3.0, 4.0]])
    y = x @ w
    assert y._prev == (w,)
    y.sum().backward()
    assert x.grad is None and w.grad.tolist() == [[3.0], [4.0]]


def test_interior_tensors_hold_the_latest_pass_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.sum().backward()
    h.sum().backward()
    assert h.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [4.0, 4.0]


def test_graphs_have_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        w = Tensor.randn((3, 2), seed=0, requires_grad=True)
        x = SparseRows([([0], [1.0]), ([1, 2], [0.5, 2.0])], 3)
        loss = (x @ w).tanh().log_softmax().sum() + (w * w).mean()
        loss.backward()
        probe = weakref.ref(loss)
        inner = weakref.ref(loss._inputs[0])
        del loss
        assert probe() is None and inner() is None       # freed by reference counting alone
    finally:
        gc.enable()


def test_a_long_chain_back_propagates_without_recursion():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y.backward()
    assert x.grad.tolist() == [1.0]


def test_every_node_names_its_op_and_structural_names_do_not_shadow_the_op_table():
    from autograd import sparse, tensor_layout, tensor_ops, tensor_softmax
    from autograd.tensor_base import TensorOp
    structural = {r.name for m in (tensor_ops, tensor_layout, tensor_softmax, sparse)
                  for r in vars(m).values() if isinstance(r, TensorOp)}
    assert {"matmul", "sum", "amax", "reshape", "transpose", "take_rows", "softmax",
            "log_softmax", "cross_entropy", "batch_matmul"} <= structural
    assert not set(OPS) & structural
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    assert (x @ x.T).op.name == "matmul" and x.tanh().op is OPS["tanh"]


def test_an_op_registered_later_works_on_tensors():
    from autograd import ops, register_op, unregister_op
    square = ops.op("square_t", arity=1, expr="a²", derivs=("2a",), forward=lambda a, k: a * a,
                    local=lambda out, a, k: (2 * a,))
    register_op(square)
    try:
        x = Tensor([1.5, -2.0], requires_grad=True)
        x.square_t().sum().backward()
        assert x.grad.tolist() == [3.0, -4.0]
    finally:
        unregister_op(square)


def test_detect_anomaly_reports_the_op_that_made_nan():
    from autograd import AnomalyError, detect_anomaly
    x = Tensor([1.0, float("inf")], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError, match="sub produced NaN or infinity"):
        x - x


def test_sparse_rows_from_the_tensor_constructor_take_dataset_rows():
    X = Tensor.sparse_rows([([1], [0.5]), ([0, 2], [1.0, 2.0])], 3)
    w = Tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    y = (X @ w).sum()
    assert y.item() == 8.0
    y.backward()
    assert w.grad.tolist() == [[1.0], [0.5], [2.0]]


def test_gradcheck_catches_a_wrong_derivative_on_a_real_tensor(monkeypatch):
    from autograd.testing import gradcheck

    x = Tensor([[0.3, -1.2, 2.0], [1.0, 0.1, -0.4]], requires_grad=True)

    def f(t):
        return (t.sin() * t).sum()

    assert gradcheck(f, [x])                                   # the engine is right ...
    assert x.grad is None                                      # ... and x is left as found
    monkeypatch.setattr(OPS["sin"], "local", lambda out, a, k: (-math.cos(a),))   # sign error
    result = gradcheck(f, [x])
    assert not result and len(result.mismatches) == 6
    assert {m.index for m in result.mismatches} == {(i, j) for i in range(2) for j in range(3)}


def test_sparse_rows_refuse_a_repeated_index():
    with pytest.raises(ShapeError, match=r"SparseRows: row 1 repeats index 2"):
        SparseRows([([0], [1.0]), ([2, 1, 2], [1.0, 2.0, 3.0])], 4)


def test_the_real_sparse_kernel_path_matches_the_dense_computation(monkeypatch):
    from autograd import kernels as K
    monkeypatch.setattr(K, "EXACT_BELOW", 0)            # no exact small-product shortcut
    rows = [([1, 7], [0.5, -2.0]), ([], []), ([3], [1.5]), ([0, 9, 4], [0.25, 1.0, -0.75])]
    ncols, m = 10, 3
    X = SparseRows(rows, ncols)
    nnz = sum(len(i) for i, _ in rows)
    assert nnz <= K.SPARSE_DENSITY * ncols * len(rows)  # so sparse_matmul takes the gather path
    dense = X.to_dense()
    w_sparse = Tensor.randn((ncols, m), seed=5, requires_grad=True)
    w_dense = Tensor(w_sparse.data, shape=w_sparse.shape, requires_grad=True)
    wts = Tensor([math.sin(i + 1.0) for i in range(len(rows) * m)], shape=(len(rows), m))
    ys, yd = X @ w_sparse, dense @ w_dense
    assert ys.data == pytest.approx(yd.data, rel=1e-12, abs=1e-12)
    (ys * wts).sum().backward()
    (yd * wts).sum().backward()
    assert w_sparse.grad.data == pytest.approx(w_dense.grad.data, rel=1e-12, abs=1e-12)


def test_backward_of_a_leaf_and_of_an_output_used_twice_in_its_own_graph():
    x = Tensor([2.0, 3.0], requires_grad=True)
    x.backward(Tensor([1.0, -1.0]))                 # the root is itself the leaf
    assert x.grad.tolist() == [1.0, -1.0]
    x.grad = None
    y = x * x
    z = y * y + y                                   # y feeds z twice: its gradient is summed
    z.backward(Tensor([1.0, 1.0]))
    assert x.grad.tolist() == [(2 * 4.0 + 1) * 4.0, (2 * 9.0 + 1) * 6.0]
