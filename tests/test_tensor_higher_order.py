"""Tensors: gradients(create_graph=True), grad and Hessian-vector products through the records'
vjp (their backward written in Tensor ops), and NumPy's semantics for empty shapes, NaN,
tuple axes, 1-d and batched matmul. Cross-checked with PyTorch float64 when installed."""

import math
import random

import pytest

from autograd import (OperandError, ShapeError, SparseRows, Tensor, grad, gradients, hvp)


def rand(shape, seed, lo=-1.0, hi=1.0, requires_grad=True):
    return Tensor.uniform(shape, lo, hi, seed=seed, requires_grad=requires_grad)


def mlp_loss(X, labels):
    def loss(W1, b1, W2, b2):
        return ((X @ W1 + b1).tanh() @ W2 + b2).cross_entropy(labels)
    return loss


def params(seed=0):
    return [rand((3, 4), seed), rand((4,), seed + 1), rand((4, 2), seed + 2),
            rand((2,), seed + 3)]


X = Tensor.uniform((5, 3), -1, 1, seed=9)
LABELS = [0, 1, 1, 0, 1]


def flat(ts):
    return [v for t in ts for v in t.data]


def test_create_graph_gradients_equal_the_first_order_ones():
    ps = params()
    loss = mlp_loss(X, LABELS)(*ps)
    plain = gradients(loss, ps)
    graph = gradients(loss, ps, create_graph=True)
    assert all(g.requires_grad for g in graph)
    for a, b in zip(plain, graph):
        assert a.shape == b.shape
        assert all(math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15) for x, y in zip(a.data, b.data))
    loss.backward()
    assert [p.grad.data for p in ps] == [g.data for g in plain]


def test_hessian_vector_product_of_a_small_mlp_loss_matches_central_differences():
    ps = params()
    vs = [rand(p.shape, 100 + i, requires_grad=False) for i, p in enumerate(ps)]
    f = mlp_loss(X, LABELS)
    hv = hvp(f, ps, vs)
    h = 1e-5

    def g_at(shift):
        moved = [Tensor([a + shift * b for a, b in zip(p.data, v.data)], p.shape,
                        requires_grad=True) for p, v in zip(ps, vs)]
        return flat(gradients(f(*moved), moved))

    numeric = [(a - b) / (2 * h) for a, b in zip(g_at(h), g_at(-h))]
    for a, b in zip(flat(hv), numeric):
        assert abs(a - b) <= 1e-6 + 1e-5 * abs(b)


def test_grad_of_a_tensor_function_and_second_derivative_elementwise():
    x = Tensor([0.3, -1.2, 2.0])
    d1 = grad(lambda t: t.sin().sum())(x)
    assert d1.data == [math.cos(v) for v in x.data]
    d2 = grad(lambda t: grad(lambda u: u.sin().sum())(t).sum())(x)   # Σ -sin
    assert all(math.isclose(a, -math.sin(v), rel_tol=1e-15) for a, v in zip(d2.data, x.data))


@pytest.mark.parametrize("f", [
    lambda a, b: (a * b).sum(), lambda a, b: (a / b).exp().mean(),
    lambda a, b: (a - b).relu().sum(),
    lambda a, b: (a @ b.T).tanh().sum(), lambda a, b: a.maximum(b).sum() + a.sqrt().sum(),
    lambda a, b: a.log_softmax(1).sum() * b.softmax(0).sum(),
    lambda a, b: a[[1, 0, 1]].sum() * b.max(),
    lambda a, b: (a ** 3 + b ** b).transpose().reshape(-1).sum(),
], ids=["mul", "div-exp-mean", "relu", "matmul-tanh", "maximum-sqrt", "softmaxes", "rows-max",
        "pow-transpose"])
