"""make_moons: deterministic, right shape and labels, the two moons in the right places."""

import math

import pytest

from nn.data import make_moons


def test_same_seed_same_points_other_seed_other_points():
    assert make_moons(50, seed=3) == make_moons(50, seed=3)
    assert make_moons(50, seed=3) != make_moons(50, seed=4)


@pytest.mark.parametrize("n", [2, 7, 100])
def test_shape_and_class_balance(n):
    X, y = make_moons(n)
    assert len(X) == len(y) == n
    assert all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)
    assert y.count(0) == n // 2 and y.count(1) == n - n // 2


def test_pm1_labels_match_01_labels():
    X01, y01 = make_moons(40, seed=1)
    Xpm, ypm = make_moons(40, seed=1, labels="pm1")
    assert X01 == Xpm
    assert ypm == [2 * v - 1 for v in y01]


def test_without_noise_points_lie_on_the_two_half_circles():
    X, y = make_moons(30, noise=0.0)
    for (a, b), label in zip(X, y):
        cx, cy = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.isclose(math.hypot(a - cx, b - cy), 1.0, rel_tol=1e-12)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)


@pytest.mark.parametrize("kwargs", [dict(labels="-11"), dict(n=1), dict(noise=-0.1)])
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError, match="make_moons"):
        make_moons(**kwargs)
