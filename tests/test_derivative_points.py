"""Every op's derivatives at the textbook points, exactly: 0 (or 1 where 0 is outside the
domain), where conventions live (relu'(0) = 0 and |a|'(0) = 0, as in PyTorch) and where a rule
that is wrong only at one point hides. Random points never land there; these tests do. The
expected numbers are the calculus, written out, not read from the op table."""

import math

import pytest

from autograd import Tensor, Value
from autograd.forward import jvp
from autograd.testing import apply_op

L15 = math.log(1.5)

# (op, a, b) -> (∂/∂a, ∂/∂b); b is the constant k for powc, None for other unary ops
CASES = [
    ("add", 0.0, 1.5, (1.0, 1.0)), ("add", 1.5, 0.0, (1.0, 1.0)),
    ("sub", 0.0, 1.5, (1.0, -1.0)), ("sub", 1.5, 0.0, (1.0, -1.0)),
    ("mul", 0.0, 1.5, (1.5, 0.0)), ("mul", 1.5, 0.0, (0.0, 1.5)),
    ("div", 0.0, 1.5, (1 / 1.5, 0.0)), ("div", 1.5, 1.0, (1.0, -1.5)),
    ("pow", 1.0, 1.5, (1.5, 0.0)), ("pow", 1.5, 0.0, (0.0, L15)),
    ("max", 0.0, 1.5, (0.0, 1.0)), ("max", 1.5, 0.0, (1.0, 0.0)), ("max", 1.0, 1.0, (0.5, 0.5)),
    ("min", 0.0, 1.5, (1.0, 0.0)), ("min", 1.5, 0.0, (0.0, 1.0)), ("min", 1.0, 1.0, (0.5, 0.5)),
    ("neg", 0.0, None, (-1.0,)), ("pos", 0.0, None, (1.0,)),
    ("powc", 1.0, 2, (2.0,)), ("powc", 0.0, 2, (0.0,)), ("powc", 0.0, 3, (0.0,)),
    ("exp", 0.0, None, (1.0,)), ("log", 1.0, None, (1.0,)), ("tanh", 0.0, None, (1.0,)),
    ("sigmoid", 0.0, None, (0.25,)), ("relu", 0.0, None, (0.0,)), ("relu", 2.0, None, (1.0,)),
    ("sqrt", 1.0, None, (0.5,)), ("abs", 0.0, None, (0.0,)), ("abs", -2.0, None, (-1.0,)),
    ("sin", 0.0, None, (1.0,)), ("cos", 0.0, None, (0.0,)), ("softplus", 0.0, None, (0.5,)),
]


def _ids(case):
    name, a, b, _ = case
    return f"{name}({a}, {b})" if b is not None else f"{name}({a})"


@pytest.mark.parametrize("name, a, b, expected", CASES, ids=map(_ids, CASES))
def test_backward_gives_the_textbook_derivative_at_the_point(name, a, b, expected):
    binary = len(expected) == 2
    xs = [Value(a)] + ([Value(b)] if binary else [])
    apply_op(name, *xs, *([] if binary else [b])).backward()
    assert tuple(x.grad for x in xs) == expected


@pytest.mark.parametrize("name, a, b, expected", CASES, ids=map(_ids, CASES))
def test_forward_mode_gives_the_same_derivative_at_the_point(name, a, b, expected):
    binary = len(expected) == 2
    for i, want in enumerate(expected):
        tangents = [1.0 if j == i else 0.0 for j in range(len(expected))]
        primals = [a, b] if binary else [a]
        f = (lambda x, y: apply_op(name, x, y)) if binary else (lambda x: apply_op(name, x, b))
        assert jvp(f, primals, tangents)[1] == want


@pytest.mark.parametrize("name, a, b, expected", CASES, ids=map(_ids, CASES))
def test_tensor_backward_gives_the_same_derivative_at_the_point(name, a, b, expected):
    binary = len(expected) == 2
    xs = [Tensor([a], requires_grad=True)] + ([Tensor([b], requires_grad=True)] if binary else [])
    apply_op(name, *xs, *([] if binary else [b])).sum().backward()
    assert tuple(x.grad.data[0] for x in xs) == expected


def test_matmul_gradients_are_g_times_b_transposed_and_a_transposed_times_g_exactly():
    A = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    B = Tensor([[1.0, -1.0], [2.0, 0.0], [0.0, 3.0]], requires_grad=True)
    G = Tensor([[1.0, 2.0], [3.0, 4.0]])                   # the upstream gradient ∂L/∂(A @ B)
    ((A @ B) * G).sum().backward()
    assert A.grad.tolist() == [[-1.0, 2.0, 6.0], [-1.0, 6.0, 12.0]]          # G @ Bᵀ
    assert B.grad.tolist() == [[13.0, 18.0], [17.0, 24.0], [21.0, 30.0]]     # Aᵀ @ G
