"""Test helper for the nn tests: central differences (a later shared gradcheck replaces it)."""


def central_diff(f, xs, h=1e-6):
    """``[(f(x + h·eᵢ) - f(x - h·eᵢ)) / 2h for each i]`` for ``f`` taking a list of floats."""
    grads = []
    for i in range(len(xs)):
        up = list(xs)
        down = list(xs)
        up[i] += h
        down[i] -= h
        grads.append((f(up) - f(down)) / (2 * h))
    return grads


def grads_of(f, xs):
    """Gradient by backward(): ``f`` takes a list of Values and returns a Value."""
    from autograd import Value

    vs = [Value(x) for x in xs]
    f(vs).backward()
    return [v.grad for v in vs]


def assert_close(a, b, rel=1e-5, abs_=1e-7):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert abs(x - y) <= abs_ + rel * max(abs(x), abs(y)), (i, x, y, a, b)