def test_second_derivatives_of_every_record_match_central_differences(f):
    a = Tensor.uniform((2, 3), 0.5, 1.5, seed=1, requires_grad=True)
    b = Tensor.uniform((2, 3), 0.5, 1.5, seed=2, requires_grad=True)
    va = Tensor.uniform((2, 3), -1, 1, seed=3)
    vb = Tensor.uniform((2, 3), -1, 1, seed=4)
    got = flat(hvp(f, (a, b), (va, vb)))
    h = 1e-5

    def g_at(s):
        ma = Tensor([x + s * v for x, v in zip(a.data, va.data)], a.shape, requires_grad=True)
        mb = Tensor([x + s * v for x, v in zip(b.data, vb.data)], b.shape, requires_grad=True)
        return flat(gradients(f(ma, mb), [ma, mb]))

    numeric = [(p - q) / (2 * h) for p, q in zip(g_at(h), g_at(-h))]
    for x, y in zip(got, numeric):
        assert abs(x - y) <= 1e-6 + 1e-5 * abs(y)


def test_a_backward_not_written_in_tensor_ops_is_a_clear_error_not_a_wrong_number():
    from autograd import ops, register_op, unregister_op
    # a registered op whose rule branches on a value cannot run on whole tensors
    kink = ops.op("kink_t", arity=1, expr="kink(a)", derivs=("1 if a > 0 else 2",),
                  forward=lambda a, k: a if a > 0 else 2 * a,
                  local=lambda out, a, k: (1.0 if a > 0 else 2.0,))
    register_op(kink)
    try:
        x = Tensor([0.5, -0.5], requires_grad=True)
        with pytest.raises(OperandError, match="kink_t compares values"):
            gradients(x.kink_t().sum(), [x], create_graph=True)
        assert gradients(x.kink_t().sum(), [x])[0].data == [1.0, 2.0]    # first order is fine
    finally:
        unregister_op(kink)


# ---- NumPy semantics -----------------------------------------------------------------------------

def test_empty_tensors_get_gradients_of_the_right_size_and_sgd_keeps_the_parameter():
    from nn import SGD
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (Tensor.zeros((0, 3)) + b).sum().backward()
    assert b.grad.shape == (3,) and b.grad.data == [0.0, 0.0, 0.0]
    W = Tensor.ones((4, 2), requires_grad=True)
    (SparseRows([], 4) @ W).sum().backward()
    assert W.grad.data == [0.0] * 8
    SGD([b, W], lr=0.1).step()
    assert b.data == [1.0, 2.0, 3.0] and W.data == [1.0] * 8
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x[0:0].transpose().sum().backward()            # used to be range() arg 3 must not be zero
    assert x.grad.data == [0.0] * 4


def test_reductions_over_empty_axes_follow_numpy():
    e = Tensor.zeros((2, 0), requires_grad=True)
    assert e.sum(axis=1).tolist() == [0.0, 0.0]
    assert e.sum(axis=0).shape == (0,) and e.sum().item() == 0.0
    assert (Tensor.zeros((2, 0)) @ Tensor.zeros((0, 3))).tolist() == [[0.0] * 3] * 2
    assert (Tensor.zeros((2, 3)) @ Tensor.zeros((3, 0))).shape == (2, 0)
    assert e.softmax().shape == (2, 0)
    with pytest.raises(ShapeError, match="mean: no elements"):
        e.mean(axis=1)
    with pytest.raises(ShapeError, match="max: empty tensor"):
        e.max()
    with pytest.raises(ShapeError, match=r"max: axis 1 of shape \(2, 0\) is empty"):
        e.max(axis=(0, 1))


def test_max_over_a_full_axis_of_an_empty_tensor_is_empty_as_in_numpy():
    e = Tensor.zeros((0, 3), requires_grad=True)       # was refused: "empty tensor (0, 3)"
    assert e.max(axis=1).shape == (0,) and e.max(axis=-1, keepdims=True).shape == (0, 1)
    (e.max(axis=1).sum() + e.sum()).backward()
    assert e.grad.shape == (0, 3) and e.grad.data == []
    with pytest.raises(ShapeError, match=r"max: axis 0 of shape \(0, 3\) is empty"):
        e.max(axis=0)


