"""nn.losses: exact hand computations, gradients against central differences, errors."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from autograd.errors import ShapeError
from nn import losses as L
from nn_check import assert_close, check_grads, grads_of

floats = st.floats(-5.0, 5.0, allow_nan=False)


def vals(*xs):
    return [Value(x) for x in xs]


# ---- exact numbers ------------------------------------------------------------------------

def test_mse_value_and_gradient_by_hand():
    p = vals(1.0, 2.0, 4.0)
    loss = L.mse(p, [0.0, 2.0, 1.0])           # (1 + 0 + 9) / 3
    assert loss.data == 10.0 / 3.0
    loss.backward()
    assert [v.grad for v in p] == [2 * 1.0 / 3, 0.0, 2 * 3.0 / 3]    # 2(p - y)/n


def test_mse_single_value():
    p = Value(3.0)
    loss = L.mse(p, 1.0)
    assert loss.data == 4.0
    loss.backward()
    assert p.grad == 4.0


def test_hinge_value_and_gradient_by_hand():
    s = vals(2.0, 0.5, -0.25, -3.0)
    loss = L.hinge(s, [1, 1, 1, -1])           # max(0, 1 - y s): 0, 0.5, 1.25, 0
    assert loss.data == (0.0 + 0.5 + 1.25 + 0.0) / 4
    loss.backward()
    assert [v.grad for v in s] == [0.0, -0.25, -0.25, 0.0]            # -y/n where violated


def test_bce_by_hand():
    p = vals(0.8, 0.25)
    loss = L.bce(p, [1, 0])                     # -(log 0.8 + log 0.75)/2
    assert loss.data == pytest.approx(-(math.log(0.8) + math.log(0.75)) / 2, rel=1e-15)
    loss.backward()
    assert p[0].grad == pytest.approx(-1 / 0.8 / 2, rel=1e-15)       # -1/(2p)
    assert p[1].grad == pytest.approx(1 / 0.75 / 2, rel=1e-15)        # 1/(2(1-p))


def test_bce_clamps_certain_wrong_answers_to_a_finite_loss():
    p = Value(0.0)
    loss = L.bce([p], [1])
    assert loss.data == pytest.approx(-math.log(1e-12))
    loss.backward()
    assert p.grad == 0.0                        # clamped: no gradient, as torch's clamp


def test_bce_with_logits_matches_bce_of_sigmoid_and_is_stable():
    z = vals(0.3, -1.2)
    loss = L.bce_with_logits(z, [1, 0])
    s0, s1 = 1 / (1 + math.exp(-0.3)), 1 / (1 + math.exp(1.2))
    assert loss.data == pytest.approx(-(math.log(s0) + math.log(1 - s1)) / 2, rel=1e-14)
    loss.backward()
    assert z[0].grad == pytest.approx((s0 - 1) / 2, rel=1e-14)        # (σ(z) - y)/n
    assert z[1].grad == pytest.approx(s1 / 2, rel=1e-14)
    big = vals(1000.0, -1000.0)
    loss = L.bce_with_logits(big, [0, 1])       # wrong by 1000 each: loss 1000, no overflow
    assert loss.data == 1000.0
    loss.backward()
    assert [v.grad for v in big] == [0.5, -0.5]


def test_softmax_log_softmax_and_cross_entropy_by_hand():
    z = vals(1.0, 2.0, 3.0)
    e = [math.exp(-2.0), math.exp(-1.0), 1.0]
    total = sum(e)
    assert [p.data for p in L.softmax(z)] == pytest.approx([x / total for x in e], rel=1e-15)
    lse = 3.0 + math.log(total)
    assert L.logsumexp(z).data == pytest.approx(lse, rel=1e-15)
    assert [p.data for p in L.log_softmax(z)] == pytest.approx([1 - lse, 2 - lse, 3 - lse])
    loss = L.cross_entropy(z, 0)
    assert loss.data == pytest.approx(lse - 1.0, rel=1e-15)
    loss.backward()
    soft = [x / total for x in e]
    assert [v.grad for v in z] == pytest.approx([soft[0] - 1, soft[1], soft[2]], rel=1e-14)


def test_softmax_does_not_overflow():
    z = vals(1000.0, 1000.0, -1000.0)
    assert [p.data for p in L.softmax(z)] == [0.5, 0.5, 0.0]
    assert L.cross_entropy([z, z], [0, 1]).data == pytest.approx(math.log(2), rel=1e-15)


def test_l2_and_accuracies():
    w = vals(1.0, -2.0, 0.5)
    reg = L.l2(w)
    assert reg.data == 5.25
    reg.backward()
    assert [v.grad for v in w] == [2.0, -4.0, 1.0]
    assert L.sign_accuracy(vals(0.5, -0.1, 2.0, 0.0), [1, -1, -1, 1]) == 0.5
    assert L.threshold_accuracy([0.9, 0.2, 0.6], [1, 0, 0]) == 2 / 3
    assert L.threshold_accuracy(vals(1.5, -2.0), [1, 0], threshold=0.0) == 1.0
    assert L.argmax(vals(0.1, 3.0, 3.0, -1.0)) == 1
    assert L.argmax_accuracy([vals(0.0, 1.0), vals(2.0, 1.0)], [1, 1]) == 0.5


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda: L.mse(vals(1.0, 2.0), [1.0]), ShapeError, "2 predictions but 1 targets"),
    (lambda: L.mse([], []), ShapeError, "empty batch"),
    (lambda: L.hinge(vals(1.0), [0]), ValueError, "label 0 is not one of"),
    (lambda: L.hinge(vals(1.0), [True]), ValueError, "label True"),
    (lambda: L.bce(vals(0.5), [-1]), ValueError, "label -1"),
    (lambda: L.bce(vals(1.5), [1]), ValueError, "outside"),
    (lambda: L.bce_with_logits(vals(0.5, 1.0), [1]), ShapeError, "2 predictions"),
    (lambda: L.cross_entropy(vals(1.0, 2.0), 2), ValueError, "not a class index in 0..1"),
    (lambda: L.cross_entropy([vals(1.0)], [0, 1]), ShapeError, "1 predictions but 2"),
    (lambda: L.softmax([]), ShapeError, "non-empty"),
    (lambda: L.sign_accuracy([1.0], [1, -1]), ShapeError, "1 predictions but 2"),
])
def test_bad_inputs_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---- gradients against central differences (random sizes and inputs) -----------------------

def _data(f):
    """Run a loss on plain floats wrapped as Values (for central differences)."""
    return lambda xs: f([Value(x) for x in xs]).data


@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=6))
def test_mse_gradient_matches_central_differences(pairs):
    targets = [t for _, t in pairs]
    f = lambda ps: L.mse(ps, targets)   # noqa: E731
    xs = [p for p, _ in pairs]
    check_grads(f, xs)


@given(st.lists(st.tuples(floats, st.sampled_from([-1, 1])), min_size=1, max_size=6))
def test_hinge_gradient_matches_central_differences(pairs):
    xs = [s for s, _ in pairs]
    ys = [y for _, y in pairs]
    if any(abs(1 - y * s) < 1e-3 for s, y in pairs):
        return                                  # at the kink the derivative is one-sided
    f = lambda ss: L.hinge(ss, ys)      # noqa: E731
    check_grads(f, xs)


@given(st.lists(st.tuples(st.floats(0.01, 0.99), st.sampled_from([0, 1])), min_size=1,
                max_size=6))
def test_bce_gradient_matches_central_differences(pairs):
    xs = [p for p, _ in pairs]
    ys = [y for _, y in pairs]
    f = lambda ps: L.bce(ps, ys)        # noqa: E731
    check_grads(f, xs, rtol=1e-4, eps=1e-7)


@given(st.lists(st.tuples(st.floats(-30, 30), st.sampled_from([0, 1])), min_size=1,
                max_size=6))
def test_bce_with_logits_gradient_matches_central_differences(pairs):
    xs = [z for z, _ in pairs]
    ys = [y for _, y in pairs]
    f = lambda zs: L.bce_with_logits(zs, ys)    # noqa: E731
    check_grads(f, xs)
    sig = [1 / (1 + math.exp(-z)) for z in xs]
    assert_close(grads_of(f, xs), [(s - y) / len(xs) for s, y in zip(sig, ys)], rel=1e-12,
                 abs_=1e-15)


@st.composite
def logit_batches(draw):
    k = draw(st.integers(1, 5))
    n = draw(st.integers(1, 4))
    rows = [draw(st.lists(floats, min_size=k, max_size=k)) for _ in range(n)]
    targets = [draw(st.integers(0, k - 1)) for _ in range(n)]
    return k, rows, targets


@given(logit_batches())
def test_cross_entropy_gradient_matches_central_differences_and_softmax(batch):
    k, rows, targets = batch
    n = len(rows)
    flat = [z for row in rows for z in row]

    def f(zs):
        return L.cross_entropy([zs[i * k:(i + 1) * k] for i in range(n)], targets)

    check_grads(f, flat)
    grads = grads_of(f, flat)
    expected = []
    for row, t in zip(rows, targets):
        m = max(row)
        e = [math.exp(z - m) for z in row]
        expected += [(x / sum(e) - (j == t)) / n for j, x in enumerate(e)]
    assert_close(grads, expected, rel=1e-9, abs_=1e-12)


@given(st.lists(floats, min_size=1, max_size=5), st.data())
def test_softmax_and_log_softmax_gradients_match_central_differences(zs, data):
    i = data.draw(st.integers(0, len(zs) - 1))
    for fn in (L.softmax, L.log_softmax):
        f = lambda vs: fn(vs)[i]    # noqa: E731,B023
        check_grads(f, zs)
    assert math.fsum(p.data for p in L.softmax(vals(*zs))) == pytest.approx(1.0, rel=1e-14)