def test_max_over_a_tuple_of_axes():
    t = Tensor([[[1.0, 8.0], [3.0, 4.0]], [[5.0, 6.0], [9.0, 2.0]]], requires_grad=True)
    m = t.max(axis=(0, 2))                              # was refused: "one axis at a time"
    assert m.tolist() == [8.0, 9.0] and t.max(axis=(-1, 0), keepdims=True).shape == (1, 2, 1)
    m.sum().backward()
    assert t.grad.tolist() == [[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]]]


def test_nan_propagates_through_max_on_both_sides():
    nan = math.nan
    assert math.isnan(Tensor([1.0, nan]).max().item())
    assert math.isnan(Tensor([nan, 1.0]).max().item())
    t = Tensor([[1.0, nan, 3.0]], requires_grad=True)
    m = t.max(axis=1)
    assert math.isnan(m.data[0])
    m.sum().backward()
    assert t.grad.data == [0.0, 1.0, 0.0]         # the gradient goes to the NaN


def test_sum_and_mean_over_a_tuple_of_axes():
    t = Tensor([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], requires_grad=True)
    assert t.sum(axis=(0, 2)).tolist() == [14.0, 22.0]
    assert t.sum(axis=(0, -1), keepdims=True).shape == (1, 2, 1)
    assert t.mean(axis=(1, 2)).tolist() == [2.5, 6.5]
    t.sum(axis=(0, 1)).sum().backward()
    assert t.grad.data == [1.0] * 8
    with pytest.raises(ShapeError, match="repeats an axis"):
        t.sum(axis=(1, 1))


def test_matmul_with_vectors_and_batches():
    A = Tensor([[1.0, 2.0], [3.0, 4.0]])
    v = Tensor([1.0, -1.0])
    assert (v @ A).tolist() == [-2.0, -2.0]
    assert (A @ v).tolist() == [-1.0, -1.0]
    assert (v @ v).tolist() == 2.0
    B = Tensor.uniform((3, 2, 4), -1, 1, seed=0)
    C = Tensor.uniform((3, 4, 5), -1, 1, seed=1)
    out = B @ C
    assert out.shape == (3, 2, 5)
    i, r, c = 2, 1, 3
    assert math.isclose(out.tolist()[i][r][c], sum(B.tolist()[i][r][k] * C.tolist()[i][k][c]
                                                   for k in range(4)), rel_tol=1e-14)
    with pytest.raises(ShapeError, match="same leading sizes"):
        Tensor.zeros((2, 2, 3)) @ Tensor.zeros((3, 3, 4))
    S = Tensor.uniform((3, 2, 2), -1, 1, seed=2)
    assert (v @ S).shape == (3, 2) and (S @ v).shape == (3, 2)
    assert math.isclose((v @ S).tolist()[1][0], S.tolist()[1][0][0] - S.tolist()[1][1][0],
                        rel_tol=1e-15)


def _torch_case(torch, seed):
    """A random program over the new semantics, run by both engines."""
    rng = random.Random(seed)
    nb, n, k, m = (rng.randint(0, 3) for _ in range(4))
    a0 = [rng.uniform(-1, 1) for _ in range(nb * n * k)]
    b0 = [rng.uniform(-1, 1) for _ in range(nb * k * m)]
    v0 = [rng.uniform(-1, 1) for _ in range(k)]
    axes = rng.choice([(0,), (1,), (0, 2), (1, 2), (0, 1, 2)])

    def run(T, A, B, V):
        y = A @ B                                     # batched
        y = y.sum(axes) if T == "ours" else y.sum(dim=axes)
        z = A @ V                                     # stack @ vector
        return y.sum() + (z * z).sum()

    ours = [Tensor(a0, (nb, n, k), requires_grad=True), Tensor(b0, (nb, k, m), requires_grad=True),
            Tensor(v0, (k,), requires_grad=True)]
    out = run("ours", *ours)
    out.backward()
    tt = [torch.tensor(d, dtype=torch.float64).reshape(s).requires_grad_()
          for d, s in ((a0, (nb, n, k)), (b0, (nb, k, m)), (v0, (k,)))]
    tout = run("torch", *tt)
    tout.backward()
    return ours, out, tt, tout


@pytest.mark.parametrize("seed", range(40))
def test_new_semantics_match_pytorch_float64_including_empty_shapes(seed):
    torch = pytest.importorskip("torch")
    ours, out, tt, tout = _torch_case(torch, seed)
    assert math.isclose(out.item(), tout.item(), rel_tol=1e-12, abs_tol=1e-12)
    for p, t in zip(ours, tt):
        theirs = t.grad.reshape(-1).tolist() if t.grad is not None else [0.0] * p.size
        assert len(p.grad.data) == len(theirs)
        assert all(math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12)
                   for x, y in zip(p.grad.data, theirs))


def test_mlp_hessian_vector_product_matches_pytorch():
    torch = pytest.importorskip("torch")
    ps = params(5)
    vs = [rand(p.shape, 200 + i, requires_grad=False) for i, p in enumerate(ps)]
    ours = flat(hvp(mlp_loss(X, LABELS), ps, vs))
    tp = [torch.tensor(p.data, dtype=torch.float64).reshape(p.shape) for p in ps]
    tv = [torch.tensor(v.data, dtype=torch.float64).reshape(v.shape) for v in vs]
    tX = torch.tensor(X.data, dtype=torch.float64).reshape(X.shape)
    tl = torch.tensor(LABELS)

    def f(W1, b1, W2, b2):
        return torch.nn.functional.cross_entropy(torch.tanh(tX @ W1 + b1) @ W2 + b2, tl)

    _, theirs = torch.autograd.functional.hvp(f, tuple(tp), tuple(tv))
    theirs = [v for t in theirs for v in t.reshape(-1).tolist()]
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(ours, theirs))


def test_vjp_of_a_tensor_function_gives_the_cotangent_times_the_jacobian():
    from autograd import vjp
    W = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = Tensor([1.0, -1.0])
    value, pullback = vjp(lambda W, x: W @ x, W, x)
    assert value.data == [-1.0, -1.0, -1.0] and not value.requires_grad
    c = Tensor([1.0, 10.0, 100.0])
    dW, dx = pullback(c)                       # c xᵀ and Wᵀ c, exact in small integers
    assert dW.shape == (3, 2) and dW.data == [1.0, -1.0, 10.0, -10.0, 100.0, -100.0]
    assert dx.data == [1.0 + 30.0 + 500.0, 2.0 + 40.0 + 600.0]
    (d,) = vjp(lambda t: (t * t).sum(), Tensor([1.0, 2.0]))[1]()   # one element: c = 1.0
    assert d.data == [2.0, 4.0]
    with pytest.raises(ShapeError):
        pullback()                             # a 3-element result needs its cotangent


def test_vjp_inside_a_graph_can_be_differentiated_again():
    from autograd import vjp
    t = Tensor([1.0, 2.0], requires_grad=True)
    (g,) = vjp(lambda u: (u * u * u).sum(), t)[1]()       # 3u², in t's graph
    assert g.requires_grad and g.data == [3.0, 12.0]
    (h,) = gradients(g.sum(), [t])                         # 6u
    assert h.data == [6.0, 12.0]


def test_hessian_and_jvp_refuse_tensors_by_name():
    from autograd import hessian, jvp
    with pytest.raises(OperandError, match=r"hessian\(<lambda>\): argument 0 is a Tensor.*hvp"):
        hessian(lambda t: (t * t).sum())(Tensor([1.0, 2.0]))
    with pytest.raises(OperandError, match=r"jvp: primals\[0\] is a Tensor"):
        jvp(lambda t: (t * t).sum(), (Tensor([1.0, 2.0]),), (Tensor([1.0, 0.0]),))
